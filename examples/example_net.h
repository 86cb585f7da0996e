// Where the examples get their network: either a TUN device (root; run the
// example inside a network namespace of its own, see README.md) or, with
// --in-process, two ustack stacks in this process joined by a socketpair.
#pragma once

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <functional>
#include <set>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <utility>

#include "stack/asio/event_loop.h"
#include "stack/link/socketpair_link.h"
#include "stack/link/tun_device.h"
#include "tcp/asio/tcp_stream.h"
#include "tcp/isn.h"

namespace example {

namespace net = ustack::net;
using ustack::wire::Ipv4Address;

// Command line shared by the examples.
struct Options {
    bool in_process = false;
    std::string tun = "tun0";
    Ipv4Address addr{10, 0, 0, 2};       // ustack's address
    Ipv4Address host_addr{10, 0, 0, 1};  // the kernel's side of the TUN device (/24)
    std::string rest;                    // the one positional argument (a URL, a peer address)
};

// Parses --in-process, --tun NAME, --addr IP, --host-addr IP and one positional
// argument; prints `usage` and exits on --help or a malformed option.
inline Options parse_options(int argc, char** argv, std::string_view usage) {
    Options o;
    auto fail = [&](const std::string& why) {
        std::fprintf(stderr, "%s%s%.*s", why.c_str(), why.empty() ? "" : "\n", int(usage.size()), usage.data());
        std::exit(why.empty() ? 0 : 2);
    };
    auto address = [&](int& i) {
        if (i + 1 >= argc) fail(std::string(argv[i]) + " needs a value");
        auto a = Ipv4Address::parse(argv[++i]);
        if (!a) fail(std::string("malformed address ") + argv[i]);
        return *a;
    };
    for (int i = 1; i < argc; ++i) {
        std::string_view arg = argv[i];
        if (arg == "--help" || arg == "-h") fail("");
        else if (arg == "--in-process") o.in_process = true;
        else if (arg == "--tun" && i + 1 < argc) o.tun = argv[++i];
        else if (arg == "--addr") o.addr = address(i);
        else if (arg == "--host-addr") o.host_addr = address(i);
        else if (!arg.starts_with("-") && o.rest.empty()) o.rest = arg;
        else fail("unknown option " + std::string(arg));
    }
    return o;
}

// One ustack instance: a link, an ISN generator and the Asio event loop that
// drives the stack over the link's file descriptor.
class Host {
public:
    Host(boost::asio::io_context& io, std::unique_ptr<ustack::link::FdLink> link, Ipv4Address addr)
        : link_(std::move(link)), isn_(random64(), random64()) {
        ustack::StackConfig cfg;
        cfg.addr = addr;
        cfg.mtu = link_->mtu();
        loop_ = std::make_unique<net::EventLoop>(io, *link_, cfg, isn_);
        loop_->start();
    }
    // Stopping the loop writes out what is still queued (a last FIN, say).
    ~Host() { loop_->stop(); }
    Host(const Host&) = delete;
    Host& operator=(const Host&) = delete;
    net::EventLoop& loop() { return *loop_; }

private:
    // RFC 6528 wants a secret key per boot; the shell, not the TCP core, reads the random device.
    static uint64_t random64() {
        std::random_device rd;
        return (uint64_t(rd()) << 32) | rd();
    }
    std::unique_ptr<ustack::link::FdLink> link_;
    ustack::tcp::Rfc6528Isn isn_;
    std::unique_ptr<net::EventLoop> loop_;
};

// ustack on TUN device o.tun at o.addr; the kernel's side gets o.host_addr/24
// and is brought up. Throws std::system_error (e.g. not root) with one line.
inline std::unique_ptr<Host> open_tun_host(boost::asio::io_context& io, const Options& o) {
    constexpr size_t kMtu = 1500;
    auto tun = ustack::link::TunDevice::open(o.tun, kMtu);
    ustack::link::configure_host_side(o.tun, o.host_addr, 24, kMtu);
    return std::make_unique<Host>(io, std::move(tun), o.addr);
}

// Two stacks in this process, 10.0.0.1 (first) and 10.0.0.2 (second), joined
// by a SOCK_SEQPACKET socketpair: no root, no TUN, nothing leaves the process.
inline std::pair<std::unique_ptr<Host>, std::unique_ptr<Host>> in_process_pair(boost::asio::io_context& io) {
    auto [a, b] = ustack::link::make_socketpair_links(1500);
    return {std::make_unique<Host>(io, std::move(a), Ipv4Address(10, 0, 0, 1)),
            std::make_unique<Host>(io, std::move(b), Ipv4Address(10, 0, 0, 2))};
}

// The coroutines of a server that still wait on ustack, and their streams.
// A TcpStream or TcpAcceptor must not outlive its EventLoop, so before the
// loop goes away a server closes them all (pending operations complete with
// operation_aborted) and runs the io_context until every coroutine has ended.
class Tasks {
public:
    // Held by a running coroutine: counts it and, given one, remembers its stream.
    class Guard {
    public:
        Guard(Tasks& t, net::TcpStream* s) : t_(t), s_(s) {
            ++t_.running_;
            if (s_) t_.streams_.insert(s_);
        }
        ~Guard() {
            --t_.running_;
            if (s_) t_.streams_.erase(s_);
        }
        Guard(const Guard&) = delete;
        Guard& operator=(const Guard&) = delete;

    private:
        Tasks& t_;
        net::TcpStream* s_;
    };

    Guard enter(net::TcpStream* stream = nullptr) { return Guard(*this, stream); }
    void close_streams() {
        for (net::TcpStream* s : std::set<net::TcpStream*>(streams_)) s->close();
    }
    bool idle() const { return running_ == 0; }

private:
    int running_ = 0;
    std::set<net::TcpStream*> streams_;
};

// Runs `io` until `done()` holds or `limit` passes; true when done.
inline bool run_until(boost::asio::io_context& io, const std::function<bool()>& done,
                      std::chrono::milliseconds limit = std::chrono::seconds(2)) {
    io.restart();
    auto end = std::chrono::steady_clock::now() + limit;
    while (!done() && std::chrono::steady_clock::now() < end) io.run_one_for(std::chrono::milliseconds(50));
    return done();
}

}  // namespace example
