// RFC 3986 §2.1 (percent-encoding), §5.2.4 (remove dot segments); RFC 9112 §3.2.2 (absolute-form).
#include "http/path.h"

#include <string>
#include <system_error>
#include <vector>

#include "http/syntax.h"

namespace ustack::http {

namespace fs = std::filesystem;

namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool percent_decode(std::string_view in, std::string& out) {
    out.clear();
    for (size_t i = 0; i < in.size(); ++i) {
        char c = in[i];
        if (c == '%') {
            if (i + 2 >= in.size()) return false;
            int hi = hex_value(in[i + 1]), lo = hex_value(in[i + 2]);
            if (hi < 0 || lo < 0) return false;
            c = char(hi * 16 + lo);
            i += 2;
        }
        if (c == '\0') return false;
        out.push_back(c);
    }
    return true;
}

// Canonical form of `p` (symlinks resolved as far as the path exists); empty on error.
fs::path canonical_or_empty(const fs::path& p) {
    std::error_code ec;
    fs::path c = fs::weakly_canonical(p, ec);
    if (ec) return {};
    return c;
}

}  // namespace

// Splits a decoded path into segments, dropping empty and "." ones and
// resolving ".." (RFC 3986 §5.2.4). False when ".." would climb above the root.
bool remove_dot_segments(std::string_view decoded, std::vector<std::string_view>& segments) {
    std::string_view rest = decoded;
    while (!rest.empty()) {
        size_t slash = rest.find('/');
        std::string_view seg = rest.substr(0, slash);
        rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
        if (seg.empty() || seg == ".") continue;
        if (seg == "..") {
            if (segments.empty()) return false;
            segments.pop_back();
            continue;
        }
        segments.push_back(seg);
    }
    return true;
}

bool path_within(const fs::path& root, const fs::path& p) {
    auto r = root.begin(), re = root.end();
    auto q = p.begin(), qe = p.end();
    for (; r != re; ++r, ++q) {
        if (r->empty()) continue;  // trailing separator of root ("/srv/www/")
        if (q == qe || *r != *q) return false;
    }
    return true;
}

namespace {

ResolvedPath resolve(const fs::path& root, std::string_view target, bool listing, fs::path* root_out) {
    // absolute-form: http://authority/path (RFC 9112 §3.2.2).
    size_t scheme = target.find("://");
    if (!target.empty() && target.front() != '/' && scheme != std::string_view::npos &&
        (syntax::iequals(target.substr(0, scheme), "http") || syntax::iequals(target.substr(0, scheme), "https"))) {
        size_t slash = target.find('/', scheme + 3);
        target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
    }
    if (target.empty() || target.front() != '/') return {400, {}};
    target = target.substr(0, target.find_first_of("?#"));

    std::string decoded;
    if (!percent_decode(target, decoded)) return {400, {}};

    // Dot segments are removed after decoding, so %2e%2e is treated as "..".
    std::vector<std::string_view> segments;
    if (!remove_dot_segments(decoded, segments)) return {404, {}};  // would climb above root

    fs::path root_c = canonical_or_empty(root);
    if (root_c.empty()) return {404, {}};
    if (root_out) *root_out = root_c;
    fs::path p = root_c;
    for (std::string_view seg : segments) p /= fs::path(std::string(seg));

    fs::path file = canonical_or_empty(p);
    if (file.empty() || !path_within(root_c, file)) return {404, {}};
    std::error_code ec;
    if (fs::is_directory(file, ec)) {
        if (listing && decoded.back() != '/') return {301, {}};
        if (listing && !fs::exists(file / "index.html", ec)) return {200, {}, file};
        file = canonical_or_empty(file / "index.html");
        if (file.empty() || !path_within(root_c, file)) return {404, {}};
    }
    if (!fs::is_regular_file(file, ec)) return {404, {}};
    return {200, file};
}

}  // namespace

std::optional<std::string> normalized_path(std::string_view target) {
    if (target.empty() || target.front() != '/') return std::nullopt;
    std::string decoded;
    if (!percent_decode(target.substr(0, target.find_first_of("?#")), decoded)) return std::nullopt;
    std::vector<std::string_view> segments;
    if (!remove_dot_segments(decoded, segments)) return std::nullopt;
    std::string out;
    for (std::string_view seg : segments) {
        out += '/';
        out += seg;
    }
    if (out.empty() || decoded.back() == '/') out += '/';
    return out;
}

ResolvedPath resolve_target(const fs::path& root, std::string_view target) {
    return resolve(root, target, false, nullptr);
}

ResolvedPath resolve_directory_target(const fs::path& root, std::string_view target, fs::path* root_out) {
    return resolve(root, target, true, root_out);
}

}  // namespace ustack::http
