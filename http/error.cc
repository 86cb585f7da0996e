// Error category for the HTTP client.
#include "http/error.h"

#include <string>

#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"  // boost::system::error_category has a protected one

namespace ustack::http {

namespace {
class Category : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "ustack.http"; }
    std::string message(int ev) const override {
        switch (static_cast<Error>(ev)) {
            case Error::bad_response: return "malformed HTTP response";
            case Error::partial_message: return "connection closed before the HTTP message ended";
            case Error::too_many_redirects: return "too many redirects";
            case Error::bad_redirect: return "redirect to an unsupported location";
            case Error::connection_closed: return "server closed the connection before this request";
            case Error::body_source: return "cannot read the request body file";
            case Error::bad_header: return "invalid extra request header";
        }
        return "unknown HTTP error";
    }
};
}  // namespace

const boost::system::error_category& http_category() {
    static const Category c;
    return c;
}

boost::system::error_code make_error_code(Error e) { return {static_cast<int>(e), http_category()}; }

}  // namespace ustack::http
