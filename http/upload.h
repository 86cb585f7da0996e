// RFC 9110 §9.3.3-9.3.4 (POST, PUT), §15.3.2 (201), §15.5.12 (411): request bodies stored under an upload
// directory, written to a temporary file and renamed into place only when the body is complete.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "http/parser.h"

namespace ustack::http::detail {

class Upload {
public:
    // Decides, once the head of a PUT/POST is known, whether its body may be stored: the target path
    // must lie under `prefix` ("/upload/"), name a file (not a directory) whose parent directory
    // exists under `dir`, and the request must have a length (Content-Length or chunked). Opens the
    // temporary file on success (status() == 0); otherwise status() is 405, 411, 400, 404 or 500.
    static Upload start(const RequestParser& req, const std::filesystem::path& dir, std::string_view prefix);

    Upload(Upload&& o) noexcept;
    Upload& operator=(Upload&&) = delete;
    ~Upload();  // removes the temporary file unless finish() renamed it

    int status() const { return status_; }
    // Appends body bytes; an I/O error turns status() into 500 (the rest of the body is still drained).
    void write(std::string_view bytes);
    // Renames the complete body into place: 201 (new file) or 204 (replaced), or status() when not 0.
    int finish();
    // The path the stored file answers at (origin-form, percent-encoded as the client sent it).
    const std::string& location() const { return location_; }

private:
    explicit Upload(int status) : status_(status) {}
    int status_ = 0;
    int fd_ = -1;
    std::filesystem::path temp_, final_;
    std::string location_;
};

// True for the methods that store a body (PUT, POST).
bool is_upload_method(std::string_view method);

}  // namespace ustack::http::detail
