// Shared pieces of the ustack CLI: exit codes, argument parsing, privilege
// checks, TUN setup with clear one-line failures, and the -v state tracer.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "stack/link/tun_device.h"
#include "stack/wire/ipv4_address.h"
#include "tcp/config.h"
#include "tcp/isn.h"
#include "tcp/observer.h"

namespace ustack::cli {

// Exit statuses; main.cc lists them in --help. Scripts and tests rely on them.
enum Exit : int {
    kOk = 0,
    kFailure = 1,         // anything not listed below (I/O error, internal error)
    kUsage = 2,           // malformed option, address, prefix or URL
    kNotPermitted = 3,    // not root and no CAP_NET_ADMIN
    kNoTun = 4,           // /dev/net/tun missing
    kDeviceBusy = 5,      // another process holds the TUN device
    kRefused = 6,         // the peer answered our SYN with RST
    kTimedOut = 7,        // no progress within --timeout, or TCP gave up (R2)
    kHttpError = 8,       // the server answered with status >= 400
    kIncomplete = 9,      // the connection ended before the whole body arrived
    kTooManyRedirects = 10,  // fetch -L: more than --max-redirs redirects
};

// Thrown by CLI helpers; main() prints "ustack: <message>" and exits with `code`.
struct CliError {
    int code;
    std::string message;
};

// Prints one line "ustack: <message>" on stderr and returns `code`.
int report(int code, std::string_view message);

// "10.0.0.2" -> address; throws CliError(kUsage) naming `what` otherwise.
wire::Ipv4Address parse_address(const std::string& text, std::string_view what);

struct HostAddress {
    wire::Ipv4Address addr;
    int prefix_len = 24;
};
// "10.0.0.1/24" -> address and prefix (prefix required, 1..30).
HostAddress parse_host_address(const std::string& text);

// Checks euid 0 or CAP_NET_ADMIN and /dev/net/tun before touching the device,
// so the failure names the cause. Throws CliError.
void check_tun_prerequisites();

// Opens (creating) the TUN device and, when `host` is set, gives the kernel side
// its address and brings the link up. `ustack_addr` must not equal the host
// address and must lie in its subnet. Maps errors onto the exit codes above.
std::unique_ptr<link::TunDevice> open_tun(const std::string& name, size_t mtu,
                                          wire::Ipv4Address ustack_addr,
                                          const std::optional<HostAddress>& host);

// RFC 6528 ISN generator keyed from /dev/urandom (the shell reads the random
// device; the core never does).
std::unique_ptr<tcp::Rfc6528Isn> make_isn_generator();
// The SYN cookie key (RFC 4987 §3.6), from /dev/urandom like the ISN key.
tcp::SynCookieSecret make_syn_cookie_secret();

// "off", "passive", "on" (--ecn) as a tcp::EcnMode; anything else is Passive.
tcp::EcnMode parse_ecn_mode(std::string_view text);

// The -v tracer: one line per state transition, client endpoint first,
// e.g. "10.0.0.1:51234 > 10.0.0.2:80  SYN-RECEIVED -> ESTABLISHED  (ACK 1001 acknowledges our SYN)".
class StateTracer final : public tcp::ConnectionObserver {
public:
    enum class Role { Server, Client };  // which side of each connection ustack plays
    // `out` nullptr: count and remember only (fetch watches its close without -v).
    StateTracer(std::FILE* out, Role role) : out_(out), role_(role) {}
    void on_state_change(const tcp::Connection& c, tcp::State from, tcp::State to,
                         std::string_view cause) override;
    uint64_t transitions() const { return transitions_; }
    uint64_t time_waits() const { return time_waits_; }
    // The state most recently entered by any connection (fetch has exactly one).
    tcp::State last_state() const { return last_state_; }

private:
    std::FILE* out_;
    Role role_;
    uint64_t transitions_ = 0;
    uint64_t time_waits_ = 0;
    tcp::State last_state_ = tcp::State::Closed;
};

}  // namespace ustack::cli
