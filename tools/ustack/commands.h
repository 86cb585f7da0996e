// The ustack subcommands: their options and entry points (main.cc wires them to CLI11).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "tcp/config.h"

namespace CLI {
class App;
}

namespace ustack::tcp {
struct TcpConfig;
}

namespace ustack::cli {

// Receive buffer options of serve and fetch (TcpConfig::recv_buffer, recv_buffer_max, recv_autotune).
struct RecvBufferOptions {
    std::string initial;      // --recv-buffer BYTES[K|M|G]; empty: TcpConfig's default (256K)
    std::string max;          // --recv-buffer-max BYTES[K|M|G]; empty: TcpConfig's default (6M)
    std::string autotune = "on";  // --recv-autotune on|off
};

struct ServeOptions {
    std::string tun;
    std::string addr;
    std::string host_addr;  // empty: the kernel side is configured by someone else
    std::string root = ".";
    int port = 80;
    std::string access_log;  // Common Log Format to this file (appended); "-": stdout; empty: none
    std::string upload_dir;  // PUT/POST to /upload/NAME store NAME here; empty: uploads refused (405)
    double linger_seconds = 5;  // RFC 9112 §9.6 staged close: drain the client before closing
    size_t mtu = 1500;
    double msl_seconds = 120;  // RFC 9293 §3.4.2 default; tests use 1
    std::string congestion = "cubic";  // --cc: reno (RFC 5681) or cubic (RFC 9438)
    double rto_min_ms = 200;           // --rto-min: RTO floor (TcpConfig::rto_min)
    std::string ecn = "passive";       // --ecn: off, passive or on (RFC 3168; Linux's tcp_ecn 0, 2, 1)
    bool verbose = false;
    std::string fault;  // --fault SPEC (tools/ustack/fault_option.h); empty: no injector
    size_t backlog = 128;                // --backlog: the accept queue (and SYN queue) limit
    std::string syn_cookies = "auto";    // --syn-cookies: off, auto (when the SYN queue is full), always
    std::string memory_limit;  // --memory-limit BYTES[K|M|G]; empty: TcpConfig's default
    RecvBufferOptions recv;
    size_t max_time_wait = tcp::TcpConfig{}.max_time_wait;  // --max-time-wait: TIME-WAIT cap (0: none)
    std::string max_body;      // --max-body BYTES[K|M|G]: upload limit; empty: ServerConfig's 1 MiB
    double body_timeout_seconds = 60;  // --body-timeout: longest pause inside a request body (408 after it)
    double send_timeout_seconds = 60;  // --send-timeout: longest one response write may take (then close)
};

// "262144", "256K", "128M", "1G" (powers of 1024) -> bytes; nullopt when malformed.
std::optional<size_t> parse_byte_size(const std::string& text);
// Sets the receive buffer fields of `cfg`; throws CliError (kUsage) on a bad size.
void apply_recv_buffer_options(const RecvBufferOptions& o, tcp::TcpConfig& cfg);

// `ustack fetch` (curl-style names; fetch_cli.cc wires them to CLI11).
struct FetchOptions {
    std::string tun;
    std::string addr;
    std::string host_addr;
    std::vector<std::string> urls;
    std::vector<std::string> outputs;  // -o, one per URL in order ("-" = stdout); the rest go to stdout
    bool remote_name = false;          // -O: URLs without -o are saved under their last path segment
    std::string method;                // -X
    bool head = false;                 // -I
    std::vector<std::string> data;         // -d
    std::vector<std::string> data_binary;  // --data-binary
    std::vector<std::string> headers;      // -H
    bool follow = false;                   // -L
    int max_redirs = 50;                   // --max-redirs (-1: no limit), as curl
    double timeout_seconds = 30;           // --timeout: no progress for this long
    double connect_timeout = 0;            // --connect-timeout (0: TCP's own SYN retries decide)
    double max_time = 0;                   // --max-time (0: none)
    bool progress = false, no_progress = false, silent = false;
    size_t mtu = 1500;
    double msl_seconds = 120;
    std::string congestion = "cubic";
    double rto_min_ms = 200;
    std::string ecn = "passive";  // --ecn, as for serve
    bool verbose = false;
    std::string fault;  // --fault SPEC (tools/ustack/fault_option.h); empty: no injector
    RecvBufferOptions recv;
};

// Adds fetch's own options (everything but the link options) to its subcommand.
void add_fetch_options(CLI::App* cmd, FetchOptions& options);

// Each returns the process exit status (common.h, enum Exit); errors that end
// the command early are thrown as CliError.
int run_serve(const ServeOptions& options);
int run_fetch(const FetchOptions& options);

}  // namespace ustack::cli
