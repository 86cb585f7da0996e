// Root-only smoke test over a real TUN device, with the Linux kernel as the
// peer: ping (ICMP echo) and a TCP echo of 256 KiB from a kernel socket. The
// work runs in a forked child inside its own network namespace
// (unshare(CLONE_NEWNET)), which vanishes with the child: nothing touches
// the host's interfaces. Skipped when not root.
#include <gtest/gtest.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <system_error>
#include <vector>

#include "stack/asio/event_loop.h"
#include "stack/link/tun_device.h"
#include "stack/wire/checksum.h"
#include "stack/wire/icmp.h"
#include "tcp/asio/tcp_acceptor.h"
#include "tcp/asio/tcp_stream.h"

namespace ustack::net {
namespace {

namespace asio = boost::asio;
using boost::system::error_code;
using namespace std::chrono_literals;

#define CHILD_CHECK(cond, code)                                   \
    do {                                                          \
        if (!(cond)) {                                            \
            std::fprintf(stderr, "child: check failed: %s\n", #cond); \
            return code;                                          \
        }                                                         \
    } while (0)

// Runs in the child, already inside a fresh network namespace.
int tun_smoke_child() {
    auto tun = link::TunDevice::open("tun0", 1500);
    link::configure_host_side("tun0", wire::Ipv4Address(10, 0, 0, 1), 24, 1500);
    // A second open of a device in use fails with the one-line "busy" message.
    try {
        link::TunDevice::open("tun0", 1500);
        return 12;
    } catch (const std::system_error& e) {
        CHILD_CHECK(std::string(e.what()).find("TUN device tun0 is busy") != std::string::npos, 13);
    }
    asio::io_context io;
    tcp::FixedIsn isn(12345);
    StackConfig cfg;
    cfg.addr = wire::Ipv4Address(10, 0, 0, 2);
    EventLoop loop(io, *tun, cfg, isn);
    loop.start();
    auto run_until = [&](const std::function<bool()>& done) {
        auto end = std::chrono::steady_clock::now() + 10s;
        while (!done() && std::chrono::steady_clock::now() < end) io.run_one_for(10ms);
        return done();
    };

    // 1. The kernel pings us through a raw ICMP socket.
    int raw = ::socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK, IPPROTO_ICMP);
    CHILD_CHECK(raw >= 0, 2);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_addr.s_addr = htonl(0x0a000002);
    uint8_t req[64];
    const uint8_t payload[] = "ustack tun smoke";
    size_t n = wire::emit_icmp(req, wire::ICMP_ECHO_REQUEST, 0, (0x4242u << 16) | 1, payload);
    CHILD_CHECK(::sendto(raw, req, n, 0, reinterpret_cast<sockaddr*>(&to), sizeof to) == ssize_t(n), 3);
    bool replied = false;
    CHILD_CHECK(run_until([&] {
        uint8_t buf[256];
        ssize_t got = ::recv(raw, buf, sizeof buf, 0);  // includes the IP header
        if (got >= 28 && buf[20] == wire::ICMP_ECHO_REPLY && buf[24] == 0x42 && buf[25] == 0x42) replied = true;
        return replied;
    }), 4);
    ::close(raw);

    // 2. A kernel TCP socket connects to a ustack echo server and checks the bytes.
    TcpAcceptor acceptor(loop, {cfg.addr, 7});
    TcpStream server(loop);
    std::vector<uint8_t> data(256 * 1024);
    for (size_t i = 0; i < data.size(); ++i) data[i] = uint8_t(i * 7 + (i >> 9));
    std::vector<uint8_t> echoed(data.size());
    std::array<uint8_t, 16384> sbuf;
    bool accepted = false, kernel_done = false;
    std::function<void()> echo = [&] {
        server.async_read_some(asio::buffer(sbuf), [&](error_code ec, size_t got) {
            if (ec) return;
            asio::async_write(server, asio::buffer(sbuf.data(), got), [&](error_code wec, size_t) {
                if (!wec) echo();
            });
        });
    };
    acceptor.async_accept(server, [&](error_code ec) {
        accepted = !ec;
        if (accepted) echo();
    });
    asio::ip::tcp::socket kernel(io);
    error_code kernel_ec = asio::error::would_block;
    kernel.async_connect({asio::ip::make_address_v4("10.0.0.2"), 7}, [&](error_code ec) {
        kernel_ec = ec;
        if (ec) return;
        asio::async_write(kernel, asio::buffer(data), [](error_code, size_t) {});
        asio::async_read(kernel, asio::buffer(echoed), [&](error_code rec, size_t) {
            kernel_ec = rec;
            kernel_done = true;
        });
    });
    CHILD_CHECK(run_until([&] { return kernel_done; }), 5);
    CHILD_CHECK(!kernel_ec, 6);
    CHILD_CHECK(accepted, 7);
    CHILD_CHECK(echoed == data, 8);
    kernel.close();
    server.close();
    loop.stop();
    return 0;
}

TEST(TunSmoke, KernelPingsAndEchoesOverTcp) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (TUN device and a network namespace)";
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        int code = 1;
        try {
            if (::unshare(CLONE_NEWNET) != 0) _exit(10);
            code = tun_smoke_child();
        } catch (const std::exception& e) {
            std::fprintf(stderr, "child: %s\n", e.what());
            code = 11;
        }
        std::fflush(stderr);
        _exit(code);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0) << "see child: lines above (2-4 ping, 5-8 TCP echo, 10-13 setup)";
}

}  // namespace
}  // namespace ustack::net
