// The ustack command line: `ustack serve` and `ustack fetch` over a TUN device (CLI11),
// and `ustack script` (packet scripts; its own parser in tools/script/cli.cc).
#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>
#include <string>

#include "tools/script/cli.h"
#include "tools/ustack/commands.h"
#include "tools/ustack/common.h"
#include "tools/ustack/fault_option.h"

using namespace ustack::cli;

namespace {

constexpr const char* kExitCodes =
    "Exit status:\n"
    "  0  success (fetch: every whole body arrived)\n"
    "  1  other failure (I/O error, internal error)\n"
    "  2  malformed option, address, prefix or URL\n"
    "  3  not permitted: needs root or CAP_NET_ADMIN\n"
    "  4  /dev/net/tun does not exist\n"
    "  5  TUN device busy (another process has it open)\n"
    "  6  connection refused (the peer answered with RST)\n"
    "  7  timed out (no progress within --timeout, or TCP gave up)\n"
    "  8  HTTP status >= 400 (the body is still written)\n"
    "  9  connection ended before the whole body arrived\n"
    " 10  fetch -L: more than --max-redirs redirects\n"
    "With several URLs, fetch exits with the status of the last URL that failed.\n";

void add_link_options(CLI::App* cmd, std::string& tun, std::string& addr, std::string& host_addr, size_t& mtu,
                      double& msl, bool& verbose) {
    cmd->add_option("--tun", tun, "TUN device to open (created if absent), e.g. tun0")->required();
    cmd->add_option("--addr", addr, "ustack's own IPv4 address, e.g. 10.0.0.2")->required();
    cmd->add_option("--host-addr", host_addr,
                    "also give the kernel side of the TUN this IP/PREFIX (e.g. 10.0.0.1/24) and bring it up");
    cmd->add_option("--mtu", mtu, "link MTU (the TCP MSS is MTU - 40)")->capture_default_str();
    cmd->add_option("--msl", msl, "maximum segment lifetime in seconds; TIME-WAIT lasts 2*MSL (RFC 9293 default 120)")
        ->capture_default_str();
    cmd->add_flag("-v,--verbose", verbose, "print every TCP state transition with its cause (on stderr)");
}

void add_recv_buffer_options(CLI::App* cmd, RecvBufferOptions& o) {
    cmd->add_option("--recv-buffer", o.initial, "receive buffer per connection in bytes, with K, M or G "
                    "(default 256K); with --recv-autotune on, the starting size");
    cmd->add_option("--recv-buffer-max", o.max, "ceiling of an auto-tuned receive buffer (default 6M, "
                    "Linux's tcp_rmem[2]); the Window Scale offered is chosen for it");
    cmd->add_option("--recv-autotune", o.autotune, "receive buffer auto-tuning (Linux tcp_moderate_rcvbuf): "
                    "on (grow with what the application reads per RTT) or off (fixed --recv-buffer)")
        ->check(CLI::IsMember({"on", "off"}))->capture_default_str();
}

}  // namespace

int main(int argc, char** argv) {
    // `ustack script` takes packetdrill-style options (--tolerance_usecs=N ...)
    // that its own parser handles; hand it the rest of the command line.
    if (argc >= 2 && std::string(argv[1]) == "script") return ustack::script::script_cli(argc - 1, argv + 1);

    CLI::App app{"ustack: a user-space TCP/IP stack over a Linux TUN device"};
    app.footer(kExitCodes);
    app.require_subcommand(1);

    ServeOptions serve;
    CLI::App* serve_cmd = app.add_subcommand("serve", "answer ping and serve a directory over HTTP/1.1");
    add_link_options(serve_cmd, serve.tun, serve.addr, serve.host_addr, serve.mtu, serve.msl_seconds, serve.verbose);
    add_fault_option(serve_cmd, serve.fault);
    serve_cmd->add_option("--root", serve.root, "directory to serve")->capture_default_str();
    serve_cmd->add_option("--port", serve.port, "TCP port to listen on")->capture_default_str();
    serve_cmd->add_option("--access-log", serve.access_log, "append a Common Log Format line per request to FILE ('-': stdout)");
    serve_cmd->add_option("--upload-dir", serve.upload_dir, "store PUT/POST bodies sent to /upload/NAME as DIR/NAME");
    serve_cmd->add_option("--max-body", serve.max_body, "largest request body stored by --upload-dir, "
                          "with K, M or G (default 1M; larger bodies get 413)");
    serve_cmd->add_option("--body-timeout", serve.body_timeout_seconds, "longest pause in seconds between two "
                          "pieces of a request body before the server answers 408 and closes (like nginx's "
                          "client_body_timeout)")->capture_default_str();
    serve_cmd->add_option("--send-timeout", serve.send_timeout_seconds, "longest time in seconds one write of "
                          "a response (its head, or one 64 KiB piece of a file) may take before the server "
                          "gives up on the client and closes (like nginx's send_timeout)")->capture_default_str();
    serve_cmd->add_option("--linger", serve.linger_seconds, "after a last response, read and drop what the client "
                          "still sends for up to this many seconds before closing (0: close at once)")->capture_default_str();
    serve_cmd->add_option("--cc", serve.congestion, "congestion control: reno or cubic")
        ->check(CLI::IsMember({"reno", "cubic"}))->capture_default_str();
    serve_cmd->add_option("--backlog", serve.backlog, "listen backlog: established connections waiting for accept; "
                          "the SYN queue holds as many (like Linux)")->check(CLI::Range(1, 65535))->capture_default_str();
    serve_cmd->add_option("--syn-cookies", serve.syn_cookies, "SYN cookies (RFC 4987): off, auto (when the SYN queue "
                          "is full, like Linux's tcp_syncookies=1) or always")
        ->check(CLI::IsMember({"off", "auto", "always"}))->capture_default_str();
    serve_cmd->add_option("--memory-limit", serve.memory_limit,
                          "bytes of TCP buffer storage all connections may reserve, with K, M or G "
                          "(default 128M; 0: no limit); at the limit new connections are refused");
    serve_cmd->add_option("--max-time-wait", serve.max_time_wait,
                          "connections kept in TIME-WAIT at most (like Linux's tcp_max_tw_buckets; 0: no limit); "
                          "beyond it an active close goes straight to CLOSED")->capture_default_str();
    serve_cmd->add_option("--rto-min", serve.rto_min_ms, "retransmission timeout floor in ms (Linux: 200; RFC 6298 §2.4: 1000)")
        ->capture_default_str();
    serve_cmd->add_option("--ecn", serve.ecn, "ECN (RFC 3168): off, passive (accept when the peer asks) or on (ask)")
        ->check(CLI::IsMember({"off", "passive", "on"}))->capture_default_str();
    add_recv_buffer_options(serve_cmd, serve.recv);
    serve_cmd->footer(kExitCodes);

    FetchOptions fetch;
    CLI::App* fetch_cmd = app.add_subcommand("fetch", "HTTP/1.1 client (curl-style options) over ustack's own TCP");
    add_link_options(fetch_cmd, fetch.tun, fetch.addr, fetch.host_addr, fetch.mtu, fetch.msl_seconds, fetch.verbose);
    add_fault_option(fetch_cmd, fetch.fault);
    add_fetch_options(fetch_cmd, fetch);
    fetch_cmd->add_option("--cc", fetch.congestion, "congestion control: reno or cubic")
        ->check(CLI::IsMember({"reno", "cubic"}))->capture_default_str();
    fetch_cmd->add_option("--rto-min", fetch.rto_min_ms, "retransmission timeout floor in ms (Linux: 200; RFC 6298 §2.4: 1000)")
        ->capture_default_str();
    fetch_cmd->add_option("--ecn", fetch.ecn, "ECN (RFC 3168): off, passive (accept when the peer asks) or on (ask)")
        ->check(CLI::IsMember({"off", "passive", "on"}))->capture_default_str();
    add_recv_buffer_options(fetch_cmd, fetch.recv);
    fetch_cmd->footer(kExitCodes);

    // Listed for --help only: main() hands `ustack script ...` to script_cli() before parsing.
    app.add_subcommand("script",
                       "run packet scripts (packetdrill dialect) against ustack on a virtual clock, or against "
                       "Linux with --against-linux; see: ustack script --help");

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        std::string where = serve_cmd->parsed() ? " serve" : fetch_cmd->parsed() ? " fetch" : "";
        return report(kUsage, std::string(e.what()) + " (see: ustack" + where + " --help)");
    }

    try {
        if (serve_cmd->parsed()) return run_serve(serve);
        return run_fetch(fetch);
    } catch (const CliError& e) {
        return report(e.code, e.message);
    } catch (const std::exception& e) {
        return report(kFailure, e.what());
    }
}
