// `ustack serve`: answers ping and serves a directory over HTTP/1.1 (RFC 9112)
// on ustack's own TCP, one coroutine per accepted connection.
#include <boost/asio.hpp>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "http/server.h"
#include "stack/asio/event_loop.h"
#include "tcp/asio/tcp_acceptor.h"
#include "tcp/asio/tcp_stream.h"
#include "tcp/congestion.h"
#include "tools/ustack/commands.h"
#include "tools/ustack/common.h"
#include "tools/ustack/fault_option.h"

namespace asio = boost::asio;

namespace ustack::cli {

namespace {

// A seconds option (already range-checked) as the HTTP layer's millisecond timeouts.
std::chrono::milliseconds seconds_option(double seconds) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::duration<double>(seconds));
}

// Live connections, so that SIGINT/SIGTERM can close them and let their
// coroutines finish before the event loop goes away.
struct ServeState {
    net::EventLoop& loop;
    http::ServerConfig config;
    bool verbose = false;
    http::AccessLog* log = nullptr;
    bool stopping = false;
    bool accepting = true;
    std::set<net::TcpStream*> live;
    uint64_t accepted = 0;

    std::function<void()> finish;  // set by run_serve: stops the loop and the io_context

    void maybe_finish() {
        if (stopping && !accepting && live.empty() && finish) std::exchange(finish, nullptr)();
    }
};

asio::awaitable<void> handle_connection(ServeState& st, std::unique_ptr<net::TcpStream> stream) {
    st.live.insert(stream.get());
    try {
        co_await http::serve_connection(*stream, st.config, st.log);
    } catch (const std::exception& e) {
        if (st.verbose) report(0, std::string("connection ended: ") + e.what());
    }
    stream->close();
    st.live.erase(stream.get());
    st.maybe_finish();
}

asio::awaitable<void> accept_loop(ServeState& st, net::TcpAcceptor& acceptor) {
    for (;;) {
        auto stream = std::make_unique<net::TcpStream>(st.loop);
        auto [ec] = co_await acceptor.async_accept(*stream, asio::as_tuple(asio::use_awaitable));
        if (st.stopping || ec == asio::error::operation_aborted) break;
        if (ec) {
            report(0, "accept failed: " + ec.message());
            continue;
        }
        ++st.accepted;
        // Each response is one complete message written at once; Nagle (on by default) would hold
        // a pipelined request's response until the previous one is ACKed (as nginx's tcp_nodelay).
        if (tcp::Connection* c = stream->connection()) c->set_nodelay(true);
        asio::co_spawn(st.loop.get_executor(), handle_connection(st, std::move(stream)), asio::detached);
    }
    st.accepting = false;
    st.maybe_finish();
}

}  // namespace

std::optional<size_t> parse_byte_size(const std::string& text) {
    size_t digits = 0;
    while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
    if (digits == 0 || digits > 12 || text.size() > digits + 1) return std::nullopt;
    size_t value = std::stoull(text.substr(0, digits));
    if (digits == text.size()) return value;
    switch (text[digits]) {
    case 'K': case 'k': return value << 10;
    case 'M': case 'm': return value << 20;
    case 'G': case 'g': return value << 30;
    default: return std::nullopt;
    }
}

void apply_recv_buffer_options(const RecvBufferOptions& o, tcp::TcpConfig& cfg) {
    auto size = [](const std::string& text, const char* flag) {
        auto v = parse_byte_size(text);
        if (!v || *v == 0) throw CliError{kUsage, std::string(flag) + " '" + text + "': expected BYTES > 0, or a number with K, M or G"};
        return *v;
    };
    if (!o.initial.empty()) cfg.recv_buffer = size(o.initial, "--recv-buffer");
    if (!o.max.empty()) cfg.recv_buffer_max = size(o.max, "--recv-buffer-max");
    cfg.recv_autotune = o.autotune != "off";
}

int run_serve(const ServeOptions& o) {
    wire::Ipv4Address addr = parse_address(o.addr, "--addr");
    std::optional<HostAddress> host;
    if (!o.host_addr.empty()) host = parse_host_address(o.host_addr);
    if (o.port < 1 || o.port > 65535) throw CliError{kUsage, "--port " + std::to_string(o.port) + " out of range (1..65535)"};
    if (!(o.msl_seconds > 0) || o.msl_seconds > 3600) throw CliError{kUsage, "--msl must be in (0, 3600] seconds"};
    std::error_code fs_ec;
    if (!std::filesystem::is_directory(o.root, fs_ec)) throw CliError{kUsage, "--root '" + o.root + "' is not a directory"};
    if (!(o.linger_seconds >= 0) || o.linger_seconds > 3600) throw CliError{kUsage, "--linger must be in [0, 3600] seconds"};
    if (!(o.body_timeout_seconds > 0) || o.body_timeout_seconds > 86400)
        throw CliError{kUsage, "--body-timeout must be in (0, 86400] seconds"};
    if (!(o.send_timeout_seconds > 0) || o.send_timeout_seconds > 86400)
        throw CliError{kUsage, "--send-timeout must be in (0, 86400] seconds"};
    if (!o.upload_dir.empty() && !std::filesystem::is_directory(o.upload_dir, fs_ec))
        throw CliError{kUsage, "--upload-dir '" + o.upload_dir + "' is not a directory"};
    std::optional<size_t> max_body;
    if (!o.max_body.empty() && !(max_body = parse_byte_size(o.max_body)))
        throw CliError{kUsage, "--max-body '" + o.max_body + "': expected BYTES, or a number with K, M or G"};
    std::ofstream log_file;
    std::optional<http::AccessLog> access_log;
    if (o.access_log == "-") {
        access_log.emplace(std::cout);
    } else if (!o.access_log.empty()) {
        log_file.open(o.access_log, std::ios::app);
        if (!log_file) throw CliError{kUsage, "--access-log '" + o.access_log + "' cannot be opened for appending"};
        access_log.emplace(log_file);
    }

    auto faults = parse_fault_option(o.fault);

    auto isn = make_isn_generator();
    StackConfig cfg;
    cfg.addr = addr;
    cfg.mtu = o.mtu;
    cfg.tcp.mss = uint16_t(o.mtu - 40);  // MUST-67: IP and TCP headers without options
    cfg.tcp.msl = std::chrono::duration_cast<Duration>(std::chrono::duration<double>(o.msl_seconds));
    cfg.tcp.congestion = tcp::parse_congestion(o.congestion).value_or(tcp::CongestionAlgorithm::Cubic);
    cfg.tcp.syn_cookies = o.syn_cookies == "off"      ? tcp::SynCookies::Off
                          : o.syn_cookies == "always" ? tcp::SynCookies::Always
                                                      : tcp::SynCookies::WhenFull;
    cfg.tcp.syn_cookie_secret = make_syn_cookie_secret();
    if (!o.memory_limit.empty()) {
        auto limit = parse_byte_size(o.memory_limit);
        if (!limit) throw CliError{kUsage, "--memory-limit '" + o.memory_limit + "': expected BYTES, or a number with K, M or G"};
        cfg.tcp.memory_limit = *limit;
    }
    cfg.tcp.max_time_wait = o.max_time_wait;
    if (!(o.rto_min_ms >= 1) || o.rto_min_ms > 60000) throw CliError{kUsage, "--rto-min must be in [1, 60000] ms"};
    cfg.tcp.rto_min = std::chrono::duration_cast<Duration>(std::chrono::duration<double, std::milli>(o.rto_min_ms));
    cfg.tcp.ecn = parse_ecn_mode(o.ecn);
    apply_recv_buffer_options(o.recv, cfg.tcp);

    auto tun = open_tun(o.tun, o.mtu, addr, host);
    auto injector = make_fault_injector(*tun, faults);
    StateTracer tracer(stderr, StateTracer::Role::Server);
    asio::io_context io(1);
    net::EventLoop loop(io, *tun, injector ? static_cast<link::Link&>(*injector) : *tun, cfg, *isn);
    if (o.verbose) loop.set_tracer(&tracer);

    std::unique_ptr<net::TcpAcceptor> acceptor;
    try {
        acceptor = std::make_unique<net::TcpAcceptor>(loop, tcp::Endpoint{addr, uint16_t(o.port)}, o.backlog);
    } catch (const std::exception& e) {
        throw CliError{kFailure, "cannot listen on " + o.addr + ":" + std::to_string(o.port) + ": " + e.what()};
    }
    ServeState st{loop, {}, o.verbose};
    st.finish = [&] {
        loop.stop();
        io.stop();
    };
    st.config.root = std::filesystem::canonical(o.root);
    if (!o.upload_dir.empty()) st.config.upload_dir = std::filesystem::canonical(o.upload_dir);
    if (max_body) st.config.max_body = *max_body;
    st.config.body_timeout = seconds_option(o.body_timeout_seconds);
    st.config.send_timeout = seconds_option(o.send_timeout_seconds);
    st.config.linger_timeout = seconds_option(o.linger_seconds);
    if (access_log) st.log = &*access_log;
    loop.start();

    asio::co_spawn(io, accept_loop(st, *acceptor), asio::detached);

    // SIGINT/SIGTERM: stop accepting, close live connections, then let the loop
    // drain; a grace timer bounds the wait.
    asio::signal_set signals(io, SIGINT, SIGTERM);
    asio::steady_timer grace(io);
    signals.async_wait([&](const boost::system::error_code& ec, int) {
        if (ec) return;
        st.stopping = true;
        acceptor->close();
        for (net::TcpStream* s : std::set<net::TcpStream*>(st.live)) s->close();
        grace.expires_after(std::chrono::seconds(2));
        grace.async_wait([&](const boost::system::error_code& gec) {
            if (!gec) io.stop();
        });
        st.maybe_finish();
    });

    std::fprintf(stderr, "ustack: serving %s on http://%s:%d/ via %s%s\n", st.config.root.c_str(), o.addr.c_str(),
                 o.port, o.tun.c_str(),
                 host ? (" (kernel side " + o.host_addr + ")").c_str() : "");
    std::fflush(stderr);

    io.run();

    if (o.verbose) {
        const auto& tc = loop.stack().tcp().counters();
        const auto& sc = loop.stack().counters();
        std::fprintf(stderr,
                     "ustack: stopped: %llu connections accepted, %llu state transitions, %llu entered TIME-WAIT, "
                     "%llu segments in, %llu out, %llu retransmitted, %llu RST sent, %llu ping replies\n",
                     (unsigned long long)st.accepted, (unsigned long long)tracer.transitions(),
                     (unsigned long long)tracer.time_waits(), (unsigned long long)tc.segments_in,
                     (unsigned long long)tc.segments_out, (unsigned long long)tc.retransmissions,
                     (unsigned long long)tc.rst_out, (unsigned long long)sc.icmp_echo_replies);
        std::fprintf(stderr,
                     "ustack: listen queues: %llu SYN cookies sent, %llu validated, %llu failed, "
                     "%llu SYN queue drops, %llu accept queue drops\n",
                     (unsigned long long)tc.syncookies_sent, (unsigned long long)tc.syncookies_received_ok,
                     (unsigned long long)tc.syncookies_failed, (unsigned long long)tc.syn_queue_drops,
                     (unsigned long long)tc.accept_queue_drops);
        // TCP memory (tcp/memory.h): what is still held at exit, the peak, and refusals.
        const tcp::MemoryStats m = loop.stack().tcp().memory();
        std::fprintf(stderr,
                     "ustack: tcp memory: %zu bytes reserved (peak %zu, limit %zu), %zu in use, %zu connections held "
                     "(%zu in TIME-WAIT, %zu bytes of control blocks), %llu SYNs dropped and %llu opens refused at "
                     "the limit, %llu closes past the TIME-WAIT cap\n",
                     m.reserved(), m.high_water, m.limit, m.used(), m.connections, m.time_wait, m.total.control,
                     (unsigned long long)m.refused_passive, (unsigned long long)m.refused_active,
                     (unsigned long long)tc.time_wait.overflows);
    } else {
        std::fprintf(stderr, "ustack: stopped\n");
    }
    print_fault_counters(stderr, injector.get());
    return kOk;
}

}  // namespace ustack::cli
