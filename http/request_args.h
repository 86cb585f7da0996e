// RFC 9110 §9.3 (methods), §5 (fields), §8.3 (Content-Type): a Request built from curl-style
// command-line arguments (-X, -I, -d, --data-binary, -H), as `ustack fetch` takes them.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/session.h"

namespace ustack::http {

// The request-shaping arguments of one `ustack fetch` invocation (the same for every URL).
struct RequestArgs {
    std::string method;                    // -X; empty: HEAD with -I, POST with data, else GET
    bool head = false;                     // -I/--head
    std::vector<std::string> data;         // -d values in order; "@file" = the file without CR/LF
    std::vector<std::string> data_binary;  // --data-binary values; "@file" = the file byte for byte
    std::vector<std::string> headers;      // -H values: "Name: value", "Name:" (omit), "Name;" (empty)
};

// One -H argument: "Name: value" -> {Name, value}; "Name;" -> {Name, ""}. "Name:" (nothing after the
// colon) returns {Name, nullopt}: do not send that field. Bad names or CR/LF/NUL -> nullopt + *error.
struct HeaderArg {
    std::string name;
    std::optional<std::string> value;
};
std::optional<HeaderArg> parse_header_arg(std::string_view arg, std::string* error = nullptr);

// The request for `url`: method, extra fields (a user field replaces the default of the same name), and
// the body: all -d and --data-binary values joined with '&' (like curl), sent with
// "Content-Type: application/x-www-form-urlencoded" unless -H gives one. A single "--data-binary @file"
// is streamed from the file (Request::body_file). Errors (unreadable file, bad -H, data with -I) ->
// nullopt + *error.
std::optional<Request> make_request(const RequestArgs& args, const Url& url, std::string* error = nullptr);

}  // namespace ustack::http
