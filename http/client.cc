// RFC 9110 §4.2.1 (http URI scheme, authority, port), §7.2 (Host), RFC 3986 §3 (URI components).
#include "http/client.h"

#include "http/syntax.h"

namespace ustack::http {

namespace {
std::nullopt_t fail(std::string* error, std::string_view why) {
    if (error) *error = std::string(why);
    return std::nullopt;
}
}  // namespace

std::optional<Url> Url::parse(std::string_view text, std::string* error) {
    constexpr std::string_view scheme = "http://";
    if (text.size() < scheme.size() || !syntax::iequals(text.substr(0, scheme.size()), scheme))
        return fail(error, "only http:// URLs are supported (no https, no relative URLs)");
    text.remove_prefix(scheme.size());
    for (char c : text) {
        auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u >= 0x7f) return fail(error, "URL contains a space, control or non-ASCII character");
    }
    size_t end = text.find_first_of("/?#");
    std::string_view authority = text.substr(0, end);
    std::string_view rest = end == std::string_view::npos ? std::string_view() : text.substr(end);
    if (authority.find('@') != std::string_view::npos) return fail(error, "user info in URLs is not supported");
    if (!authority.empty() && authority.front() == '[') return fail(error, "IPv6 literals are not supported");
    Url url;
    size_t colon = authority.find(':');
    std::string_view host = authority.substr(0, colon);
    if (host.empty()) return fail(error, "URL has no host");
    if (colon != std::string_view::npos) {
        std::string_view port = authority.substr(colon + 1);
        if (port.empty() || port.size() > 5) return fail(error, "invalid port");
        uint32_t v = 0;
        for (char c : port) {
            if (c < '0' || c > '9') return fail(error, "invalid port");
            v = v * 10 + uint32_t(c - '0');
        }
        if (v == 0 || v > 65535) return fail(error, "port out of range 1-65535");
        url.port = uint16_t(v);
    }
    url.host = std::string(host);
    rest = rest.substr(0, rest.find('#'));
    url.target = rest.empty() ? "/" : (rest.front() == '?' ? "/" + std::string(rest) : std::string(rest));
    return url;
}

std::string Url::authority() const { return port == 80 ? host : host + ":" + std::to_string(port); }

std::string build_get_request(const Url& url, std::string_view user_agent) {
    std::string r;
    r.reserve(128 + url.target.size() + url.host.size());
    r += "GET ";
    r += url.target;
    r += " HTTP/1.1\r\nHost: ";
    r += url.authority();
    r += "\r\nUser-Agent: ";
    r += user_agent;
    r += "\r\nAccept: */*\r\nConnection: close\r\n\r\n";
    return r;
}

}  // namespace ustack::http
