// RFC 3986 §2.1-2.3 (percent-encoding, unreserved characters); HTML escaping for the directory index page.
#include "http/dir_index.h"

#include <algorithm>
#include <system_error>
#include <vector>

#include "http/path.h"

namespace ustack::http {

namespace fs = std::filesystem;

std::string html_escape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&#39;"; break;
            default: out += c;
        }
    }
    return out;
}

std::string percent_encode_segment(std::string_view segment) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(segment.size());
    for (char c : segment) {
        auto u = static_cast<unsigned char>(c);
        bool unreserved = (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || u == '-' ||
                          u == '.' || u == '_' || u == '~';
        if (unreserved) {
            out += c;
        } else {
            out += '%';
            out += hex[u >> 4];
            out += hex[u & 15];
        }
    }
    return out;
}

std::string directory_listing(const fs::path& root, const fs::path& dir, std::string_view url_path) {
    struct Entry {
        std::string name;
        bool directory;
    };
    std::vector<Entry> entries;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        std::error_code e2;
        fs::path target = fs::weakly_canonical(it->path(), e2);
        if (e2 || !path_within(root, target)) continue;  // do not advertise links out of the root
        entries.push_back({it->path().filename().string(), fs::is_directory(target, e2)});
    }
    std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.name < b.name; });
    std::string title = html_escape(url_path);
    std::string page = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Index of " + title +
                       "</title></head>\n<body><h1>Index of " + title + "</h1>\n<ul>\n";
    if (dir != root) page += "<li><a href=\"../\">../</a></li>\n";
    for (const Entry& e : entries) {
        std::string slash = e.directory ? "/" : "";
        page += "<li><a href=\"" + percent_encode_segment(e.name) + slash + "\">" + html_escape(e.name) + slash +
                "</a></li>\n";
    }
    page += "</ul></body></html>\n";
    return page;
}

std::string slash_location(std::string_view target) {
    size_t scheme = target.find("://");
    if (!target.empty() && target.front() != '/' && scheme != std::string_view::npos) {
        size_t slash = target.find('/', scheme + 3);
        target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
    }
    size_t q = target.find_first_of("?#");
    std::string loc(target.substr(0, q));
    loc += '/';
    if (q != std::string_view::npos && target[q] == '?') loc += target.substr(q, target.find('#', q) - q);
    return loc;
}

}  // namespace ustack::http
