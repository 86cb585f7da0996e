// `ustack fetch`: curl-style HTTP/1.1 client over ustack's own TCP (RFC 9112 §9.3 persistent
// connections, RFC 9110 §15.4 redirects): several URLs, kept-alive connections, -v, progress meter.
#include <boost/asio.hpp>

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "http/progress.h"
#include "http/request_args.h"
#include "http/session.h"
#include "http/syntax.h"
#include "http/verbose.h"
#include "stack/asio/event_loop.h"
#include "tcp/asio/tcp_stream.h"
#include "tcp/congestion.h"
#include "tools/ustack/commands.h"
#include "tools/ustack/common.h"
#include "tools/ustack/fault_option.h"

namespace asio = boost::asio;
using SteadyClock = std::chrono::steady_clock;

namespace ustack::cli {

namespace {

// -v: TCP state transitions as curl-style "* " lines; counts connections not yet closed.
class FetchTracer final : public tcp::ConnectionObserver {
public:
    explicit FetchTracer(std::FILE* out) : out_(out) {}
    void on_state_change(const tcp::Connection& c, tcp::State from, tcp::State to, std::string_view cause) override {
        if (to == tcp::State::SynSent) ++open_;
        bool ended = to == tcp::State::TimeWait || to == tcp::State::Closed;
        if (ended && from != tcp::State::TimeWait && from != tcp::State::Closed && open_ > 0) --open_;
        if (!out_) return;
        std::string_view f = tcp::to_string(from), s = tcp::to_string(to);
        std::fprintf(out_, "* TCP %s > %s  %.*s -> %.*s  (%.*s)\n", c.tuple().local.to_string().c_str(),
                     c.tuple().remote.to_string().c_str(), int(f.size()), f.data(), int(s.size()), s.data(),
                     int(cause.size()), cause.data());
        std::fflush(out_);
    }
    int open() const { return open_; }

private:
    std::FILE* out_;
    int open_ = 0;
};

// One URL of the command line: its request and where its body goes.
struct Job {
    http::Request request;
    std::string output;  // empty: stdout
    int code = kOk;      // exit status of this URL
    std::string message; // why, when code != kOk
};

// One TCP connection and the HTTP session on it.
struct Conn {
    Conn(net::EventLoop& loop, const http::FetchOptions& options, const http::Url& url)
        : stream(loop), session(stream, options), host(url.host), port(url.port) {}
    net::TcpStream stream;
    http::ClientSession<net::TcpStream> session;
    std::string host;
    uint16_t port;
};

// State shared by the transfer coroutine, the watchdog timer and the session callbacks.
struct Run {
    Run(net::EventLoop& l, const FetchOptions& opts, FetchTracer& t, bool progress)
        : loop(l), o(opts), tracer(t), meter(progress) {}
    net::EventLoop& loop;
    const FetchOptions& o;
    FetchTracer& tracer;
    http::ProgressMeter meter;
    std::FILE* out = nullptr;     // the current URL's output
    bool out_failed = false;
    uint64_t bytes = 0;           // body bytes of the current response
    SteadyClock::time_point started = SteadyClock::now(), last_progress = SteadyClock::now();
    std::optional<SteadyClock::time_point> connect_deadline;
    net::TcpStream* current = nullptr;  // aborted when a time limit runs out
    std::string timed_out;              // non-empty: which limit ran out (for the current URL)
    bool stop_all = false;              // --max-time ran out: no further URLs
    bool done = false;
    bool meter_drawn = false;  // the cursor sits at the end of a meter line

    // One -v line on stderr, below the meter line if one is showing.
    void line(const std::string& text) {
        if (meter_drawn) std::fputc('\n', stderr);
        meter_drawn = false;
        std::fprintf(stderr, "%s\n", text.c_str());
    }
    void info(const std::string& text) {
        if (o.verbose) line(http::info_line(text));
    }
    void write(std::span<const char> b) {
        if (!b.empty() && std::fwrite(b.data(), 1, b.size(), out) != b.size()) out_failed = true;
        bytes += b.size();
        last_progress = SteadyClock::now();
    }
};

Instant now_instant() { return to_instant(SteadyClock::now()); }

// Body bytes to the current output; with -L a redirect's body is dropped (curl does the same).
class Route final : public http::BodySink {
public:
    Route(Run& run, const http::ClientSession<net::TcpStream>& s) : run_(run), session_(s) {}
    void write(std::span<const char> b) override {
        if (run_.o.follow && session_.redirect_with_location()) return;
        run_.write(b);
    }

private:
    Run& run_;
    const http::ClientSession<net::TcpStream>& session_;
};

std::string seconds_text(double s) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", s);
    return buf;
}

// Exit status and message for a failed connect.
void connect_failed(Job& job, const Run& run, const boost::system::error_code& ec, const std::string& peer) {
    if (!run.timed_out.empty()) {
        job.code = kTimedOut;
        job.message = "timed out connecting to " + peer + " (" + run.timed_out + ")";
    } else if (ec == asio::error::connection_refused) {
        job.code = kRefused;
        job.message = "connection refused by " + peer + " (RST in reply to our SYN)";
    } else if (ec == asio::error::timed_out) {
        job.code = kTimedOut;
        job.message = "timed out connecting to " + peer + " (no answer to our SYNs)";
    } else {
        job.code = kFailure;
        job.message = "cannot connect to " + peer + ": " + ec.message();
    }
}

// Exit status and message for a finished exchange.
void exchange_done(Job& job, const Run& run, const http::FetchResult& r, const std::string& url) {
    if (!run.timed_out.empty()) {
        job.code = kTimedOut;
        job.message = "timed out: " + run.timed_out + " (" + std::to_string(run.bytes) + " body bytes of " + url +
                      " received)";
    } else if (r.error == http::Error::too_many_redirects) {
        job.code = kTooManyRedirects;
        job.message = "maximum (" + std::to_string(run.o.max_redirs) + ") redirects followed; next: " + r.detail;
    } else if (r.error == http::Error::bad_redirect) {
        job.code = kFailure;
        job.message = "cannot follow redirect to " + r.detail;
    } else if (r.error || !r.complete) {
        job.code = r.error == asio::error::timed_out ? kTimedOut : kIncomplete;
        job.message = "transfer of " + url + " incomplete after " + std::to_string(r.body_bytes) +
                      " body bytes: " + (r.detail.empty() ? r.error.message() : r.detail);
    } else if (run.out_failed) {
        job.code = kFailure;
        job.message = "writing the body to " + (job.output.empty() ? std::string("stdout") : job.output) + " failed";
    } else if (r.status >= 400) {
        job.code = kHttpError;
        job.message = "HTTP " + std::to_string(r.status) + " from " + url;
    }
}

asio::awaitable<void> wait_closed(Run& run) {
    asio::steady_timer t(run.loop.get_executor());
    for (int i = 0; i < 100 && run.tracer.open() > 0; ++i) {
        t.expires_after(std::chrono::milliseconds(20));
        co_await t.async_wait(asio::use_awaitable);
    }
}

// Fetches every job in turn; consecutive requests to the same host:port share one connection while
// the server keeps it open (RFC 9112 §9.3).
asio::awaitable<void> run_jobs(Run& run, std::vector<Job>& jobs) {
    http::FetchOptions options;
    if (run.o.verbose)
        options.trace = [&run](std::string_view text, bool outgoing) { run.line(http::verbose_line(text, outgoing)); };
    options.on_head = [&run](const http::FetchResult& head) {
        std::optional<uint64_t> total;
        for (auto& [name, value] : head.headers)
            if (http::syntax::iequals(name, "content-length"))
                total = std::strtoull(value.c_str(), nullptr, 10);
        if (!run.o.head) run.meter.set_total(total);  // a HEAD response has no body to count
        if (run.o.head) {  // -I: the head is the output (every hop's with -L, like curl)
            std::string text = http::format_head(head);
            run.write(text);
            run.bytes = 0;
        }
    };
    std::unique_ptr<Conn> conn;
    std::vector<std::unique_ptr<Conn>> closed;  // kept until the end: their FIN exchange goes on
    auto drop = [&] {
        if (!conn) return;
        run.info("Closing connection to " + conn->host + ":" + std::to_string(conn->port));
        conn->stream.close();
        closed.push_back(std::move(conn));
    };
    for (size_t i = 0; i < jobs.size() && !run.stop_all; ++i) {
        Job& job = jobs[i];
        http::Request req = job.request;
        run.out = stdout;
        run.out_failed = false;
        if (!job.output.empty() && !(run.out = std::fopen(job.output.c_str(), "wb"))) {
            job.code = kFailure;
            job.message = "cannot open '" + job.output + "' for writing";
            continue;
        }
        for (int hop = 0;; ++hop) {
            run.bytes = 0;
            run.meter.start(now_instant());
            run.last_progress = SteadyClock::now();
            std::string peer = req.url.host + ":" + std::to_string(req.url.port);
            bool reuse = conn && conn->session.reusable() && conn->host == req.url.host && conn->port == req.url.port;
            if (!reuse) {
                drop();
                conn = std::make_unique<Conn>(run.loop, options, req.url);
                run.current = &conn->stream;
                run.info("Trying " + peer + "...");
                if (run.o.connect_timeout > 0)
                    run.connect_deadline = SteadyClock::now() + std::chrono::duration_cast<SteadyClock::duration>(
                                                                    std::chrono::duration<double>(run.o.connect_timeout));
                auto [ec] = co_await conn->stream.async_connect(tcp::Endpoint{*wire::Ipv4Address::parse(req.url.host),
                                                                              req.url.port},
                                                                asio::as_tuple(asio::use_awaitable));
                run.connect_deadline.reset();
                if (ec || !run.timed_out.empty()) {
                    connect_failed(job, run, ec, peer);
                    closed.push_back(std::move(conn));
                    break;
                }
                run.info("Connected to " + peer + " from " + conn->stream.local_endpoint().to_string());
            } else {
                run.info("Re-using existing connection with host " + peer);
            }
            bool last = i + 1 == jobs.size() && !run.o.follow;
            Route route(run, conn->session);
            http::FetchResult r = co_await conn->session.request(req, route, last);
            if (!r.error && run.timed_out.empty() && run.o.follow) {
                http::RedirectStep step = http::next_hop(req, r, hop, run.o.max_redirs);
                if (step == http::RedirectStep::Follow) {
                    run.info("Following redirect (HTTP " + std::to_string(r.status) + ") to '" + req.url.text() + "'");
                    if (!conn->session.reusable()) drop();
                    continue;
                }
            }
            exchange_done(job, run, r, req.url.text());
            if (job.code != kTimedOut) {
                char secs[32];
                std::snprintf(secs, sizeof secs, "%.3f",
                              std::chrono::duration<double>(SteadyClock::now() - run.started).count());
                run.info("HTTP " + std::to_string(r.status) + ", " + std::to_string(r.body_bytes) + " body bytes from " +
                         req.url.text() + " in " + secs + " s");
            }
            if (!conn->session.reusable()) drop();
            break;
        }
        std::string last_line = run.meter.finish(run.bytes, now_instant());
        std::fputs(last_line.c_str(), stderr);
        run.meter_drawn = false;
        if (run.out != stdout) std::fclose(run.out);
        std::fflush(stdout);
        if (job.code != kOk && !run.o.silent) report(job.code, job.message);
        if (!run.timed_out.empty() && !run.stop_all) {  // like curl, go on with the next URL
            drop();
            run.timed_out.clear();
        }
    }
    if (run.stop_all) co_return;
    drop();
    co_await wait_closed(run);
}

// Every 100 ms: redraws the meter and enforces --max-time (ends the run), --connect-timeout and
// --timeout (end the current URL) by aborting the current connection (RST).
void arm_watchdog(asio::steady_timer& timer, Run& run) {
    timer.expires_after(std::chrono::milliseconds(100));
    timer.async_wait([&timer, &run](const boost::system::error_code& ec) {
        if (ec || run.done) return;
        auto now = SteadyClock::now();
        if (!run.timed_out.empty()) {  // the transfer coroutine has not seen the abort yet
            arm_watchdog(timer, run);
            return;
        }
        auto secs = [](double s) {
            return std::chrono::duration_cast<SteadyClock::duration>(std::chrono::duration<double>(s));
        };
        if (run.o.max_time > 0 && now - run.started > secs(run.o.max_time)) {
            run.timed_out = "--max-time " + seconds_text(run.o.max_time) + " s reached";
            run.stop_all = true;
        } else if (run.connect_deadline && now > *run.connect_deadline) {
            run.timed_out = "--connect-timeout " + seconds_text(run.o.connect_timeout) + " s";
        } else if (now - run.last_progress > secs(run.o.timeout_seconds)) {
            run.timed_out = "no progress for " + seconds_text(run.o.timeout_seconds) + " s";
        }
        if (!run.timed_out.empty()) {
            if (run.current) run.current->abort();
            if (run.stop_all) return;
        }
        std::string text = run.meter.update(run.bytes, to_instant(now));
        if (!text.empty()) {
            std::fputs(text.c_str(), stderr);
            std::fflush(stderr);
            run.meter_drawn = true;
        }
        arm_watchdog(timer, run);
    });
}

// The URLs, requests and outputs of the command line, checked before any device is touched.
std::vector<Job> make_jobs(const FetchOptions& o) {
    if (o.urls.empty()) throw CliError{kUsage, "no URL given"};
    if (o.outputs.size() > o.urls.size())
        throw CliError{kUsage, std::to_string(o.outputs.size()) + " -o options for " + std::to_string(o.urls.size()) +
                                   " URLs (one -o per URL, in order)"};
    http::RequestArgs args{o.method, o.head, o.data, o.data_binary, o.headers};
    std::vector<Job> jobs;
    for (size_t i = 0; i < o.urls.size(); ++i) {
        std::string why;
        std::optional<http::Url> url = http::Url::parse(o.urls[i], &why);
        if (!url)
            throw CliError{kUsage, "malformed URL '" + o.urls[i] + "': " + why + " (want http://IPv4[:port]/path)"};
        if (!wire::Ipv4Address::parse(url->host))
            throw CliError{kUsage, "URL host '" + url->host + "' is not an IPv4 address (ustack has no DNS)"};
        Job job;
        std::optional<http::Request> req = http::make_request(args, *url, &why);
        if (!req) throw CliError{kUsage, why};
        job.request = std::move(*req);
        if (i < o.outputs.size() && o.outputs[i] != "-") {
            job.output = o.outputs[i];
        } else if (i >= o.outputs.size() && o.remote_name) {
            std::string path = url->target.substr(0, url->target.find('?'));
            job.output = path.substr(path.rfind('/') + 1);
            if (job.output.empty() || job.output == "." || job.output == "..")
                throw CliError{kUsage, "-O: URL '" + o.urls[i] + "' has no file name to save under"};
        }
        jobs.push_back(std::move(job));
    }
    return jobs;
}

}  // namespace

int run_fetch(const FetchOptions& o) {
    wire::Ipv4Address addr = parse_address(o.addr, "--addr");
    std::optional<HostAddress> host;
    if (!o.host_addr.empty()) host = parse_host_address(o.host_addr);
    std::vector<Job> jobs = make_jobs(o);
    if (!(o.timeout_seconds > 0)) throw CliError{kUsage, "--timeout must be positive"};
    if (o.connect_timeout < 0 || o.max_time < 0) throw CliError{kUsage, "--connect-timeout and --max-time must be >= 0"};
    if (o.max_redirs < -1) throw CliError{kUsage, "--max-redirs must be -1 (no limit) or more"};
    if (!(o.msl_seconds > 0) || o.msl_seconds > 3600) throw CliError{kUsage, "--msl must be in (0, 3600] seconds"};
    auto faults = parse_fault_option(o.fault);

    auto isn = make_isn_generator();
    StackConfig cfg;
    cfg.addr = addr;
    cfg.mtu = o.mtu;
    cfg.tcp.mss = uint16_t(o.mtu - 40);  // MUST-67
    cfg.tcp.msl = std::chrono::duration_cast<Duration>(std::chrono::duration<double>(o.msl_seconds));
    cfg.tcp.congestion = tcp::parse_congestion(o.congestion).value_or(tcp::CongestionAlgorithm::Cubic);
    if (!(o.rto_min_ms >= 1) || o.rto_min_ms > 60000) throw CliError{kUsage, "--rto-min must be in [1, 60000] ms"};
    cfg.tcp.rto_min = std::chrono::duration_cast<Duration>(std::chrono::duration<double, std::milli>(o.rto_min_ms));
    cfg.tcp.ecn = parse_ecn_mode(o.ecn);
    apply_recv_buffer_options(o.recv, cfg.tcp);
    auto tun = open_tun(o.tun, o.mtu, addr, host);
    auto injector = make_fault_injector(*tun, faults);

    FetchTracer tracer(o.verbose ? stderr : nullptr);
    asio::io_context io(1);
    net::EventLoop loop(io, *tun, injector ? static_cast<link::Link&>(*injector) : *tun, cfg, *isn);
    loop.set_tracer(&tracer);
    loop.start();

    Run run(loop, o, tracer, http::progress_enabled(isatty(STDERR_FILENO) != 0, o.progress, o.no_progress, o.silent));
    asio::steady_timer watchdog(io);
    std::string internal_error;
    asio::co_spawn(io, run_jobs(run, jobs), [&](std::exception_ptr ep) {
        if (ep) {
            try {
                std::rethrow_exception(ep);
            } catch (const std::exception& e) {
                internal_error = e.what();
            }
        }
        run.done = true;
        watchdog.cancel();
        loop.stop();
        io.stop();
    });
    arm_watchdog(watchdog, run);
    io.run();
    std::fflush(stdout);
    if (o.verbose) print_fault_counters(stderr, injector.get());
    if (!internal_error.empty()) return o.silent ? int(kFailure) : report(kFailure, internal_error);
    int code = kOk;  // like curl: the status of the last URL that failed
    for (const Job& j : jobs)
        if (j.code != kOk) code = j.code;
    return code;
}

}  // namespace ustack::cli
