// RFC 9110 §5.6 (tokens, lists, whitespace) and RFC 9112 §5 field syntax: character classes shared by the parsers.
#pragma once

#include <string_view>

namespace ustack::http::syntax {

// tchar (RFC 9110 §5.6.2).
constexpr bool is_tchar(char c) {
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
    switch (c) {
        case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+': case '-':
        case '.': case '^': case '_': case '`': case '|': case '~': return true;
        default: return false;
    }
}

constexpr bool is_token(std::string_view s) {
    if (s.empty()) return false;
    for (char c : s)
        if (!is_tchar(c)) return false;
    return true;
}

constexpr bool is_ows(char c) { return c == ' ' || c == '\t'; }

// field-vchar / SP / HTAB (RFC 9110 §5.5): everything but CTLs; obs-text (>= 0x80) is allowed.
constexpr bool is_field_char(char c) {
    auto u = static_cast<unsigned char>(c);
    return u == '\t' || (u >= 0x20 && u != 0x7f);
}

constexpr char lower(char c) { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; }

constexpr bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (lower(a[i]) != lower(b[i])) return false;
    return true;
}

constexpr std::string_view trim_ows(std::string_view s) {
    while (!s.empty() && is_ows(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_ows(s.back())) s.remove_suffix(1);
    return s;
}

// Calls f(element) for each non-empty element of a #list (RFC 9110 §5.6.1); empty elements are ignored
// as the list rule requires. f returns false to stop early.
template <class F>
constexpr void for_each_element(std::string_view list, F&& f) {
    while (true) {
        size_t comma = list.find(',');
        std::string_view elem = trim_ows(list.substr(0, comma));
        if (!elem.empty() && !f(elem)) return;
        if (comma == std::string_view::npos) return;
        list.remove_prefix(comma + 1);
    }
}

// True when the #list contains `token` (case-insensitive), e.g. Connection: close.
constexpr bool list_has_token(std::string_view list, std::string_view token) {
    bool found = false;
    for_each_element(list, [&](std::string_view e) {
        found = iequals(e, token);
        return !found;
    });
    return found;
}

}  // namespace ustack::http::syntax
