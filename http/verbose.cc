// RFC 9112 §4 (status line), §5 (field lines): the response head as `ustack fetch -I` writes it.
#include "http/verbose.h"

#include "http/status.h"

namespace ustack::http {

std::string format_head(const FetchResult& head) {
    std::string r = "HTTP/1.1 " + std::to_string(head.status) + " ";
    r += head.reason.empty() ? std::string(reason_phrase(head.status)) : head.reason;
    r += "\r\n";
    for (const auto& [name, value] : head.headers) r += name + ": " + value + "\r\n";
    r += "\r\n";
    return r;
}

}  // namespace ustack::http
