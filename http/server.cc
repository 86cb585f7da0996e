// RFC 9110 §9.3.1-9.3.2 (GET/HEAD), §6.6.1 (Date), §15.5.6 (405 Allow); RFC 9112 §9.3 (Connection):
// the non-template half of the static file server.
#include "http/server.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>

#include "http/conditional.h"
#include "http/dir_index.h"
#include "http/mime.h"
#include "http/path.h"
#include "http/status.h"
#include "http/syntax.h"

namespace ustack::http {

ParserLimits ServerConfig::limits() const {
    ParserLimits l;
    l.max_start_line = max_request_line;
    l.max_header_bytes = max_header;
    l.max_fields = max_fields;
    l.max_body = max_body;
    return l;
}

namespace fs = std::filesystem;

namespace detail {

std::string allowed_methods(const ServerConfig& config) {
    return config.upload_dir.empty() ? "GET, HEAD, OPTIONS" : "GET, HEAD, OPTIONS, PUT, POST";
}

Response upload_response(Upload& upload, const ServerConfig&) {
    int status = upload.finish();
    Response r = error_response(status, status != 204);
    r.allow = status == 405;
    if (status == 201) r.fields = "Location: " + upload.location() + "\r\n";
    return r;
}

std::optional<FileSource> FileSource::open(const std::filesystem::path& p) {
    int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return std::nullopt;
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        return std::nullopt;
    }
    return FileSource(fd, uint64_t(st.st_size), int64_t(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec);
}

bool FileSource::seek(uint64_t offset) { return ::lseek(fd_, off_t(offset), SEEK_SET) == off_t(offset); }

FileSource::~FileSource() {
    if (fd_ >= 0) ::close(fd_);
}

size_t FileSource::read(std::vector<char>& buf) {
    while (true) {
        ssize_t n = ::read(fd_, buf.data(), buf.size());
        if (n < 0 && errno == EINTR) continue;
        return n < 0 ? 0 : size_t(n);
    }
}

namespace {

// IMF-fixdate (RFC 9110 §5.6.7): "Sun, 06 Nov 1994 08:49:37 GMT".
std::string http_date() {
    std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[40];
    std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    return buf;
}

}  // namespace

Response error_response(int status, bool send_body) {
    Response r;
    r.status = status;
    r.content_type = "text/plain; charset=utf-8";
    r.body = std::to_string(status) + " " + std::string(reason_phrase(status)) + "\n";
    r.content_length = r.body.size();
    r.send_body = send_body;
    return r;
}

bool is_known_method(std::string_view m) {
    static constexpr std::string_view known[] = {"GET",     "HEAD",    "POST",  "PUT",  "DELETE",
                                                 "CONNECT", "OPTIONS", "TRACE", "PATCH"};
    return std::find(std::begin(known), std::end(known), m) != std::end(known);
}

Response prepare_response(const RequestParser& req, const ServerConfig& config) {
    std::string_view m = req.method();
    if (m == "OPTIONS") {  // RFC 9110 §9.3.7: the methods this server supports
        Response r = error_response(204, false);
        r.allow = true;
        return r;
    }
    if (m != "GET" && m != "HEAD") {
        // RFC 9110 §9.1: 501 for a method we do not recognize, 405 for a known one this resource refuses.
        if (!is_known_method(m)) return error_response(501, true);
        Response r = error_response(405, true);
        r.allow = true;
        return r;
    }
    fs::path root;
    ResolvedPath p = resolve_directory_target(config.root, req.target(), &root);
    if (p.status == 301) {
        Response r = error_response(301, true);
        r.fields = "Location: " + slash_location(req.target()) + "\r\n";
        return r;
    }
    if (p.status != 200) return error_response(p.status, true);
    if (p.file.empty()) {
        Response r;
        r.content_type = "text/html; charset=utf-8";
        std::string_view target = req.target();
        r.body = directory_listing(root, p.directory, target.substr(0, target.find_first_of("?#")));
        r.content_length = r.body.size();
        return r;
    }
    std::optional<FileSource> f = FileSource::open(p.file);
    if (!f) return error_response(404, true);
    Response r;
    r.status = 200;
    r.content_type = mime_type(p.file.native());
    r.content_length = f->size();
    Validators v{make_etag(f->size(), f->mtime_ns()), std::time_t(f->mtime_ns() / 1'000'000'000)};
    r.fields = "ETag: " + v.etag + "\r\nLast-Modified: " + format_http_date(v.last_modified) +
               "\r\nAccept-Ranges: bytes\r\n";
    if (int pre = evaluate_preconditions(req, v)) {
        Response e = error_response(pre, pre != 304);
        e.fields = std::move(r.fields);  // §15.4.5: a 304 carries the validators a 200 would
        return e;
    }
    auto range = req.field("range");
    // §14.2: Range is only defined for GET; If-Range decides whether it still applies.
    if (range && m == "GET" && if_range_allows(req, v)) {
        RangeSelection sel = select_range(*range, f->size());
        if (sel.kind == RangeSelection::Unsatisfiable) {
            Response e = error_response(416, true);
            e.fields = r.fields + "Content-Range: bytes */" + std::to_string(f->size()) + "\r\n";
            return e;
        }
        if (sel.kind == RangeSelection::Single) {
            if (!f->seek(sel.first)) return error_response(500, true);
            r.status = 206;
            r.content_length = sel.last - sel.first + 1;
            r.fields += "Content-Range: bytes " + std::to_string(sel.first) + "-" + std::to_string(sel.last) + "/" +
                        std::to_string(f->size()) + "\r\n";
        }
    }
    r.file.emplace(std::move(*f));
    return r;
}

std::string response_head(const Response& r, bool keep_alive, int request_minor, const ServerConfig& config) {
    std::string h;
    h.reserve(256);
    h += "HTTP/1.1 ";
    h += std::to_string(r.status);
    h += ' ';
    h += reason_phrase(r.status);
    h += "\r\nDate: ";
    h += http_date();
    h += "\r\nServer: ";
    h += config.server_name;
    // §8.6: no Content-Length (nor Content-Type) in 204; omitted in 304, which has no content.
    if (r.status != 204 && r.status != 304) {
        h += "\r\nContent-Type: ";
        h += r.content_type;
        h += "\r\nContent-Length: ";
        h += std::to_string(r.content_length);
    }
    if (r.allow) {
        h += "\r\nAllow: ";
        h += allowed_methods(config);
    }
    if (!r.fields.empty()) {
        h += "\r\n";
        h.append(r.fields, 0, r.fields.size() - 2);  // fields end with CRLF
    }
    if (!keep_alive) h += "\r\nConnection: close";
    else if (request_minor == 0) h += "\r\nConnection: keep-alive";
    h += "\r\n\r\n";
    return h;
}

std::string timeout_response(const ServerConfig& config) {
    Response r = error_response(408, true);
    return response_head(r, false, 1, config) + r.body;
}

bool expects_continue(const RequestParser& req) {
    auto expect = req.field("expect");
    return expect && syntax::iequals(*expect, "100-continue") && req.version_minor() >= 1 &&
           req.framing() != Framing::None;
}

std::string request_line(const RequestParser& req) {
    if (!req.start_line_done()) return {};
    std::string s;
    s.reserve(req.method().size() + req.target().size() + 10);
    s += req.method();
    s += ' ';
    s += req.target();
    s += ' ';
    s += req.version_text();
    return s;
}

}  // namespace detail
}  // namespace ustack::http
