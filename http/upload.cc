// RFC 9110 §9.3.3-9.3.4 (POST, PUT), §15.3.2 (201 Created), §15.3.5 (204), §15.5.12 (411 Length Required).
#include "http/upload.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <system_error>

#include "http/path.h"

namespace ustack::http::detail {

namespace fs = std::filesystem;

bool is_upload_method(std::string_view method) { return method == "PUT" || method == "POST"; }

Upload Upload::start(const RequestParser& req, const fs::path& dir, std::string_view prefix) {
    if (dir.empty()) return Upload(405);
    // §15.5.12: we store bodies, so the client must say where the body ends (no close-delimited bodies).
    if (req.framing() == Framing::None) return Upload(411);
    std::optional<std::string> path = normalized_path(req.target());
    if (!path) return Upload(400);
    if (path->size() <= prefix.size() || path->compare(0, prefix.size(), prefix) != 0 || path->back() == '/')
        return Upload(405);  // outside the upload space, or a directory
    std::error_code ec;
    fs::path root = fs::canonical(dir, ec);
    if (ec) return Upload(500);
    fs::path wanted = root / fs::path(path->substr(prefix.size()));
    // Dot segments are gone, so only symlinked parents could leave the directory: check canonically.
    fs::path parent = fs::canonical(wanted.parent_path(), ec);
    if (ec || !path_within(root, parent)) return Upload(404);
    Upload u(0);
    u.final_ = parent / wanted.filename();
    if (fs::is_directory(u.final_, ec)) return Upload(405);
    std::string temp = (parent / ".upload-XXXXXX").string();
    u.fd_ = ::mkstemp(temp.data());
    if (u.fd_ < 0) return Upload(500);
    u.temp_ = temp;
    ::fchmod(u.fd_, 0644);  // mkstemp creates 0600; stored files are served like any other
    std::string_view target = req.target();
    u.location_ = std::string(target.substr(0, target.find_first_of("?#")));
    return u;
}

Upload::Upload(Upload&& o) noexcept
    : status_(o.status_), fd_(o.fd_), temp_(std::move(o.temp_)), final_(std::move(o.final_)),
      location_(std::move(o.location_)) {
    o.fd_ = -1;
    o.temp_.clear();
}

Upload::~Upload() {
    if (fd_ >= 0) ::close(fd_);
    if (!temp_.empty()) ::unlink(temp_.c_str());
}

void Upload::write(std::string_view bytes) {
    while (status_ == 0 && !bytes.empty()) {
        ssize_t n = ::write(fd_, bytes.data(), bytes.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            status_ = 500;
            return;
        }
        bytes.remove_prefix(size_t(n));
    }
}

int Upload::finish() {
    if (status_ != 0) return status_;
    std::error_code ec;
    bool existed = fs::exists(fs::symlink_status(final_, ec));
    int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0 || ::rename(temp_.c_str(), final_.c_str()) != 0) return status_ = 500;
    temp_.clear();
    return existed ? 204 : 201;
}

}  // namespace ustack::http::detail
