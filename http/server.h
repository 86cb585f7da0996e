// RFC 9110 §9.3.1-9.3.2 (GET, HEAD), §15.5.6 (405 + Allow); RFC 9112 §9 (persistence, half-close):
// a static file server over any Asio stream (AsyncReadStream + AsyncWriteStream).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/socket_base.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/system/error_code.hpp>
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "http/access_log.h"
#include "http/parser.h"
#include "http/timeout.h"
#include "http/upload.h"

namespace ustack::http {

struct ServerConfig {
    std::filesystem::path root;           // document root; nothing outside it is ever served
    size_t max_header = 16 * 1024;        // header section limit (431)
    size_t max_request_line = 8 * 1024;   // request line limit (414)
    size_t max_fields = 100;              // field line limit (431)
    uint64_t max_body = 1024 * 1024;      // request body limit (413 beyond); stored only by uploads
    size_t read_buffer = 16 * 1024;       // bytes per async_read_some
    size_t file_chunk = 64 * 1024;        // file bodies are sent in pieces of this size
    std::string server_name = "ustack/0.1";
    // Timeouts (zero disables one). idle: from the end of a response (or the connection start) to the
    // first byte of the next request; the connection is closed without a response (RFC 9112 §9.5).
    // header: from that first byte until the whole header section has arrived -> 408 and close.
    // body: the longest pause between two reads of a request body -> 408 and close.
    // PUT/POST store bodies only when upload_dir is set (else 405): a target "<upload_prefix>name"
    // becomes upload_dir/name (existing subdirectories allowed), bodies up to max_body bytes.
    std::filesystem::path upload_dir;
    std::string upload_prefix = "/upload/";
    std::chrono::milliseconds idle_timeout{60'000};
    std::chrono::milliseconds header_timeout{30'000};
    std::chrono::milliseconds body_timeout{60'000};
    // send: the longest a single write (a response head, or one file_chunk) may take; a client that
    // stops reading is then disconnected (no response is possible).
    std::chrono::milliseconds send_timeout{60'000};
    // linger: after the last response and our FIN, how long to keep reading (and discarding) what the
    // client still sends before closing (RFC 9112 §9.6); at most linger_bytes are drained. Zero: close
    // at once (a RST may then erase the response from the client's receive buffer).
    std::chrono::milliseconds linger_timeout{5'000};
    uint64_t linger_bytes = 1024 * 1024;

    ParserLimits limits() const;
};

// Customization point: end our sending direction after the last response (RFC 9112 §9.6: close in
// stages). Calls stream.shutdown_send() (ustack TcpStream), else shutdown(shutdown_send) (Asio sockets,
// or .socket() of a Beast tcp_stream), else does nothing (e.g. beast::test::stream).
template <class Stream>
void half_close(Stream& stream) {
    if constexpr (requires { stream.shutdown_send(); }) {
        stream.shutdown_send();
    } else if constexpr (requires(boost::system::error_code& ec) {
                             stream.shutdown(boost::asio::socket_base::shutdown_send, ec);
                         }) {
        boost::system::error_code ec;
        stream.shutdown(boost::asio::socket_base::shutdown_send, ec);
    } else if constexpr (requires(boost::system::error_code& ec) {
                             stream.socket().shutdown(boost::asio::socket_base::shutdown_send, ec);
                         }) {
        boost::system::error_code ec;
        stream.socket().shutdown(boost::asio::socket_base::shutdown_send, ec);
    }
}

namespace detail {

// Client address for the access log: Asio endpoint, ustack tcp::Endpoint, or "-".
template <class Stream>
std::string peer_name(Stream& stream) {
    if constexpr (requires(boost::system::error_code& ec) { stream.remote_endpoint(ec).address().to_string(); }) {
        boost::system::error_code ec;
        auto ep = stream.remote_endpoint(ec);
        return ec ? std::string("-") : ep.address().to_string();
    } else if constexpr (requires { stream.remote_endpoint().addr.to_string(); }) {
        return stream.remote_endpoint().addr.to_string();
    } else {
        return "-";
    }
}

// An open regular file; reads it piecewise so large files are never held in memory.
class FileSource {
public:
    static std::optional<FileSource> open(const std::filesystem::path& p);
    FileSource(FileSource&& o) noexcept : fd_(o.fd_), size_(o.size_), mtime_ns_(o.mtime_ns_) { o.fd_ = -1; }
    FileSource& operator=(FileSource&&) = delete;
    ~FileSource();
    uint64_t size() const { return size_; }
    int64_t mtime_ns() const { return mtime_ns_; }
    // Reads up to buf.size() bytes; returns the count, 0 at end of file or on error.
    size_t read(std::vector<char>& buf);
    // Positions the next read at `offset` bytes from the start; false on error.
    bool seek(uint64_t offset);

private:
    FileSource(int fd, uint64_t size, int64_t mtime_ns) : fd_(fd), size_(size), mtime_ns_(mtime_ns) {}
    int fd_;
    uint64_t size_;
    int64_t mtime_ns_ = 0;
};

struct Response {
    int status = 200;
    std::string_view content_type;
    uint64_t content_length = 0;
    bool send_body = true;       // false for HEAD
    bool allow = false;          // add "Allow: <allowed_methods>" (405, OPTIONS)
    std::string fields;          // extra "Name: value\r\n" lines (ETag, Content-Range, Location, ...)
    std::string body;            // small generated body (errors)
    std::optional<FileSource> file;
};

// The Allow field value: "GET, HEAD, OPTIONS" (and PUT, POST when uploads are enabled).
std::string allowed_methods(const ServerConfig& config);
// The methods of RFC 9110 §9 and RFC 5789 (PATCH); others are answered 501.
bool is_known_method(std::string_view method);
// Decides the answer to a complete request (GET/HEAD of a file or directory index, OPTIONS, 301,
// 304, 206, 404, 405, 412, 416, 501).
Response prepare_response(const RequestParser& req, const ServerConfig& config);
// The answer to a PUT/POST once its body is complete (201 + Location, 204, or the upload's error).
Response upload_response(Upload& upload, const ServerConfig& config);
// Decides the answer to a request the parser rejected (error() status, no file).
Response error_response(int status, bool send_body);
// Status line and fields; Connection: close when !keep_alive, keep-alive echoed to 1.0 clients.
std::string response_head(const Response& r, bool keep_alive, int request_minor, const ServerConfig& config);
// The whole 408 response sent when a request stalls (Connection: close).
std::string timeout_response(const ServerConfig& config);
inline constexpr char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";
// A 1.1 request with a body and "Expect: 100-continue".
bool expects_continue(const RequestParser& req);
// "METHOD target HTTP/x.y" for the log, or empty when the request line was not understood.
std::string request_line(const RequestParser& req);

}  // namespace detail

// Serves requests on one connection until the client closes, an error occurs, or the connection is not
// persistent. Each request is read completely (its body drained, so a body is never taken for the next
// request) before it is answered; a rejected request gets its status and the connection is closed.
// The config is copied (safe with temporaries); stream and log must outlive the coroutine.
// GCC 12 reports a false -Wmismatched-new-delete on Asio coroutine frames (GCC PR 109224; also seen in
// asio and silkworm with by-value coroutine parameters): silence it for this coroutine only.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
template <class Stream>
boost::asio::awaitable<void> serve_connection(Stream& stream, ServerConfig config, AccessLog* log = nullptr) {
    namespace asio = boost::asio;
    RequestParser parser(config.limits());
    std::vector<char> in(config.read_buffer);
    std::vector<char> chunk;
    size_t begin = 0, end = 0;
    const std::string peer = detail::peer_name(stream);
    boost::system::error_code ec;
    detail::Watchdog<Stream> watchdog(stream);
    auto half = [](Stream& s) { half_close(s); };
    using Clock = std::chrono::steady_clock;
    Clock::time_point idle_since = Clock::now(), header_deadline{};
    auto arm_send = [&] {
        if (config.send_timeout.count() > 0) watchdog.arm(Clock::now() + config.send_timeout, {}, half);
    };
    std::optional<detail::Upload> upload;
    for (;;) {
        parser.reset();
        upload.reset();
        bool started = false;  // some byte of this request has arrived
        for (;;) {
            if (!started && end > begin) {
                started = true;
                header_deadline = Clock::now() + config.header_timeout;
            }
            begin += parser.put(std::string_view(in.data() + begin, end - begin));
            if (begin == end) begin = end = 0;
            ParseState st = parser.state();
            if (st == ParseState::Done || st == ParseState::Error) break;
            if (st == ParseState::BodyChunk && upload) upload->write(parser.body_chunk());
            if (st == ParseState::HeaderDone && detail::is_upload_method(parser.method()))
                upload.emplace(detail::Upload::start(parser, config.upload_dir, config.upload_prefix));
            if (st == ParseState::HeaderDone && detail::expects_continue(parser)) {
                // RFC 9110 §10.1.1: the client waits for 100 before sending the body we will drain.
                arm_send();
                co_await asio::async_write(stream, asio::buffer(detail::kContinue, sizeof detail::kContinue - 1),
                                           asio::redirect_error(asio::use_awaitable, ec));
                watchdog.disarm();
                if (ec || watchdog.fired()) co_return;
            }
            if (st != ParseState::NeedMore) continue;  // header or body bytes: nothing to keep
            if (!started) {
                if (config.idle_timeout.count() > 0) watchdog.arm(idle_since + config.idle_timeout, {}, half);
            } else if (!parser.header_done()) {
                if (config.header_timeout.count() > 0) watchdog.arm(header_deadline, detail::timeout_response(config), half);
            } else if (config.body_timeout.count() > 0) {
                watchdog.arm(Clock::now() + config.body_timeout, detail::timeout_response(config), half);
            }
            size_t n = co_await stream.async_read_some(asio::buffer(in.data() + end, in.size() - end),
                                                       asio::redirect_error(asio::use_awaitable, ec));
            watchdog.disarm();
            if (watchdog.fired()) {
                if (watchdog.writing())
                    co_await watchdog.done().async_wait(asio::redirect_error(asio::use_awaitable, ec));
                if (log && started) log->write({peer, detail::request_line(parser), 408, 0});
                co_return;
            }
            if (ec) co_return;  // peer closed or failed: nothing to answer
            end += n;
        }
        bool error = parser.state() == ParseState::Error;
        bool head = !error && parser.method() == "HEAD";
        detail::Response r = error    ? detail::error_response(parser.error(), true)
                             : upload ? detail::upload_response(*upload, config)
                                      : detail::prepare_response(parser, config);
        // 411: the client may be sending a body we cannot delimit; never read it as a request.
        // 501: a method we do not know may have framing conventions we do not know either.
        bool keep = !error && parser.keep_alive() && r.status != 411 && r.status != 501;
        std::string out = detail::response_head(r, keep, parser.version_minor(), config);
        uint64_t sent = 0;
        if (r.send_body && !head && !r.file) {
            out += r.body;
            sent = r.body.size();
        }
        if (r.send_body && !head && r.file && r.content_length > 0) {
            // The head and the first piece of the file in one write: a small response then leaves in one
            // segment instead of a head that Nagle's algorithm (RFC 9293 §3.7.4) sends alone, holding
            // the body until the client's (delayed) ACK comes back.
            chunk.resize(size_t(std::min<uint64_t>(config.file_chunk, r.content_length)));
            size_t n = r.file->read(chunk);
            out.append(chunk.data(), n);
            sent = n;
        }
        arm_send();
        co_await asio::async_write(stream, asio::buffer(out), asio::redirect_error(asio::use_awaitable, ec));
        watchdog.disarm();
        if (ec || watchdog.fired()) {
            if (log) log->write({peer, detail::request_line(parser), r.status, 0});
            co_return;
        }
        if (r.send_body && !head && r.file) {
            while (sent < r.content_length) {
                chunk.resize(size_t(std::min<uint64_t>(config.file_chunk, r.content_length - sent)));
                size_t n = r.file->read(chunk);
                if (n == 0) break;
                arm_send();
                co_await asio::async_write(stream, asio::buffer(chunk.data(), n),
                                           asio::redirect_error(asio::use_awaitable, ec));
                watchdog.disarm();
                if (ec || watchdog.fired()) {
                    if (log) log->write({peer, detail::request_line(parser), r.status, sent});
                    co_return;
                }
                sent += n;
            }
            if (sent < r.content_length) keep = false;  // file shrank: the framing is broken, close
        }
        if (log) log->write({peer, detail::request_line(parser), r.status, sent});
        if (!keep) {
            half_close(stream);
            // RFC 9112 §9.6: bytes the client sent after this request (pipelined requests, the rest of a
            // rejected body) must not reach a fully closed socket, whose RST could erase the response
            // from the client's receive buffer. Read and discard them until the client's FIN, bounded
            // in time and bytes; they are never parsed.
            if (config.linger_timeout.count() > 0) {
                watchdog.arm(Clock::now() + config.linger_timeout, {}, half);
                for (uint64_t drained = 0; drained <= config.linger_bytes;) {
                    size_t n = co_await stream.async_read_some(asio::buffer(in),
                                                               asio::redirect_error(asio::use_awaitable, ec));
                    if (ec || watchdog.fired()) break;
                    drained += n;
                }
                watchdog.disarm();
            }
            co_return;
        }
        idle_since = Clock::now();
    }
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

}  // namespace ustack::http
