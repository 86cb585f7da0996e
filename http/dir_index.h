// RFC 3986 §2.1 (percent-encoding) and RFC 9110 §15.4.2 (301 Moved Permanently): the generated directory
// index page and the trailing-slash redirect of the file server.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace ustack::http {

// Text safe inside HTML element content and double-quoted attributes (& < > " ').
std::string html_escape(std::string_view text);

// One path segment percent-encoded: unreserved characters (ALPHA DIGIT - . _ ~) stay, every other byte
// (including '/', '?', '#', '%', space and non-ASCII) becomes %XX.
std::string percent_encode_segment(std::string_view segment);

// An HTML page listing `dir` (a canonical directory under canonical `root`), sorted by name,
// subdirectories with a trailing '/', a "../" link below the root. Entries whose target lies outside
// root (symlinks out) are left out. `url_path` is the request path, shown HTML-escaped as the title.
std::string directory_listing(const std::filesystem::path& root, const std::filesystem::path& dir,
                              std::string_view url_path);

// Location for a directory requested without its trailing slash: the target's path (absolute-form
// reduced to origin-form) plus "/" and then the query, if any.
std::string slash_location(std::string_view target);

}  // namespace ustack::http
