// Memory limit and pressure (tcp/memory.h, TcpConfig::memory_limit): opens
// are refused at the limit, existing connections keep working, an advertised
// window never shrinks (RFC 9293 §3.8.6.2.1, SHLD-14) and stops opening.
#include <gtest/gtest.h>

#include <numeric>
#include <vector>

#include "tcp/byte_ring.h"
#include "tcp/memory.h"
#include "tcp/tcp_layer.h"
#include "tests/harness/req.h"
#include "tests/harness/segment_recorder.h"

namespace ustack::tcp {
namespace {

using namespace std::chrono_literals;

struct TcpMemoryLimit : ::ustack::testing::LayerTest {
    size_t cost = MemoryPool::admission_cost(1460);

    void make(size_t limit) {
        cfg.memory_limit = limit;
        cfg.window_scaling = false;  // plain 16-bit windows keep the edges easy to read
        make_layer();
    }
    void in(uint16_t peer_port, uint8_t fl, uint32_t seq, uint32_t ack = 0, std::span<const uint8_t> data = {}) {
        layer->input(kPeer, kUs, ::ustack::testing::peer_segment(peer_port, 80, fl, seq, ack, data), now);
        check_total();
    }
    void check_total() {
        EXPECT_EQ(layer->memory().total, layer->memory_by_scan()) << "layer total disagrees with its connections";
    }
    // No limit; a passive connection from port 4001, accepted (ISS 1000, IRS 5000).
    std::shared_ptr<Connection> established_without_limit() {
        make(0);
        listener = layer->listen(Endpoint{kUs, 80}, 16);
        in(4001, flags::SYN, 5000);
        in(4001, flags::ACK, 5001, 1001);
        return listener->accept();
    }
    std::shared_ptr<Listener> listener;
    // The right edge our last segment advertised: SEG.ACK + SEG.WND.
    SeqNum edge() const { return rec.out.back().seg.ack + uint32_t(rec.out.back().seg.window); }
};

TEST_F(TcpMemoryLimit, PassiveOpen_SynBeyondTheLimitDroppedAndCounted) {
    make(2 * 1460 + cost);  // room for three idle connections: the fourth is refused
    auto l = layer->listen(Endpoint{kUs, 80}, 16);
    for (uint16_t port = 4001; port <= 4003; ++port) {
        in(port, flags::SYN, 5000);
        EXPECT_EQ(rec.out.back().seg.flags, flags::SYN | flags::ACK);
    }
    EXPECT_TRUE(layer->memory().pressure);
    size_t sent = rec.out.size();
    in(4004, flags::SYN, 5000);
    EXPECT_EQ(rec.out.size(), sent);  // dropped silently: the peer may retry
    EXPECT_EQ(layer->connection_count(), 3u);
    EXPECT_EQ(layer->memory().refused_passive, 1u);
    EXPECT_EQ(layer->memory().connections, 3u);

    // Existing connections keep working: the handshake completes, data within
    // the window already advertised is taken though its storage passes the limit.
    in(4001, flags::ACK, 5001, 1001);
    auto c = l->accept();
    ASSERT_TRUE(c);
    std::vector<uint8_t> data(10000, 7);
    in(4001, flags::ACK, 5001, 1001, data);
    EXPECT_EQ(c->readable(), 10000u);
    EXPECT_EQ(rec.out.back().seg.ack, SeqNum(15001));
    EXPECT_GT(layer->memory().reserved(), layer->memory().limit);
    EXPECT_EQ(layer->memory().high_water, layer->memory().reserved());
}

TEST_F(TcpMemoryLimit, ActiveOpen_FailsWithNoBuffersAtTheLimitAndSucceedsOnceFreed) {
    make(cost);  // exactly one connection
    TcpError err = TcpError::None;
    auto first = layer->connect(kUs, Endpoint{kPeer, 80}, now, &err);
    ASSERT_TRUE(first);
    EXPECT_EQ(err, TcpError::None);
    auto second = layer->connect(kUs, Endpoint{kPeer, 80}, now, &err);
    EXPECT_FALSE(second);
    EXPECT_EQ(err, TcpError::NoBuffers);
    EXPECT_EQ(layer->memory().refused_active, 1u);
    EXPECT_EQ(layer->counters().connections_opened, 1u);

    first->close(now);  // SYN-SENT -> CLOSED: the TCB goes
    first.reset();
    EXPECT_EQ(layer->connection_count(), 0u);
    EXPECT_EQ(layer->memory().connections, 0u);
    EXPECT_EQ(layer->memory().total, MemoryUsage{});
    EXPECT_FALSE(layer->memory().pressure);
    auto third = layer->connect(kUs, Endpoint{kPeer, 80}, now, &err);
    EXPECT_TRUE(third);
    EXPECT_EQ(err, TcpError::None);
}

TEST_F(TcpMemoryLimit, Pressure_AdvertisedEdgeNeverMovesLeftAndStopsOpening) {
    USTACK_REQ("SHLD-14");
    auto c = established_without_limit();
    ASSERT_TRUE(c);
    const SeqNum promised = SeqNum(5001) + 65535u;  // the SYN-ACK's window
    EXPECT_EQ(rec.out.back().seg.ack + uint32_t(rec.out.back().seg.window), promised);
    EXPECT_EQ(c->snapshot().memory.recv_reserved, 0u);

    // Pressure: the limit falls to what is reserved now.
    layer->mutable_config().memory_limit = layer->memory().reserved();
    EXPECT_TRUE(layer->memory().pressure);
    std::vector<uint8_t> data(10000, 1);
    in(4001, flags::ACK, 5001, 1001, data);  // inside the promise: taken
    EXPECT_EQ(c->readable(), 10000u);
    std::vector<uint8_t> out(20000);
    EXPECT_EQ(c->receive(out, now), 10000u);
    in(4001, flags::ACK, 15001, 1001, data);
    EXPECT_EQ(c->readable(), 10000u);
    EXPECT_EQ(edge(), promised);  // not left, not further right
    EXPECT_EQ(c->receive(out, now), 10000u);
    in(4001, flags::ACK, 25001, 1001, std::span(data).first(100));
    EXPECT_EQ(edge(), promised);
    check_total();

    // Pressure over: the window opens again, past the old edge.
    layer->mutable_config().memory_limit = 0;
    in(4001, flags::ACK, 25101, 1001, std::span(data).first(100));
    EXPECT_EQ(rec.out.back().seg.window, 65535);
    EXPECT_GT(edge(), promised);
}

TEST_F(TcpMemoryLimit, Pressure_SendTakesOnlyWhatAllocatedStorageHolds) {
    auto c = established_without_limit();
    ASSERT_TRUE(c);
    std::vector<uint8_t> data(100000, 2);
    EXPECT_EQ(c->send(std::span(data).first(100), now), 100u);
    EXPECT_EQ(c->snapshot().memory.send_reserved, ByteRing::kFirstStep);
    layer->mutable_config().memory_limit = layer->memory().reserved();
    in(4001, flags::ACK, 5001, 1101);  // any call picks up the pressure
    EXPECT_EQ(c->writable(), ByteRing::kFirstStep);
    EXPECT_EQ(c->send(data, now), ByteRing::kFirstStep);
    EXPECT_EQ(c->snapshot().memory.send_reserved, ByteRing::kFirstStep);
    check_total();
}

TEST(TcpMemoryRing, GrowthKeepsHeldAndOutOfOrderBytesAcrossTheWrap) {
    ByteRing r = ByteRing::lazy(64 * 1024);
    EXPECT_EQ(r.capacity(), 0u);
    ASSERT_TRUE(r.reserve(10));
    EXPECT_EQ(r.capacity(), ByteRing::kFirstStep);
    std::vector<uint8_t> a(4000);
    std::iota(a.begin(), a.end(), uint8_t(0));
    r.push(a);
    r.pop(3000);  // head near the end: the next push wraps
    std::vector<uint8_t> b(2000, 9);
    r.push(b);
    const uint8_t beyond[3] = {0xA, 0xB, 0xC};
    r.write_beyond(50, beyond);
    ASSERT_TRUE(r.reserve(r.size() + 2000));
    EXPECT_EQ(r.capacity(), 2 * ByteRing::kFirstStep);
    std::vector<uint8_t> got(4000);
    r.commit(53);
    EXPECT_EQ(r.read(got), 3053u);
    EXPECT_EQ(got[0], uint8_t(3000 % 256));
    EXPECT_EQ(got[999], uint8_t(3999 % 256));
    EXPECT_EQ(got[1000], 9);
    EXPECT_EQ(got[3050], 0xA);
    EXPECT_EQ(got[3052], 0xC);
    EXPECT_FALSE(r.reserve(64 * 1024 + 1));
    EXPECT_TRUE(r.reserve(64 * 1024));
    EXPECT_EQ(r.capacity(), 64u * 1024);
}

}  // namespace
}  // namespace ustack::tcp
