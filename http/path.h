// RFC 9112 §3.2 (request-target forms) and RFC 3986 §2.1/§5.2.4 (percent-decoding, dot segments): maps a
// request target to a file under the document root without ever leaving it.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace ustack::http {

struct ResolvedPath {
    int status = 0;               // 200: `file` is a regular file under root; else 400 or 404
    std::filesystem::path file;   // canonical path
    std::filesystem::path directory;  // resolve_directory_target only: a directory to list (file empty)
};

// origin-form or absolute-form target -> file. Percent-decodes (bad escape or NUL -> 400), drops the
// query, removes dot segments (climbing above root -> 404), serves index.html for directories, and checks
// the canonical result (symlinks resolved) still lies under canonical root (else 404).
ResolvedPath resolve_target(const std::filesystem::path& root, std::string_view target);

// As resolve_target, for a server that lists directories: a directory named without a trailing slash
// gives status 301 (the caller redirects to the slash form), and a directory with no index.html gives
// 200 with `directory` set (canonical) and `file` empty. `root_out` receives the canonical root.
ResolvedPath resolve_directory_target(const std::filesystem::path& root, std::string_view target,
                                      std::filesystem::path* root_out = nullptr);

// The target's path percent-decoded with dot segments removed ("/a/b", a trailing '/' kept); nullopt for
// a bad escape, NUL, a non-origin form, or a path climbing above "/".
std::optional<std::string> normalized_path(std::string_view target);

// True when `p` equals `root` or lies below it, comparing whole path components.
bool path_within(const std::filesystem::path& root, const std::filesystem::path& p);

}  // namespace ustack::http
