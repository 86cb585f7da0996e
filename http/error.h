// Error codes for the HTTP client (boost::system category "ustack.http").
#pragma once

#include <boost/system/error_code.hpp>
#include <type_traits>

namespace ustack::http {

enum class Error {
    bad_response = 1,    // the response violates RFC 9112 (see FetchResult::detail)
    partial_message = 2, // the peer closed before the message ended (truncated head or body)
    too_many_redirects = 3,  // FetchOptions::max_redirects redirects were followed and another came
    bad_redirect = 4,        // a 3xx Location that is not an http:// URL or reference we can follow
    connection_closed = 5,   // the server closed a persistent connection before this request was sent
    body_source = 6,         // the request body file could not be read
    bad_header = 7,          // an extra request header with a bad name or a CR, LF or NUL in its value
};

const boost::system::error_category& http_category();
boost::system::error_code make_error_code(Error e);

}  // namespace ustack::http

template <>
struct boost::system::is_error_code_enum<ustack::http::Error> : std::true_type {};
