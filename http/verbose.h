// The shapes of `ustack fetch -v` and `-I` output, as curl prints them: "> " request head lines,
// "< " response head lines (RFC 9112 §2.1 message heads), "* " information lines.
#pragma once

#include <string>
#include <string_view>

#include "http/client.h"

namespace ustack::http {

// A traced head line (FetchOptions::trace): "> GET / HTTP/1.1", "< HTTP/1.1 200 OK"; the blank line that
// ends a head becomes "> " or "< ".
inline std::string verbose_line(std::string_view line, bool outgoing) {
    std::string s(outgoing ? "> " : "< ");
    s += line;
    return s;
}

// "* text", for connection events (connecting, reuse, TCP state changes, closing).
inline std::string info_line(std::string_view text) {
    std::string s("* ");
    s += text;
    return s;
}

// The final response head as `fetch -I` writes it to the output: "HTTP/1.1 <status> <reason>", the
// fields as received, an empty line; CRLF line ends (reason as received, else the standard phrase).
std::string format_head(const FetchResult& head);

}  // namespace ustack::http
