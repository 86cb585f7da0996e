// The EventLoop alone, driven through the raw end of a socketpair: ICMP echo
// requests in, replies out, in batches; a delaying FaultInjector between the
// fd and the stack is released by the loop's one timer.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include <sys/socket.h>

#include <chrono>
#include <functional>
#include <vector>

#include "stack/asio/event_loop.h"
#include "stack/link/fault_injector.h"
#include "stack/link/socketpair_link.h"
#include "stack/wire/icmp.h"
#include "stack/wire/ipv4.h"

namespace ustack::net {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

const wire::Ipv4Address kPeer(10, 0, 0, 1);
const wire::Ipv4Address kOurs(10, 0, 0, 2);

std::vector<uint8_t> echo_request(uint16_t seq) {
    std::vector<uint8_t> p(20 + 8 + 32);
    const uint8_t data[32] = {1, 2, 3};
    size_t n = wire::emit_icmp(std::span<uint8_t>(p).subspan(20), wire::ICMP_ECHO_REQUEST, 0, (0x77u << 16) | seq, data);
    wire::Ipv4Header h;
    h.src = kPeer;
    h.dst = kOurs;
    h.protocol = wire::IP_PROTO_ICMP;
    h.payload_len = uint16_t(n);
    wire::emit_ipv4_header(p, h);
    return p;
}

struct LoopFixture : ::testing::Test {
    LoopFixture() {
        auto [a, b] = link::make_socketpair_links(1500);
        peer_ = std::move(a);
        ours_ = std::move(b);
    }
    static StackConfig config() {
        StackConfig c;
        c.addr = kOurs;
        return c;
    }
    // Reads replies from the peer end until `want` arrived or 5 s passed.
    std::vector<uint16_t> collect_replies(size_t want) {
        std::vector<uint16_t> seqs;
        std::vector<uint8_t> buf(2000);
        auto end = std::chrono::steady_clock::now() + 5s;
        while (seqs.size() < want && std::chrono::steady_clock::now() < end) {
            io_.run_one_for(5ms);
            while (auto n = peer_->receive(buf, Instant{})) {
                wire::Ipv4View ip(std::span<const uint8_t>(buf.data(), *n));
                if (ip.check() != wire::Ipv4Error::None) continue;
                wire::IcmpView icmp(ip.payload());
                if (icmp.check() && icmp.type() == wire::ICMP_ECHO_REPLY) seqs.push_back(icmp.echo_seq());
            }
        }
        return seqs;
    }

    asio::io_context io_;
    tcp::FixedIsn isn_{1};
    std::unique_ptr<link::FdLink> peer_, ours_;
};

TEST_F(LoopFixture, BurstOfEchoRequests_AllAnsweredInFewBatches) {
    EventLoop loop(io_, *ours_, config(), isn_);
    loop.start();
    for (uint16_t i = 0; i < 200; ++i) ASSERT_TRUE(peer_->transmit(echo_request(i), Instant{}));
    auto seqs = collect_replies(200);
    ASSERT_EQ(seqs.size(), 200u);
    for (uint16_t i = 0; i < 200; ++i) EXPECT_EQ(seqs[i], i);  // order kept
    EXPECT_EQ(loop.counters().rx_packets, 200u);
    EXPECT_EQ(loop.counters().tx_packets, 200u);
    EXPECT_LT(loop.counters().batches, 20u);  // drained until EAGAIN, not one wakeup per packet
    EXPECT_EQ(loop.stack().counters().icmp_echo_replies, 200u);
}

TEST_F(LoopFixture, WriteWouldBlock_PacketsKeptUntilWritable) {
    int small = 4096;  // the kernel doubles it; a handful of replies fill it
    ASSERT_EQ(::setsockopt(ours_->fd(), SOL_SOCKET, SO_SNDBUF, &small, sizeof small), 0);
    EventLoop loop(io_, *ours_, config(), isn_);
    loop.start();
    for (uint16_t i = 0; i < 200; ++i) ASSERT_TRUE(peer_->transmit(echo_request(i), Instant{}));
    for (int i = 0; i < 20; ++i) io_.run_one_for(5ms);  // the peer does not read yet: our writes hit EAGAIN
    EXPECT_GE(loop.counters().tx_waits, 1u);
    auto seqs = collect_replies(200);
    ASSERT_EQ(seqs.size(), 200u);
    for (uint16_t i = 0; i < 200; ++i) EXPECT_EQ(seqs[i], i);
    EXPECT_EQ(loop.counters().tx_dropped, 0u);
}

TEST_F(LoopFixture, DelayingDecorator_ReleasedByTimer) {
    link::FaultConfig fc;
    fc.delay = 30ms;
    fc.on_receive = false;  // delay our replies only
    link::FaultInjector delayed(*ours_, fc);
    EventLoop loop(io_, *ours_, delayed, config(), isn_);
    loop.start();
    auto t0 = std::chrono::steady_clock::now();
    ASSERT_TRUE(peer_->transmit(echo_request(5), Instant{}));
    auto seqs = collect_replies(1);
    auto waited = std::chrono::steady_clock::now() - t0;
    ASSERT_EQ(seqs.size(), 1u);
    EXPECT_EQ(seqs[0], 5);
    EXPECT_GE(waited, 30ms);
    EXPECT_LT(waited, 1s);
    EXPECT_GE(loop.counters().timer_fires, 1u);
}

TEST_F(LoopFixture, StopThenDestroy_NoHandlerTouchesTheLoop) {
    {
        EventLoop loop(io_, *ours_, config(), isn_);
        loop.start();
        loop.kick();
        loop.stop();
    }
    io_.run_for(20ms);  // cancelled waits and the posted kick run after the loop is gone
    io_.restart();      // run_for ran out of work, which stops the io_context
    ASSERT_TRUE(peer_->transmit(echo_request(1), Instant{}));
    EventLoop again(io_, *ours_, config(), isn_);  // the fd was not closed by the first loop
    again.start();
    EXPECT_EQ(collect_replies(1).size(), 1u);
}

}  // namespace
}  // namespace ustack::net
