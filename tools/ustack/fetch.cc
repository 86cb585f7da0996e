// `ustack fetch`: GET one http:// URL over ustack's own TCP (RFC 9112 client)
// and write the body to a file or stdout; exit 0 only when the whole body arrived.
#include <boost/asio.hpp>

#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "http/client.h"
#include "stack/asio/event_loop.h"
#include "tcp/asio/tcp_stream.h"
#include "tools/ustack/commands.h"
#include "tools/ustack/common.h"
#include "tools/ustack/fault_option.h"

namespace asio = boost::asio;
using SteadyClock = std::chrono::steady_clock;

namespace ustack::cli {

namespace {

// Writes the body as it arrives and notes the time of the last progress.
class FileSink final : public http::BodySink {
public:
    explicit FileSink(std::FILE* out) : out_(out) {}
    void write(std::span<const char> bytes) override {
        if (!bytes.empty() && std::fwrite(bytes.data(), 1, bytes.size(), out_) != bytes.size()) failed_ = true;
        written_ += bytes.size();
        last_progress = SteadyClock::now();
    }
    bool failed() const { return failed_; }
    uint64_t written() const { return written_; }
    SteadyClock::time_point last_progress = SteadyClock::now();

private:
    std::FILE* out_;
    bool failed_ = false;
    uint64_t written_ = 0;
};

struct Outcome {
    boost::system::error_code connect_error;
    std::string other_error;
    std::optional<http::FetchResult> result;
    bool timed_out = false;
    bool done = false;
};

asio::awaitable<void> fetch_once(net::EventLoop& loop, net::TcpStream& stream, tcp::Endpoint server,
                                 const http::Url& url, FileSink& sink, StateTracer& tracer, Outcome& out) {
    auto [cec] = co_await stream.async_connect(server, asio::as_tuple(asio::use_awaitable));
    if (cec) {
        out.connect_error = cec;
        co_return;
    }
    sink.last_progress = SteadyClock::now();
    // An lvalue, not the default argument: GCC 12 destroys a default-argument
    // temporary bound to a coroutine's reference parameter too early.
    http::FetchOptions options;
    out.result = co_await http::fetch(stream, url, sink, options);  // errors come back in result.error
    if (out.timed_out) co_return;
    // Close gracefully and give the FIN exchange a moment, so the server's side
    // ends cleanly instead of retransmitting into a vanished TUN device.
    stream.close();
    asio::steady_timer t(loop.get_executor());
    for (int i = 0; i < 100; ++i) {
        tcp::State s = tracer.last_state();
        if (s == tcp::State::TimeWait || s == tcp::State::Closed) break;
        t.expires_after(std::chrono::milliseconds(20));
        co_await t.async_wait(asio::use_awaitable);
    }
}

std::string describe(const boost::system::error_code& ec) { return ec.message(); }

}  // namespace

int run_fetch(const FetchOptions& o) {
    wire::Ipv4Address addr = parse_address(o.addr, "--addr");
    std::optional<HostAddress> host;
    if (!o.host_addr.empty()) host = parse_host_address(o.host_addr);
    std::string why;
    std::optional<http::Url> url = http::Url::parse(o.url, &why);
    if (!url) throw CliError{kUsage, "malformed URL '" + o.url + "': " + why + " (want http://IPv4[:port]/path)"};
    auto server_addr = wire::Ipv4Address::parse(url->host);
    if (!server_addr)
        throw CliError{kUsage, "URL host '" + url->host + "' is not an IPv4 address (ustack has no DNS)"};
    if (url->port == 0) throw CliError{kUsage, "URL port 0 is not usable"};
    if (!(o.timeout_seconds > 0)) throw CliError{kUsage, "--timeout must be positive"};
    if (!(o.msl_seconds > 0) || o.msl_seconds > 3600) throw CliError{kUsage, "--msl must be in (0, 3600] seconds"};
    tcp::Endpoint server{*server_addr, url->port};
    auto faults = parse_fault_option(o.fault);

    auto isn = make_isn_generator();
    StackConfig cfg;
    cfg.addr = addr;
    cfg.mtu = o.mtu;
    cfg.tcp.mss = uint16_t(o.mtu - 40);  // MUST-67
    cfg.tcp.msl = std::chrono::duration_cast<Duration>(std::chrono::duration<double>(o.msl_seconds));
    auto tun = open_tun(o.tun, o.mtu, addr, host);
    auto injector = make_fault_injector(*tun, faults);

    std::FILE* out = stdout;
    if (!o.output.empty()) {
        out = std::fopen(o.output.c_str(), "wb");
        if (!out) throw CliError{kFailure, "cannot open '" + o.output + "' for writing"};
    }
    struct Closer {
        std::FILE* f;
        ~Closer() {
            if (f != stdout) std::fclose(f);
        }
    } closer{out};

    StateTracer tracer(o.verbose ? stderr : nullptr, StateTracer::Role::Client);
    asio::io_context io(1);
    net::EventLoop loop(io, *tun, injector ? static_cast<link::Link&>(*injector) : *tun, cfg, *isn);
    loop.set_tracer(&tracer);
    loop.start();

    FileSink sink(out);
    Outcome outcome;
    auto started = SteadyClock::now();
    auto limit = std::chrono::duration_cast<SteadyClock::duration>(std::chrono::duration<double>(o.timeout_seconds));
    auto stream = std::make_unique<net::TcpStream>(loop);
    asio::steady_timer watchdog(io);

    asio::co_spawn(io, fetch_once(loop, *stream, server, *url, sink, tracer, outcome),
                   [&](std::exception_ptr ep) {
                       if (ep) {
                           try {
                               std::rethrow_exception(ep);
                           } catch (const std::exception& e) {
                               outcome.other_error = e.what();
                           }
                       }
                       outcome.done = true;
                       watchdog.cancel();
                       loop.stop();
                       io.stop();
                   });

    // No progress for --timeout seconds: abort (RST) and report a timeout.
    std::function<void()> arm = [&] {
        watchdog.expires_after(std::chrono::milliseconds(100));
        watchdog.async_wait([&](const boost::system::error_code& ec) {
            if (ec || outcome.done) return;
            if (SteadyClock::now() - sink.last_progress > limit) {
                outcome.timed_out = true;
                stream->abort();
                return;
            }
            arm();
        });
    };
    arm();
    io.run();
    std::fflush(out);
    double secs = std::chrono::duration<double>(SteadyClock::now() - started).count();
    if (o.verbose) print_fault_counters(stderr, injector.get());

    const std::string peer = server.to_string();
    if (outcome.timed_out)
        return report(kTimedOut, "timed out: no progress from " + peer + " for " + std::to_string(int(o.timeout_seconds)) +
                                     " s (" + std::to_string(sink.written()) + " body bytes received)");
    if (outcome.connect_error) {
        if (outcome.connect_error == asio::error::connection_refused)
            return report(kRefused, "connection refused by " + peer + " (RST in reply to our SYN)");
        if (outcome.connect_error == asio::error::timed_out)
            return report(kTimedOut, "timed out connecting to " + peer + " (no answer to our SYNs)");
        return report(kFailure, "cannot connect to " + peer + ": " + describe(outcome.connect_error));
    }
    if (!outcome.other_error.empty()) return report(kFailure, outcome.other_error);
    if (sink.failed()) return report(kFailure, "writing the body to " + (o.output.empty() ? std::string("stdout") : o.output) + " failed");
    if (!outcome.result) return report(kFailure, "fetch ended without a result");
    const http::FetchResult& r = *outcome.result;
    if (r.error || !r.complete) {
        std::string what = r.detail.empty() ? describe(r.error) : r.detail;
        int code = r.error == asio::error::timed_out ? kTimedOut : kIncomplete;
        return report(code, "transfer from " + peer + " incomplete after " + std::to_string(r.body_bytes) +
                                " body bytes: " + what);
    }
    if (o.verbose)
        std::fprintf(stderr, "ustack: HTTP %d, %llu body bytes from %s in %.3f s\n", r.status,
                     (unsigned long long)r.body_bytes, o.url.c_str(), secs);
    if (r.status >= 400) return report(kHttpError, "HTTP " + std::to_string(r.status) + " from " + o.url);
    return kOk;
}

}  // namespace ustack::cli
