// RFC 9112 §3.2 (request-target forms) and RFC 3986 §2.1/§5.2.4 (percent-decoding, dot segments): maps a
// request target to a file under the document root without ever leaving it.
#pragma once

#include <filesystem>
#include <string_view>

namespace ustack::http {

struct ResolvedPath {
    int status = 0;               // 200: `file` is a regular file under root; else 400 or 404
    std::filesystem::path file;   // canonical path
};

// origin-form or absolute-form target -> file. Percent-decodes (bad escape or NUL -> 400), drops the
// query, removes dot segments (climbing above root -> 404), serves index.html for directories, and checks
// the canonical result (symlinks resolved) still lies under canonical root (else 404).
ResolvedPath resolve_target(const std::filesystem::path& root, std::string_view target);

// True when `p` equals `root` or lies below it, comparing whole path components.
bool path_within(const std::filesystem::path& root, const std::filesystem::path& p);

}  // namespace ustack::http
