// Shared pieces of the ustack CLI: exit codes, argument parsing, privilege
// checks, TUN setup with clear one-line failures, and the -v state tracer.
#include "tools/ustack/common.h"

#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <fstream>
#include <string>
#include <system_error>

#include "tcp/connection.h"

namespace ustack::cli {

int report(int code, std::string_view message) {
    std::fprintf(stderr, "ustack: %.*s\n", int(message.size()), message.data());
    std::fflush(stderr);
    return code;
}

wire::Ipv4Address parse_address(const std::string& text, std::string_view what) {
    auto a = wire::Ipv4Address::parse(text);
    if (!a) throw CliError{kUsage, "malformed " + std::string(what) + " '" + text + "' (want a dotted quad like 10.0.0.2)"};
    if (a->is_unspecified() || a->is_broadcast() || a->is_multicast() || a->is_loopback())
        throw CliError{kUsage, std::string(what) + " '" + text + "' is not a usable unicast address"};
    return *a;
}

HostAddress parse_host_address(const std::string& text) {
    auto slash = text.find('/');
    if (slash == std::string::npos)
        throw CliError{kUsage, "malformed --host-addr '" + text + "' (want IP/PREFIX like 10.0.0.1/24)"};
    HostAddress h;
    h.addr = parse_address(text.substr(0, slash), "--host-addr");
    std::string_view p = std::string_view(text).substr(slash + 1);
    auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), h.prefix_len);
    if (p.empty() || ec != std::errc() || end != p.data() + p.size() || h.prefix_len < 1 || h.prefix_len > 30)
        throw CliError{kUsage, "malformed prefix length in --host-addr '" + text + "' (want 1..30)"};
    return h;
}

namespace {

bool has_cap_net_admin() {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("CapEff:", 0) != 0) continue;
        uint64_t caps = std::stoull(line.substr(7), nullptr, 16);
        constexpr int kCapNetAdmin = 12;  // linux/capability.h
        return (caps >> kCapNetAdmin) & 1;
    }
    return false;
}

}  // namespace

void check_tun_prerequisites() {
    if (::geteuid() != 0 && !has_cap_net_admin())
        throw CliError{kNotPermitted, "not permitted: a TUN device needs root or CAP_NET_ADMIN (try sudo)"};
    if (::access("/dev/net/tun", F_OK) != 0)
        throw CliError{kNoTun, "/dev/net/tun does not exist (load the tun module: modprobe tun)"};
}

std::unique_ptr<link::TunDevice> open_tun(const std::string& name, size_t mtu, wire::Ipv4Address ustack_addr,
                                          const std::optional<HostAddress>& host) {
    if (name.empty() || name.size() > 15)
        throw CliError{kUsage, "malformed --tun '" + name + "' (1 to 15 characters)"};
    if (mtu < 576 || mtu > 65535) throw CliError{kUsage, "--mtu " + std::to_string(mtu) + " out of range (576..65535)"};
    if (host) {
        uint32_t mask = ~uint32_t(0) << (32 - host->prefix_len);
        if (host->addr == ustack_addr)
            throw CliError{kUsage, "--addr and --host-addr must differ (the kernel and ustack each need an address)"};
        if ((host->addr.to_u32() & mask) != (ustack_addr.to_u32() & mask))
            throw CliError{kUsage, "--addr " + ustack_addr.to_string() + " is not in the subnet of --host-addr " +
                                       host->addr.to_string() + "/" + std::to_string(host->prefix_len)};
    }
    check_tun_prerequisites();
    std::unique_ptr<link::TunDevice> tun;
    try {
        tun = link::TunDevice::open(name, mtu);
    } catch (const std::system_error& e) {
        int err = e.code().value();
        int code = kFailure;
        if (err == EPERM || err == EACCES) code = kNotPermitted;
        else if (err == ENOENT || err == ENODEV || err == ENXIO) code = kNoTun;
        else if (err == EBUSY) code = kDeviceBusy;
        throw CliError{code, e.what()};
    }
    if (host) {
        try {
            link::configure_host_side(name, host->addr, host->prefix_len, mtu);
        } catch (const std::system_error& e) {
            int err = e.code().value();
            throw CliError{err == EPERM || err == EACCES ? int(kNotPermitted) : int(kFailure),
                           std::string("configuring the kernel side of ") + name + ": " + e.what()};
        }
    }
    return tun;
}

std::unique_ptr<tcp::Rfc6528Isn> make_isn_generator() {
    uint64_t key[2] = {0, 0};
    std::ifstream random("/dev/urandom", std::ios::binary);
    if (!random.read(reinterpret_cast<char*>(key), sizeof key))
        throw CliError{kFailure, "cannot read /dev/urandom for the ISN key (RFC 6528)"};
    return std::make_unique<tcp::Rfc6528Isn>(key[0], key[1]);
}

tcp::SynCookieSecret make_syn_cookie_secret() {
    tcp::SynCookieSecret secret;
    std::ifstream random("/dev/urandom", std::ios::binary);
    if (!random.read(reinterpret_cast<char*>(&secret.k0), sizeof secret.k0) ||
        !random.read(reinterpret_cast<char*>(&secret.k1), sizeof secret.k1))
        throw CliError{kFailure, "cannot read /dev/urandom for the SYN cookie key (RFC 4987 §3.6)"};
    return secret;
}

tcp::EcnMode parse_ecn_mode(std::string_view text) {
    if (text == "off") return tcp::EcnMode::Off;
    if (text == "on") return tcp::EcnMode::On;
    return tcp::EcnMode::Passive;
}

void StateTracer::on_state_change(const tcp::Connection& c, tcp::State from, tcp::State to,
                                  std::string_view cause) {
    ++transitions_;
    if (to == tcp::State::TimeWait) ++time_waits_;
    last_state_ = to;
    if (!out_) return;
    const tcp::FourTuple& t = c.tuple();
    const tcp::Endpoint& client = role_ == Role::Server ? t.remote : t.local;
    const tcp::Endpoint& server = role_ == Role::Server ? t.local : t.remote;
    std::string_view f = tcp::to_string(from), s = tcp::to_string(to);
    std::fprintf(out_, "%s > %s  %.*s -> %.*s  (%.*s)\n", client.to_string().c_str(), server.to_string().c_str(),
                 int(f.size()), f.data(), int(s.size()), s.data(), int(cause.size()), cause.data());
    std::fflush(out_);
}

}  // namespace ustack::cli
