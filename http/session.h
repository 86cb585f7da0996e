// RFC 9110 §9.3 (GET, HEAD, POST, PUT), §15.4 (redirection 3xx + Location); RFC 9112 §9.3 (persistent
// connections): a client session that sends several requests over one connection and follows redirects.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <algorithm>
#include <filesystem>
#include <optional>
#include <span>
#include <type_traits>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "http/client.h"
#include "http/syntax.h"

namespace ustack::http {

struct Request {
    std::string method = "GET";
    Url url;
    // Extra fields sent as given (-H). One named Host, User-Agent or Accept replaces the default.
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;                 // sent with Content-Length when not empty (or for POST/PUT)
    std::filesystem::path body_file;  // when set, the body is read from this file instead
    // Default fields (Host, User-Agent, Accept; any case) not to send at all (curl's -H "Name:").
    std::vector<std::string> omit;
};

// The head of `req`: request line, Host, User-Agent, Accept, the extra headers, Content-Length when a
// body of `body_length` bytes is sent, and "Connection: close" unless keep_alive.
std::string build_request(const Request& req, std::string_view user_agent, bool send_body, uint64_t body_length,
                          bool keep_alive);

// True for the statuses whose Location is followed (301, 302, 303, 307, 308).
bool is_redirect(int status);

enum class RedirectStep { Final, Follow, Failed };
// After `result` answered `req` on hop number `hop` (0 = the first request): Final when it is not a 3xx
// with a Location; Follow when it is and `req` was rewritten for the next hop (URL resolved against the
// current one, RFC 3986 §5.2; 303, and 301/302 after POST, become GET without a body, as curl does;
// 307/308 keep method and body); Failed with result.error = too_many_redirects (hop >= max_redirects,
// negative max_redirects = no limit) or bad_redirect, and result.detail naming the Location.
RedirectStep next_hop(Request& req, FetchResult& result, int hop, int max_redirects);

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"  // GCC PR 109224, see client.h
#endif

// Requests over one connected stream, one after the other; bytes read past a response are kept for the
// next one. Stream and sinks must outlive each awaited request().
template <class Stream>
class ClientSession {
public:
    ClientSession(Stream& stream, FetchOptions options) : stream_(stream), options_(std::move(options)) {
        in_.resize(options_.read_buffer);
    }

    // Sends `req` (with "Connection: close" when last) and reads the response, body to `sink`.
    // Never throws for I/O: errors land in FetchResult::error. After a failure, or a response that
    // ends the connection, reusable() is false and further requests fail with Error::connection_closed.
    boost::asio::awaitable<FetchResult> request(Request req, BodySink& sink, bool last) {
        namespace asio = boost::asio;
        FetchResult result;
        if (!open_) {
            result.error = Error::connection_closed;
            co_return result;
        }
        for (auto& [name, value] : req.headers) {
            bool ok = syntax::is_token(name);
            for (char c : value) ok = ok && syntax::is_field_char(c);
            if (!ok) {  // would split the request or inject fields
                result.error = Error::bad_header;
                result.detail = name;
                co_return result;
            }
        }
        open_ = false;  // set again only when this exchange ends cleanly on a persistent response
        bool send_body = !req.body.empty() || !req.body_file.empty() || req.method == "POST" || req.method == "PUT";
        uint64_t body_length = req.body.size();
        std::ifstream file;
        if (!req.body_file.empty()) {
            std::error_code fec;
            body_length = std::filesystem::file_size(req.body_file, fec);
            file.open(req.body_file, std::ios::binary);
            if (fec || !file) {
                result.error = Error::body_source;
                result.detail = req.body_file.string();
                co_return result;
            }
        }
        std::string head = build_request(req, options_.user_agent, send_body, body_length, !last);
        detail::trace_request(options_, head);
        boost::system::error_code ec;
        if (req.body_file.empty()) {
            head += req.body;
            co_await asio::async_write(stream_, asio::buffer(head), asio::redirect_error(asio::use_awaitable, ec));
        } else {
            co_await asio::async_write(stream_, asio::buffer(head), asio::redirect_error(asio::use_awaitable, ec));
            std::vector<char> chunk(64 * 1024);
            uint64_t left = body_length;
            while (!ec && left > 0) {
                file.read(chunk.data(), std::streamsize(std::min<uint64_t>(chunk.size(), left)));
                auto n = size_t(file.gcount());
                if (n == 0) {  // the file shrank: the announced length can no longer be met
                    result.error = Error::body_source;
                    result.detail = req.body_file.string();
                    co_return result;
                }
                co_await asio::async_write(stream_, asio::buffer(chunk.data(), n),
                                           asio::redirect_error(asio::use_awaitable, ec));
                left -= n;
            }
        }
        if (ec) {
            result.error = ec;
            result.detail = ec.message();
            co_return result;
        }
        co_await read_response(result, sink, req.method == "HEAD");
        co_return result;
    }

    bool reusable() const { return open_; }
    // The response being read is a 3xx with a Location field.
    bool redirect_with_location() const { return redirect_; }

private:
    boost::asio::awaitable<void> read_response(FetchResult& result, BodySink& sink, bool head) {
        namespace asio = boost::asio;
        ResponseParser parser(options_.limits);
        parser.set_head_request(head);
        redirect_ = false;
        boost::system::error_code ec;
        for (;;) {
            begin_ += parser.put(std::string_view(in_.data() + begin_, end_ - begin_));
            if (begin_ == end_) begin_ = end_ = 0;
            switch (parser.state()) {
                case ParseState::HeaderDone:
                    detail::trace_response(options_, parser);
                    if (parser.status() >= 100 && parser.status() < 200 && parser.status() != 101) {
                        parser.reset();  // interim response (RFC 9110 §15.2)
                        parser.set_head_request(head);
                        continue;
                    }
                    result.status = parser.status();
                    result.reason = std::string(parser.reason());
                    for (const Field& f : parser.fields()) result.headers.emplace_back(f.name, f.value);
                    redirect_ = is_redirect(parser.status()) && parser.field("location").has_value();
                    if (options_.on_head) options_.on_head(result);
                    continue;
                case ParseState::BodyChunk:
                    sink.write(parser.body_chunk());
                    result.body_bytes += parser.body_chunk().size();
                    continue;
                case ParseState::Done:
                    result.complete = true;
                    open_ = !eof_ && parser.keep_alive();
                    co_return;
                case ParseState::Error:
                    result.error = Error::bad_response;
                    result.detail = std::string(parser.error_reason());
                    co_return;
                case ParseState::NeedMore: break;
            }
            if (eof_) {
                if (parser.put_eof()) {
                    result.complete = true;
                } else {
                    result.error = Error::partial_message;
                    result.detail = parser.header_done() ? "body truncated" : "head truncated";
                }
                co_return;
            }
            if (end_ == in_.size()) {  // compact: keep unread bytes at the front
                std::copy(in_.begin() + long(begin_), in_.begin() + long(end_), in_.begin());
                end_ -= begin_;
                begin_ = 0;
            }
            size_t n = co_await stream_.async_read_some(asio::buffer(in_.data() + end_, in_.size() - end_),
                                                        asio::redirect_error(asio::use_awaitable, ec));
            end_ += n;
            if (ec == asio::error::eof) {
                eof_ = true;
            } else if (ec) {
                result.error = ec;
                result.detail = ec.message();
                co_return;
            }
        }
    }

    Stream& stream_;
    FetchOptions options_;
    std::vector<char> in_;
    size_t begin_ = 0, end_ = 0;
    bool eof_ = false;
    bool open_ = true;
    bool redirect_ = false;
};

// GETs each target (origin-form, e.g. "/a?x") of `base`'s host in turn over one kept-alive connection,
// all bodies to `sink`, "Connection: close" on the last. One result per target: once the server ends
// the connection (or an error occurs), the remaining results carry Error::connection_closed.
template <class Stream>
boost::asio::awaitable<std::vector<FetchResult>> fetch_many(Stream& stream, Url base, std::vector<std::string> targets,
                                                            BodySink& sink, FetchOptions options) {
    ClientSession<Stream> session(stream, std::move(options));
    std::vector<FetchResult> results;
    for (size_t i = 0; i < targets.size(); ++i) {
        Request req;
        req.url = base;
        req.url.target = targets[i];
        results.push_back(co_await session.request(std::move(req), sink, i + 1 == targets.size()));
    }
    co_return results;
}

// Sends `req`, following redirects (RFC 9110 §15.4): up to options.max_redirects hops, relative
// Locations resolved against the current URL, each hop on a new connection from
// `connect(Url) -> awaitable<P>` where P is a pointer-like owner of a connected stream (null = failure;
// the connect error is then reported as Error::connection_closed with the URL in detail). 303, and 301/302
// after POST, switch to GET without a body (as browsers and curl do); 307/308 repeat method and body.
// Redirect bodies are discarded; only the final body reaches `sink`. FetchResult::detail names the
// final URL when redirects were followed.
template <class Connect>
boost::asio::awaitable<FetchResult> fetch_following(Connect connect, Request req, BodySink& sink, FetchOptions options) {
    NullSink discard;
    FetchResult result;
    for (int hop = 0;; ++hop) {
        auto stream = co_await connect(req.url);
        if (!stream) {
            result = FetchResult{};
            result.error = Error::connection_closed;
            result.detail = "cannot connect to " + req.url.text();
            co_return result;
        }
        using S = std::remove_reference_t<decltype(*stream)>;
        ClientSession<S> session(*stream, options);
        // The status is known before the first body byte: a redirect's body is dropped.
        struct Route : BodySink {
            const ClientSession<S>* session;
            BodySink* real;
            void write(std::span<const char> b) override {
                if (!session->redirect_with_location()) real->write(b);
            }
        } route;
        route.session = &session;
        route.real = &sink;
        result = co_await session.request(req, route, true);
        if (result.error) co_return result;
        if (next_hop(req, result, hop, options.max_redirects) != RedirectStep::Follow) co_return result;
    }
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

}  // namespace ustack::http
