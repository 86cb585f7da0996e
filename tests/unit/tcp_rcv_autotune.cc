// Receive buffer auto-tuning (TcpConfig::recv_autotune, tcp/rcv_space.h): bulk
// transfers over a 20 ms RTT link on a manual clock. The window grows past
// recv_buffer only while the application keeps up, never moves its right
// edge left (SHLD-14), and stops growing under memory pressure.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <optional>
#include <span>
#include <memory>
#include <vector>

#include "tcp/connection.h"
#include "tcp/rcv_space.h"
#include "tcp/receiver.h"
#include "tcp/tcp_layer.h"
#include "tests/harness/req.h"
#include "tests/unit/tcp_parts_sim.h"

namespace ustack::tcp {
namespace {

using namespace std::chrono_literals;

constexpr size_t kInitial = 256 * 1024;  // TcpConfig::recv_buffer's default

// A 2 MiB ceiling (instead of 6) keeps the simulated transfers small.
TcpConfig client_config() {
    TcpConfig cfg;
    cfg.recv_buffer_max = 2 * 1024 * 1024;
    return cfg;
}

// A client that downloads from a server over sim::Net (10 ms each way).
struct Download {
    explicit Download(TcpConfig cfg = client_config()) : client_cfg(cfg), client(cfg, net.outbox(0), client_isn),
        server(server_config(), net.outbox(1), server_isn) {
        net.set_node(0, sim::layer_node(client));
        net.set_node(1, sim::layer_node(server));
        auto l = server.listen(Endpoint{{10, 0, 0, 2}, 80}, 4);
        c = client.connect({10, 0, 0, 1}, Endpoint{{10, 0, 0, 2}, 80}, net.now());
        EXPECT_TRUE(net.run([&] { return (s = s ? s : l->accept()) && c->state() == State::Established; }, 5s));
    }
    // The sender keeps up to 4 MiB in flight, so only our window limits it.
    static TcpConfig server_config() {
        TcpConfig cfg;
        cfg.send_buffer = 4 * 1024 * 1024;
        return cfg;
    }
    // Runs for `d`; the server sends all the time; `read` (if any) drains the
    // client. Checks after every event that the right edge never moves left.
    void run(Duration d, const std::function<void()>& read) {
        net.run([] { return false; }, d, [&] {
            while (s->send(chunk, net.now()) > 0) sent += 1;
            if (read) read();
            TcbSnapshot t = c->snapshot();
            // The edge shown may wobble by less than one 2^shift unit as
            // RCV.NXT moves (tcp/receiver.h advertise()); never by a whole one.
            SeqNum edge = t.rcv_nxt + t.rcv_wnd;
            uint32_t unit = uint32_t(1) << window_scale_for(recv_buffer_ceiling(client_cfg));
            if (have_edge) {
                EXPECT_GT(edge + unit, max_edge) << "the right edge moved left";
            }
            if (!have_edge || edge > max_edge) max_edge = edge;
            have_edge = true;
            max_wnd = std::max<size_t>(max_wnd, t.rcv_wnd);
        });
    }
    void read_all() {
        size_t n;
        while ((n = c->receive(buf, net.now())) > 0) received += n;
    }

    TcpConfig client_cfg;
    sim::Net net;
    FixedIsn client_isn{1000}, server_isn{900000};
    TcpLayer client, server;
    std::shared_ptr<Connection> c, s;
    std::vector<uint8_t> chunk = std::vector<uint8_t>(64 * 1024, 0x42);
    std::vector<uint8_t> buf = std::vector<uint8_t>(256 * 1024);
    size_t sent = 0, received = 0, max_wnd = 0;
    SeqNum max_edge;
    bool have_edge = false;
};

TEST(TcpRcvAutotune, PromptReader_WindowGrowsPastRecvBufferAndEdgeNeverMovesLeft) {
    USTACK_REQ("SHLD-14");
    Download d;
    d.run(500ms, [&] { d.read_all(); });
    EXPECT_GT(d.max_wnd, 4 * kInitial);
    EXPECT_LE(d.max_wnd, d.client_cfg.recv_buffer_max);
    // 20 ms RTT: a 256 KiB window carries at most 12.5 MiB/s (105 Mbit/s).
    EXPECT_GT(d.received, size_t(0.5 * 1.5 * kInitial / 0.020));
    std::printf("auto-tuned: %.1f Mbit/s over the first simulated 0.5 s, window up to %zu\n",
                double(d.received) * 8 / 0.5e6, d.max_wnd);
}

TEST(TcpRcvAutotune, AutotuneOff_WindowStaysAtRecvBuffer) {
    TcpConfig cfg = client_config();
    cfg.recv_autotune = false;
    Download d(cfg);
    d.run(500ms, [&] { d.read_all(); });
    EXPECT_LE(d.max_wnd, kInitial);
    EXPECT_GT(d.max_wnd, kInitial - 4096);
    EXPECT_LE(d.c->snapshot().memory.recv_reserved, kInitial);
    std::printf("fixed 256 KiB: %.1f Mbit/s over the first simulated 0.5 s\n", double(d.received) * 8 / 0.5e6);
    // The Window Scale offered fits recv_buffer alone, as before auto-tuning.
    EXPECT_EQ(d.net.log[0].second.options.window_scale, std::optional<uint8_t>(window_scale_for(kInitial)));
}

TEST(TcpRcvAutotune, SynOffersTheScaleForTheCeiling) {
    Download d(TcpConfig{});
    ASSERT_TRUE(d.net.log[0].second.syn());
    EXPECT_EQ(d.net.log[0].second.options.window_scale, std::optional<uint8_t>(7));  // 6 MiB >> 7 < 65536
}

TEST(TcpRcvAutotune, ApplicationNotReading_WindowDoesNotGrow) {
    Download d;
    d.run(3s, {});
    EXPECT_LE(d.max_wnd, kInitial);
    EXPECT_LE(d.c->readable(), kInitial);  // the buffer filled
    EXPECT_GT(d.c->readable(), kInitial - 4096);
    EXPECT_EQ(d.c->snapshot().rcv_wnd, 0u);
    // Reading it all at once after the stall is one RTT's worth at most: no growth yet.
    d.read_all();
    EXPECT_LE(d.c->snapshot().rcv_wnd, kInitial);
}

TEST(TcpRcvAutotune, SlowReader_WindowDoesNotGrow) {
    Download d;
    // 8 KiB every 50 ms (1.3 Mbit/s): less per RTT than the sender's initial window.
    Instant next = d.net.now();
    d.run(5s, [&] {
        if (d.net.now() < next) return;
        next = d.net.now() + 50ms;
        d.received += d.c->receive(std::span(d.buf).first(8192), d.net.now());
    });
    EXPECT_GT(d.received, kInitial);  // it did read, past the first buffer
    EXPECT_LE(d.max_wnd, kInitial);
    EXPECT_LE(d.c->snapshot().memory.recv_reserved, kInitial);
}

TEST(TcpRcvAutotune, MemoryPressure_StopsGrowthUntilLifted) {
    Download d;
    // Let the ring reach the initial 256 KiB, then put the stack under pressure.
    d.net.run([&] { return d.c->snapshot().memory.recv_reserved >= kInitial; }, 5s, [&] {
        d.s->send(d.chunk, d.net.now());
    });
    ASSERT_EQ(d.c->snapshot().memory.recv_reserved, kInitial);
    d.client.mutable_config().memory_limit = d.client.memory().reserved();
    ASSERT_TRUE(d.client.memory().pressure);
    d.run(1s, [&] { d.read_all(); });
    EXPECT_LE(d.max_wnd, kInitial);
    EXPECT_EQ(d.c->snapshot().memory.recv_reserved, kInitial);
    EXPECT_GT(d.received, 8u * kInitial);  // data kept flowing through the old window
    // Pressure over: the prompt reader's window grows again.
    d.client.mutable_config().memory_limit = 0;
    d.max_wnd = 0;
    d.run(500ms, [&] { d.read_all(); });
    EXPECT_GT(d.max_wnd, 4 * kInitial);
}

// The per-RTT arithmetic alone (Linux tcp_rcv_space_adjust).
TEST(TcpRcvSpace, GrowsOncePerRttToTwiceWhatWasReadPlusSlowStartGrowth) {
    RcvSpace r(1000);
    Instant t{100s};
    EXPECT_EQ(r.on_read(SeqNum(0), t), std::nullopt);             // starts the first period
    EXPECT_EQ(r.on_read(SeqNum(50000), t + 30ms), std::nullopt);  // no RTT estimate yet
    r.rtt_from_echo(7, 20ms);
    EXPECT_EQ(r.rtt(), 20ms);
    // 60000 read in the period, space was 10 MSS = 10000: 2*60000 + 16*1000 =
    // 136000, plus 2 * 136000 * (60000 - 10000) / 10000.
    EXPECT_EQ(r.on_read(SeqNum(60000), t + 40ms), std::optional<size_t>(136000 + 1360000));
    EXPECT_EQ(r.space(), 60000u);
    EXPECT_EQ(r.on_read(SeqNum(100000), t + 50ms), std::nullopt);  // within one RTT of the last
    // 70000 in the next RTT: 156000 + 2 * 156000 * 10000 / 60000.
    EXPECT_EQ(r.on_read(SeqNum(130000), t + 60ms), std::optional<size_t>(156000 + 52000));
    EXPECT_EQ(r.on_read(SeqNum(150000), t + 80ms), std::nullopt);  // 20000 < 70000: no growth
    EXPECT_EQ(r.space(), 70000u);
    r.rtt_from_echo(7, 100ms);  // the same echo again: ignored
    EXPECT_EQ(r.rtt(), 20ms);
    r.rtt_from_echo(8, 100ms);  // smoothed by 1/8: 20 + (100 - 20) / 8
    EXPECT_EQ(r.rtt(), 30ms);
}

TEST(TcpRcvSpace, WithoutTimestampsTheFastestWindowIsTheRtt) {
    RcvSpace r(1000);
    Instant t{100s};
    r.rtt_from_window(SeqNum(0), 10000, t);
    r.rtt_from_window(SeqNum(5000), 10000, t + 10ms);  // edge 10000 not passed yet
    EXPECT_EQ(r.rtt(), Duration::zero());
    r.rtt_from_window(SeqNum(10000), 10000, t + 30ms);  // passed after 30 ms: edge 20000 next
    EXPECT_EQ(r.rtt(), 30ms);
    r.rtt_from_window(SeqNum(20000), 10000, t + 55ms);
    EXPECT_EQ(r.rtt(), 25ms);
    r.rtt_from_window(SeqNum(30000), 10000, t + 95ms);  // slower: the minimum stays
    EXPECT_EQ(r.rtt(), 25ms);
}

}  // namespace
}  // namespace ustack::tcp
