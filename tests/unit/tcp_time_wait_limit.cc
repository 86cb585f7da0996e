// The stack's cap on TIME-WAIT (TcpConfig::max_time_wait, Linux's
// tcp_max_tw_buckets): below it every active close waits 2MSL; at it the
// connection sends its last ACK and goes to CLOSED, counted. TIME-WAIT
// blocks hold their control block only, and the memory total says so.
#include <gtest/gtest.h>

#include <malloc.h>

#include <memory>
#include <vector>

#include "tcp/memory.h"
#include "tcp/rack.h"
#include "tcp/tcp_layer.h"
#include "tests/harness/segment_recorder.h"

namespace ustack::tcp {
namespace {

using namespace std::chrono_literals;

struct TcpTimeWaitLimit : ::ustack::testing::LayerTest {
    std::shared_ptr<Listener> listener;

    void make(size_t max_time_wait) {
        cfg.max_time_wait = max_time_wait;
        cfg.msl = 1s;
        make_layer();
        listener = layer->listen(Endpoint{kUs, 80}, 1024);
    }
    void in(uint16_t peer_port, uint8_t fl, uint32_t seq, uint32_t ack = 0) {
        layer->input(kPeer, kUs, ::ustack::testing::peer_segment(peer_port, 80, fl, seq, ack), now);
        EXPECT_EQ(layer->memory().total, layer->memory_by_scan()) << "layer total disagrees with its connections";
    }
    // A passive connection from `port`, ESTABLISHED and accepted (ISS 1000, IRS 5000).
    std::shared_ptr<Connection> established(uint16_t port) {
        in(port, flags::SYN, 5000);
        in(port, flags::ACK, 5001, 1001);
        return listener->accept();
    }
    // We close first; the peer's FIN+ACK takes us to TIME-WAIT (or past it).
    void active_close(uint16_t port, const std::shared_ptr<Connection>& c) {
        c->close(now);
        ASSERT_EQ(rec.out.back().seg.flags, flags::FIN | flags::ACK);
        in(port, flags::FIN | flags::ACK, 5001, 1002);
    }
    void expect_last_ack_for_fin(uint16_t port) {
        ASSERT_FALSE(rec.out.empty());
        EXPECT_EQ(rec.out.back().tuple.remote.port, port);
        EXPECT_EQ(rec.out.back().seg.flags, flags::ACK);
        EXPECT_EQ(rec.out.back().seg.seq, SeqNum(1002));
        EXPECT_EQ(rec.out.back().seg.ack, SeqNum(5002));
    }
};

TEST_F(TcpTimeWaitLimit, BelowTheCap_EveryActiveCloseWaitsTwoMsl) {
    make(3);
    for (uint16_t port = 4001; port <= 4003; ++port) {
        auto c = established(port);
        ASSERT_TRUE(c);
        active_close(port, c);
        expect_last_ack_for_fin(port);
        EXPECT_EQ(c->state(), State::TimeWait);
    }
    EXPECT_EQ(layer->counters().time_wait.time_wait, 3u);
    EXPECT_EQ(layer->counters().time_wait.overflows, 0u);
    EXPECT_EQ(layer->memory().time_wait, 3u);
    EXPECT_EQ(layer->connection_count(), 3u);
    now += 2s;  // 2MSL
    layer->on_timer(now);
    EXPECT_EQ(layer->connection_count(), 0u);
    EXPECT_EQ(layer->counters().time_wait.time_wait, 0u);
}

TEST_F(TcpTimeWaitLimit, AtTheCap_LastAckThenClosedAtOnceAndCounted) {
    make(2);
    std::vector<std::shared_ptr<Connection>> conns;
    for (uint16_t port = 4001; port <= 4003; ++port) conns.push_back(established(port));
    active_close(4001, conns[0]);
    active_close(4002, conns[1]);
    EXPECT_EQ(layer->counters().time_wait.time_wait, 2u);

    active_close(4003, conns[2]);
    expect_last_ack_for_fin(4003);  // the peer's FIN is still acknowledged
    EXPECT_EQ(conns[2]->state(), State::Closed);
    EXPECT_EQ(conns[2]->error(), TcpError::None);  // a normal close, not an abort
    EXPECT_EQ(layer->counters().time_wait.overflows, 1u);
    EXPECT_EQ(layer->counters().time_wait.time_wait, 2u);
    EXPECT_EQ(layer->connection_count(), 2u);  // no TCB for 4003

    // Room again once the first two leave TIME-WAIT.
    now += 2s;
    layer->on_timer(now);
    EXPECT_EQ(layer->counters().time_wait.time_wait, 0u);
    auto c = established(4004);
    active_close(4004, c);
    EXPECT_EQ(c->state(), State::TimeWait);
    EXPECT_EQ(layer->counters().time_wait.overflows, 1u);
}

TEST_F(TcpTimeWaitLimit, AtTheCap_SimultaneousCloseFromClosingGoesToClosed) {
    make(1);
    auto first = established(4001);
    active_close(4001, first);
    auto c = established(4002);
    c->close(now);  // our FIN 1001 goes out; the peer's FIN crosses it
    in(4002, flags::FIN | flags::ACK, 5001, 1001);
    EXPECT_EQ(c->state(), State::Closing);
    in(4002, flags::ACK, 5002, 1002);  // our FIN acknowledged: TIME-WAIT is full
    EXPECT_EQ(c->state(), State::Closed);
    EXPECT_EQ(layer->counters().time_wait.overflows, 1u);
    EXPECT_EQ(layer->connection_count(), 1u);
}

TEST_F(TcpTimeWaitLimit, ZeroMeansNoCap) {
    make(0);
    for (uint16_t port = 4001; port <= 4010; ++port) active_close(port, established(port));
    EXPECT_EQ(layer->counters().time_wait.time_wait, 10u);
    EXPECT_EQ(layer->counters().time_wait.overflows, 0u);
}

// Live heap bytes (glibc's count; none under ASan, whose allocator replaces it).
size_t heap_in_use() { return mallinfo2().uordblks; }

TEST_F(TcpTimeWaitLimit, Memory_TimeWaitBlocksHoldTheirControlBlockOnly) {
    constexpr size_t kN = 200;
    make(0);
    std::vector<std::shared_ptr<Connection>> conns;
    size_t heap_before = heap_in_use();
    for (uint16_t i = 0; i < kN; ++i) conns.push_back(established(uint16_t(4001 + i)));
    listener->close(now);
    rec.out.clear();
    rec.out.shrink_to_fit();
    size_t heap_established = heap_in_use();
    MemoryStats idle = layer->memory();
    const size_t control = conns[0]->memory().control;
    EXPECT_EQ(idle.total.control, kN * control);
    EXPECT_EQ(idle.reserved(), kN * cfg.mss);  // the scratch buffers

    for (uint16_t i = 0; i < kN; ++i) active_close(uint16_t(4001 + i), conns[i]);
    conns.clear();  // the application lets go: the table alone holds them
    rec.out.clear();
    rec.out.shrink_to_fit();
    size_t heap_time_wait = heap_in_use();
    MemoryStats tw = layer->memory();
    EXPECT_EQ(tw.time_wait, kN);
    EXPECT_EQ(tw.connections, kN);
    EXPECT_EQ(tw.reserved(), 0u);  // no rings, no scratch
    EXPECT_EQ(tw.used(), 0u);
    // Each block counted at its fixed cost: the control block without RACK's records.
    EXPECT_EQ(tw.total.control, kN * (control - tcp::Rack(cfg.send_buffer / 512 + 16).memory()));
    if (heap_before > 0 && heap_time_wait > heap_before) {
        std::printf("[memory] per connection, %zu on the heap (glibc): idle ESTABLISHED %zu bytes, TIME-WAIT %zu "
                    "bytes; accounted control block %zu\n",
                    kN, (heap_established - heap_before) / kN, (heap_time_wait - heap_before) / kN, control);
    }

    now += 2s;
    layer->on_timer(now);
    EXPECT_EQ(layer->memory().connections, 0u);
    EXPECT_EQ(layer->memory().total, MemoryUsage{});
}

}  // namespace
}  // namespace ustack::tcp
