// RFC 9110 §4.2.1 (http URI), §9.3.1 (GET); RFC 9112 §3.2 (Host), §6.3 (response body length):
// a one-shot HTTP/1.1 GET client over any Asio stream.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/system/error_code.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/error.h"
#include "http/parser.h"

namespace ustack::http {

struct Url {
    std::string host;
    uint16_t port = 80;
    std::string target;  // origin-form: "/path?query", never empty

    // Accepts http://host[:port][/path][?query] (scheme case-insensitive; fragment dropped). Anything
    // else (https, userinfo, IPv6 literal, bad port, spaces) -> nullopt, with a one-line reason in *error.
    static std::optional<Url> parse(std::string_view text, std::string* error = nullptr);
    // Host field value: "host" or "host:port" when the port is not 80 (RFC 9110 §7.2).
    std::string authority() const;
    // Resolves a Location value against this URL (RFC 3986 §5.2): absolute http:// URLs, "//host/p",
    // "/p", "p" and "?q" references; dot segments removed. nullopt for other schemes or bad URLs.
    std::optional<Url> resolve(std::string_view reference, std::string* error = nullptr) const;
    // "http://authority/target".
    std::string text() const;
};

// Receives the decoded body as it arrives.
class BodySink {
public:
    virtual ~BodySink() = default;
    virtual void write(std::span<const char> bytes) = 0;
};

// Sinks for the common cases.
class StringSink : public BodySink {
public:
    void write(std::span<const char> b) override { data.append(b.data(), b.size()); }
    std::string data;
};
class OstreamSink : public BodySink {
public:
    explicit OstreamSink(std::ostream& out) : out_(out) {}
    void write(std::span<const char> b) override { out_.write(b.data(), std::streamsize(b.size())); }

private:
    std::ostream& out_;
};
class NullSink : public BodySink {
public:
    void write(std::span<const char>) override {}
};

// Errors are returned, never thrown: `error` holds the stream's error (e.g. connection_reset, or a
// fail_count test failure), Error::partial_message when the peer closed early, or Error::bad_response
// with `detail` saying why. status/headers/body_bytes keep whatever arrived before the error.
struct FetchResult {
    int status = 0;
    std::string reason;  // the reason phrase as received (ClientSession only)
    std::vector<std::pair<std::string, std::string>> headers;
    uint64_t body_bytes = 0;
    bool complete = false;  // CL matched, last chunk seen, or close-delimited body ended by EOF
    boost::system::error_code error;
    std::string detail;
};

struct FetchOptions {
    std::string user_agent = "ustack/0.1";
    size_t read_buffer = 16 * 1024;
    ParserLimits limits = ResponseParser::unlimited_body();
    // Called with each request head line (outgoing=true) and each response head line, interim ones
    // included (outgoing=false), without CRLF; the blank line ending a head is passed as "". For -v.
    std::function<void(std::string_view line, bool outgoing)> trace;
    int max_redirects = 10;  // fetch_following(): more -> Error::too_many_redirects
    // ClientSession: called once the final (non-1xx) response head is parsed, status and headers set,
    // before the first body byte reaches the sink (progress totals, `fetch -I` printing the head).
    std::function<void(const FetchResult& head)> on_head;
};

namespace detail {
// Passes each line of a request head (CRLF-separated, ending with an empty line) to trace.
inline void trace_request(const FetchOptions& o, std::string_view head) {
    if (!o.trace) return;
    while (!head.empty()) {
        size_t crlf = head.find("\r\n");
        o.trace(head.substr(0, crlf), true);
        head.remove_prefix(crlf == std::string_view::npos ? head.size() : crlf + 2);
    }
}
// Passes the status line, each field line and an empty line of a parsed response head to trace.
inline void trace_response(const FetchOptions& o, const ResponseParser& p) {
    if (!o.trace) return;
    o.trace("HTTP/1." + std::to_string(p.version_minor()) + " " + std::to_string(p.status()) + " " +
                std::string(p.reason()),
            false);
    for (const Field& f : p.fields()) o.trace(std::string(f.name) + ": " + std::string(f.value), false);
    o.trace("", false);
}
}  // namespace detail

// The request bytes fetch() sends: GET target, Host, User-Agent, Accept: */*, Connection: close.
std::string build_get_request(const Url& url, std::string_view user_agent = "ustack/0.1");

// Sends GET for url.target on an already connected stream and reads the response, passing the body
// to `sink`. Interim 1xx responses are skipped. The caller closes the stream afterwards. url and options
// are taken by value (a coroutine must not hold references to temporaries); stream and sink must outlive it.
// GCC 12 reports a false -Wmismatched-new-delete on Asio coroutine frames (GCC PR 109224; also seen in
// asio and silkworm with by-value coroutine parameters): silence it for this coroutine only.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
template <class Stream>
boost::asio::awaitable<FetchResult> fetch(Stream& stream, Url url, BodySink& sink, FetchOptions options) {
    namespace asio = boost::asio;
    FetchResult result;
    boost::system::error_code ec;
    std::string request = build_get_request(url, options.user_agent);
    detail::trace_request(options, request);
    co_await asio::async_write(stream, asio::buffer(request), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
        result.error = ec;
        co_return result;
    }
    ResponseParser parser(options.limits);
    std::vector<char> in(options.read_buffer);
    size_t begin = 0, end = 0;
    bool eof = false;
    for (;;) {
        begin += parser.put(std::string_view(in.data() + begin, end - begin));
        if (begin == end) begin = end = 0;
        switch (parser.state()) {
            case ParseState::HeaderDone:
                detail::trace_response(options, parser);
                if (parser.status() >= 100 && parser.status() < 200 && parser.status() != 101) {
                    parser.reset();  // interim response (RFC 9110 §15.2): the final one follows
                    continue;
                }
                result.status = parser.status();
                for (const Field& f : parser.fields()) result.headers.emplace_back(f.name, f.value);
                continue;
            case ParseState::BodyChunk:
                sink.write(parser.body_chunk());
                result.body_bytes += parser.body_chunk().size();
                continue;
            case ParseState::Done: result.complete = true; co_return result;
            case ParseState::Error:
                result.error = Error::bad_response;
                result.detail = std::string(parser.error_reason());
                co_return result;
            case ParseState::NeedMore: break;
        }
        if (eof) {
            if (parser.put_eof()) {
                result.complete = true;
            } else {
                result.error = Error::partial_message;
                result.detail = parser.header_done() ? "body truncated" : "head truncated";
            }
            co_return result;
        }
        size_t n = co_await stream.async_read_some(asio::buffer(in.data() + end, in.size() - end),
                                                   asio::redirect_error(asio::use_awaitable, ec));
        end += n;
        if (ec == asio::error::eof) {
            eof = true;
        } else if (ec) {
            result.error = ec;
            result.detail = ec.message();
            co_return result;
        }
    }
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

// fetch() with default options. A separate overload, not a default argument: GCC 12 miscompiles
// by-value coroutine parameters initialised from default arguments (frees an SSO string buffer).
template <class Stream>
boost::asio::awaitable<FetchResult> fetch(Stream& stream, Url url, BodySink& sink) {
    return fetch(stream, std::move(url), sink, FetchOptions{});
}

}  // namespace ustack::http
