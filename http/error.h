// Error codes for the HTTP client (boost::system category "ustack.http").
#pragma once

#include <boost/system/error_code.hpp>
#include <type_traits>

namespace ustack::http {

enum class Error {
    bad_response = 1,    // the response violates RFC 9112 (see FetchResult::detail)
    partial_message = 2, // the peer closed before the message ended (truncated head or body)
};

const boost::system::error_category& http_category();
boost::system::error_code make_error_code(Error e);

}  // namespace ustack::http

template <>
struct boost::system::is_error_code_enum<ustack::http::Error> : std::true_type {};
