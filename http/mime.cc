// RFC 9110 §8.3 (Content-Type): extension -> media type table.
#include "http/mime.h"

#include <array>
#include <utility>

#include "http/syntax.h"

namespace ustack::http {

namespace {
constexpr std::array<std::pair<std::string_view, std::string_view>, 17> kTypes{{
    {"html", "text/html; charset=utf-8"},
    {"htm", "text/html; charset=utf-8"},
    {"txt", "text/plain; charset=utf-8"},
    {"css", "text/css; charset=utf-8"},
    {"js", "text/javascript; charset=utf-8"},
    {"json", "application/json"},
    {"png", "image/png"},
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"gif", "image/gif"},
    {"svg", "image/svg+xml"},
    {"ico", "image/vnd.microsoft.icon"},
    {"pdf", "application/pdf"},
    {"wasm", "application/wasm"},
    {"xml", "application/xml"},
    {"mp4", "video/mp4"},
    {"webp", "image/webp"},
}};
}  // namespace

std::string_view mime_type(std::string_view path) {
    size_t slash = path.find_last_of('/');
    std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
    size_t dot = name.find_last_of('.');
    if (dot == std::string_view::npos || dot == 0) return "application/octet-stream";
    std::string_view ext = name.substr(dot + 1);
    for (const auto& [e, type] : kTypes)
        if (syntax::iequals(e, ext)) return type;
    return "application/octet-stream";
}

}  // namespace ustack::http
