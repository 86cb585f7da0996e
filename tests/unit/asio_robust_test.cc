// RFC 9293 §3.9.2.2 (SHLD-25), RFC 1122 §4.2.3.9 through the Asio shell: a
// connection that times out after an ICMP soft error completes the
// application's operation with that error (host_unreachable, "No route to
// host"), not timed_out, as a Linux socket reports EHOSTUNREACH.
#include <gtest/gtest.h>

#include <boost/asio/error.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <memory>
#include <vector>

#include "stack/asio/event_loop.h"
#include "stack/link/socketpair_link.h"
#include "stack/wire/icmp.h"
#include "stack/wire/ipv4.h"
#include "tcp/asio/tcp_stream.h"
#include "tests/harness/req.h"

namespace ustack::net {
namespace {

using namespace std::chrono_literals;
using boost::system::error_code;
namespace asio = boost::asio;

const wire::Ipv4Address kOurs(10, 0, 0, 1);
const wire::Ipv4Address kPeer(10, 0, 0, 2);
const wire::Ipv4Address kRouter(10, 0, 0, 254);

// ICMP type/code from kRouter quoting the start of `datagram` (RFC 792).
std::vector<uint8_t> icmp_about(const std::vector<uint8_t>& datagram, uint8_t type, uint8_t code) {
    size_t quoted = std::min<size_t>(datagram.size(), 28);  // IP header and 8 octets of TCP
    std::vector<uint8_t> p(20 + wire::ICMP_HEADER_LEN + quoted);
    size_t n = wire::emit_icmp(std::span<uint8_t>(p).subspan(20), type, code, 0,
                               std::span<const uint8_t>(datagram.data(), quoted));
    wire::Ipv4Header h;
    h.src = kRouter;
    h.dst = kOurs;
    h.protocol = wire::IP_PROTO_ICMP;
    h.payload_len = uint16_t(n);
    wire::emit_ipv4_header(p, h);
    return p;
}

struct SoftErrorFixture : ::testing::Test {
    SoftErrorFixture() {
        auto [a, b] = link::make_socketpair_links(1500);
        peer_ = std::move(a);
        ours_ = std::move(b);
        StackConfig c;
        c.addr = kOurs;
        c.tcp.rto_initial = c.tcp.rto_min = 50ms;  // SYNs at 50, 150, 350 ms
        c.tcp.r2_syn_timeout = 300ms;              // the SYN R2, short for the test
        loop_ = std::make_unique<EventLoop>(io_, *ours_, c, isn_);
        loop_->start();
    }
    // Runs the loop until `done` or 5 s; the peer end reads what we send.
    template <class F>
    bool run_until(F done) {
        auto end = std::chrono::steady_clock::now() + 5s;
        while (!done()) {
            if (std::chrono::steady_clock::now() > end) return false;
            io_.run_one_for(5ms);
            std::vector<uint8_t> buf(2000);
            while (auto n = peer_->receive(buf, Instant{})) sent_.emplace_back(buf.begin(), buf.begin() + *n);
        }
        return true;
    }

    asio::io_context io_;
    tcp::FixedIsn isn_{1000};
    std::unique_ptr<link::FdLink> peer_, ours_;
    std::unique_ptr<EventLoop> loop_;
    std::vector<std::vector<uint8_t>> sent_;
};

TEST_F(SoftErrorFixture, ConnectTimesOutAfterHostUnreachable_CompletesWithHostUnreachable) {
    USTACK_REQ("SHLD-25", "MUST-56");
    TcpStream s(*loop_);
    error_code ec = asio::error::would_block;
    s.async_connect({kPeer, 80}, [&](error_code e) { ec = e; });
    ASSERT_TRUE(run_until([&] { return !sent_.empty(); }));  // our SYN
    // A router says the host is unreachable: soft (MUST-56), the SYNs go on.
    ASSERT_TRUE(peer_->transmit(icmp_about(sent_.front(), wire::ICMP_DEST_UNREACHABLE, 1), Instant{}));
    ASSERT_TRUE(run_until([&] { return ec != asio::error::would_block; }));
    EXPECT_GE(sent_.size(), 2u);  // it was not an abort: the SYN was retransmitted
    EXPECT_EQ(ec, asio::error::host_unreachable) << ec.message();
    EXPECT_EQ(ec.message(), "No route to host");
}

TEST_F(SoftErrorFixture, ConnectTimesOutWithoutIcmp_CompletesWithTimedOut) {
    TcpStream s(*loop_);
    error_code ec = asio::error::would_block;
    s.async_connect({kPeer, 80}, [&](error_code e) { ec = e; });
    ASSERT_TRUE(run_until([&] { return ec != asio::error::would_block; }));
    EXPECT_EQ(ec, asio::error::timed_out) << ec.message();
}

TEST_F(SoftErrorFixture, NetworkUnreachable_CompletesWithNetworkUnreachable) {
    TcpStream s(*loop_);
    error_code ec = asio::error::would_block;
    s.async_connect({kPeer, 80}, [&](error_code e) { ec = e; });
    ASSERT_TRUE(run_until([&] { return !sent_.empty(); }));
    ASSERT_TRUE(peer_->transmit(icmp_about(sent_.front(), wire::ICMP_DEST_UNREACHABLE, 0), Instant{}));
    ASSERT_TRUE(run_until([&] { return ec != asio::error::would_block; }));
    EXPECT_EQ(ec, asio::error::network_unreachable) << ec.message();
}

}  // namespace
}  // namespace ustack::net
