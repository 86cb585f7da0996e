// RFC 9110 §4.2.1 (http URI scheme, authority, port), §7.2 (Host), RFC 3986 §3 (URI components).
#include "http/client.h"
#include "http/session.h"

#include "http/syntax.h"

#include <vector>

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

std::string Url::text() const { return "http://" + authority() + target; }

namespace {
// RFC 3986 §5.2.4 on an already merged path; the query is left to the caller.
std::string remove_dot_segments(std::string_view path) {
    std::vector<std::string_view> out;
    bool dir = false;  // the path ended in "." or "..": keep it a directory
    if (!path.empty() && path.front() == '/') path.remove_prefix(1);
    for (;;) {
        size_t slash = path.find('/');
        std::string_view seg = path.substr(0, slash);
        bool last = slash == std::string_view::npos;
        if (seg == "..") {
            if (!out.empty()) out.pop_back();
            dir = last;
        } else if (seg == ".") {
            dir = last;
        } else {
            out.push_back(seg);
            dir = false;
        }
        if (last) break;
        path.remove_prefix(slash + 1);
    }
    std::string r;
    for (std::string_view seg : out) {
        r += '/';
        r += seg;
    }
    if (dir || r.empty()) r += '/';
    return r;
}
}  // namespace

std::optional<Url> Url::resolve(std::string_view ref, std::string* error) const {
    ref = syntax::trim_ows(ref);
    ref = ref.substr(0, ref.find('#'));
    size_t colon = ref.find(':');
    size_t first_delim = ref.find_first_of("/?");
    if (colon != std::string_view::npos && colon < first_delim) return parse(ref, error);  // has a scheme
    if (ref.substr(0, 2) == "//") return parse("http:" + std::string(ref), error);
    for (char c : ref) {
        auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u >= 0x7f) return fail(error, "Location contains a space, control or non-ASCII character");
    }
    Url u = *this;
    std::string_view base_path = std::string_view(target).substr(0, target.find('?'));
    if (ref.empty()) return u;
    if (ref.front() == '?') {
        u.target = std::string(base_path) + std::string(ref);
        return u;
    }
    std::string_view ref_path = ref.substr(0, ref.find('?'));
    std::string_view query = ref.substr(ref_path.size());
    std::string merged = ref_path.empty() || ref_path.front() == '/'
                             ? std::string(ref_path)
                             : std::string(base_path.substr(0, base_path.rfind('/') + 1)) + std::string(ref_path);
    u.target = remove_dot_segments(merged) + std::string(query);
    return u;
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

namespace ustack::http {

bool is_redirect(int status) {
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

std::string build_request(const Request& req, std::string_view user_agent, bool send_body, uint64_t body_length,
                          bool keep_alive) {
    auto given = [&](std::string_view name) {
        for (auto& [n, v] : req.headers)
            if (syntax::iequals(n, name)) return true;
        return false;
    };
    std::string r;
    r.reserve(256 + req.url.target.size());
    r += req.method;
    r += ' ';
    r += req.url.target;
    r += " HTTP/1.1\r\n";
    auto omitted = [&](std::string_view name) {
        for (const std::string& n : req.omit)
            if (syntax::iequals(n, name)) return true;
        return false;
    };
    if (!given("host") && !omitted("host")) r += "Host: " + req.url.authority() + "\r\n";
    if (!given("user-agent") && !omitted("user-agent")) r += "User-Agent: " + std::string(user_agent) + "\r\n";
    if (!given("accept") && !omitted("accept")) r += "Accept: */*\r\n";
    for (auto& [n, v] : req.headers) r += n + ": " + v + "\r\n";
    if (send_body) r += "Content-Length: " + std::to_string(body_length) + "\r\n";
    if (!keep_alive) r += "Connection: close\r\n";
    r += "\r\n";
    return r;
}

RedirectStep next_hop(Request& req, FetchResult& result, int hop, int max_redirects) {
    if (!is_redirect(result.status)) return RedirectStep::Final;
    std::string location;
    for (auto& [name, value] : result.headers)
        if (syntax::iequals(name, "location")) location = value;
    if (location.empty()) return RedirectStep::Final;  // a 3xx without Location is final (RFC 9110 §15.4)
    if (max_redirects >= 0 && hop >= max_redirects) {
        result.error = Error::too_many_redirects;
        result.detail = location;
        return RedirectStep::Failed;
    }
    std::string why;
    std::optional<Url> next = req.url.resolve(location, &why);
    if (!next) {
        result.error = Error::bad_redirect;
        result.detail = location + ": " + why;
        return RedirectStep::Failed;
    }
    req.url = *next;
    if (result.status == 303 || ((result.status == 301 || result.status == 302) && req.method == "POST")) {
        if (req.method != "HEAD") req.method = "GET";
        req.body.clear();
        req.body_file.clear();
    }
    return RedirectStep::Follow;
}

}  // namespace ustack::http
