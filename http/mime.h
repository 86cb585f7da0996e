// RFC 9110 §8.3 (Content-Type): media type chosen from a file name's extension.
#pragma once

#include <string_view>

namespace ustack::http {

// Media type for a path by its extension (case-insensitive); text types carry "; charset=utf-8";
// unknown -> "application/octet-stream".
std::string_view mime_type(std::string_view path);

}  // namespace ustack::http
