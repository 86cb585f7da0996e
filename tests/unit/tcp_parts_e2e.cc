// End-to-end tests of the TCP core: two stacks back to back on a manual clock
// (handshake, bulk transfer under seeded loss, simultaneous open and close, R2).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <string>

#include "tcp/connection.h"
#include "tcp/tcp_layer.h"
#include "tests/harness/req.h"
#include "tests/unit/tcp_parts_sim.h"

namespace ustack::tcp {
namespace {

using namespace std::chrono_literals;
using sim::Net;

const wire::Ipv4Address kClientAddr{10, 0, 0, 1};
const wire::Ipv4Address kServerAddr{10, 0, 0, 2};

struct Pair {
    explicit Pair(uint32_t seed = 1, TcpConfig cfg = {}) : net(seed), client_isn(1000), server_isn(900000),
        client(cfg, net.outbox(0), client_isn), server(cfg, net.outbox(1), server_isn) {
        net.set_node(0, sim::layer_node(client));
        net.set_node(1, sim::layer_node(server));
        listener = server.listen(Endpoint{kServerAddr, 80}, 16);
    }
    std::shared_ptr<Connection> connect() {
        return client.connect(kClientAddr, Endpoint{kServerAddr, 80}, net.now());
    }
    Net net;
    FixedIsn client_isn, server_isn;
    TcpLayer client, server;
    std::shared_ptr<Listener> listener;
};

TEST(TcpPartsE2E, ThreeWayHandshakeEstablishesBothSides) {
    USTACK_REQ("MUST-14", "MUST-15");
    Pair p;
    auto c = p.connect();
    ASSERT_TRUE(c);
    EXPECT_EQ(c->state(), State::SynSent);
    std::shared_ptr<Connection> s;
    ASSERT_TRUE(p.net.run([&] { return s != nullptr && c->state() == State::Established; }, 5s,
                          [&] { if (!s) s = p.listener->accept(); }));
    EXPECT_EQ(s->state(), State::Established);
    auto cs = c->snapshot();
    auto ss = s->snapshot();
    EXPECT_EQ(cs.iss, SeqNum(1000));
    EXPECT_EQ(cs.snd_una, SeqNum(1001));
    EXPECT_EQ(cs.rcv_nxt, SeqNum(900001));
    EXPECT_EQ(ss.rcv_nxt, SeqNum(1001));
    // Both sides negotiate Timestamps (RFC 7323): 12 octets of every segment
    // go to the option, so the payload per segment is 1460 - 12.
    EXPECT_EQ(cs.snd_mss, 1448);
    EXPECT_EQ(ss.snd_mss, 1448);
    // The first segment is a bare SYN with the MSS option; everything after carries ACK.
    ASSERT_GE(p.net.log.size(), 3u);
    EXPECT_EQ(p.net.log[0].second.flags, flags::SYN);
    EXPECT_EQ(p.net.log[0].second.options.mss, std::optional<uint16_t>(1460));
    EXPECT_EQ(p.net.log[1].second.flags, flags::SYN | flags::ACK);
    for (size_t i = 1; i < p.net.log.size(); ++i) EXPECT_TRUE(p.net.log[i].second.ack_flag());
}

// The TCB invariants that must hold between any two calls.
void check_invariants(const Connection& c, const TcpConfig& cfg) {
    TcbSnapshot s = c.snapshot();
    if (s.state == State::Closed) return;
    ASSERT_LE(s.snd_una, s.snd_nxt);
    ASSERT_LE(s.snd_nxt, s.snd_max);
    ASSERT_LE(s.send_buffered, cfg.send_buffer);
    ASSERT_LE(s.recv_buffered + s.out_of_order, recv_buffer_ceiling(cfg));
    ASSERT_EQ(s.retransmit_deadline.has_value(), s.bytes_in_flight > 0) << to_string(s.state);
    if (s.persist_deadline) {
        ASSERT_EQ(s.snd_wnd, 0u);
        ASSERT_EQ(s.bytes_in_flight, 0u);
    }
}

// Sends `total` bytes client -> server, then both close. Returns the bytes received.
std::vector<uint8_t> transfer(Pair& p, size_t total, Duration limit, bool* finished) {
    std::vector<uint8_t> data(total);
    for (size_t i = 0; i < total; ++i) data[i] = uint8_t((i * 7 + i / 251) & 0xff);
    std::vector<uint8_t> got;
    got.reserve(total);
    auto c = p.connect();
    std::shared_ptr<Connection> s;
    size_t sent = 0;
    bool client_closed = false, server_closed = false;
    std::vector<uint8_t> buf(64 * 1024);
    auto app = [&] {
        check_invariants(*c, p.client.config());
        if (s) check_invariants(*s, p.server.config());
        if (!s) s = p.listener->accept();
        if (sent < total && c->writable() > 0) {
            sent += c->send(std::span<const uint8_t>(data).subspan(sent), p.net.now());
        }
        if (sent == total && !client_closed) {
            c->close(p.net.now());
            client_closed = true;
        }
        if (s) {
            size_t n;
            while ((n = s->receive(buf, p.net.now())) > 0) got.insert(got.end(), buf.begin(), buf.begin() + long(n));
            if (s->eof() && !server_closed) {
                s->close(p.net.now());
                server_closed = true;
            }
        }
    };
    *finished = p.net.run([&] { return s && s->fully_closed() && c->state() == State::TimeWait; }, limit, app);
    EXPECT_EQ(c->error(), TcpError::None);
    if (s) {
        EXPECT_EQ(s->error(), TcpError::None);
    }
    EXPECT_EQ(got.size(), total);
    EXPECT_TRUE(got == data) << "received bytes differ";
    return got;
}

TEST(TcpPartsE2E, OneMegabyteWithoutLossArrivesIntact) {
    USTACK_REQ("MUST-19");
    Pair p;
    bool finished = false;
    transfer(p, 1 << 20, 120s, &finished);
    EXPECT_TRUE(finished);
}

TEST(TcpPartsE2E, OneMegabyteWithRandomLossArrivesIntact) {
    USTACK_REQ("MUST-19", "MUST-18");
    for (uint32_t seed : {1u, 7u, 42u}) {
        SCOPED_TRACE(seed);
        Pair p(seed);
        p.net.loss = 0.03;
        bool finished = false;
        Instant start = p.net.now();
        transfer(p, 1 << 20, 3600s, &finished);
        EXPECT_TRUE(finished);
        std::printf("seed %u: %.1f s simulated, %llu dropped, %llu retransmitted, %llu delivered\n", seed,
                    std::chrono::duration<double>(p.net.now() - start).count(),
                    (unsigned long long)p.net.dropped, (unsigned long long)p.client.counters().retransmissions,
                    (unsigned long long)p.net.delivered);
        EXPECT_GT(p.net.dropped, 0u);
        EXPECT_GT(p.client.counters().retransmissions, 0u);
    }
}

TEST(TcpPartsE2E, LossReorderingAndDuplicatesWithSmallBuffersArriveIntact) {
    USTACK_REQ("MUST-19");
    std::vector<uint32_t> seeds{3u, 11u};
    if (const char* n = std::getenv("USTACK_TCP_EXTRA_SEEDS")) {
        for (uint32_t i = 100; i < 100 + uint32_t(std::atoi(n)); ++i) seeds.push_back(i);
    }
    for (uint32_t seed : seeds) {
        SCOPED_TRACE(seed);
        TcpConfig cfg;
        cfg.recv_buffer = 16 * 1024;
        cfg.send_buffer = 24 * 1024;
        cfg.mss = 1000;
        Pair p(seed, cfg);
        p.net.loss = 0.05;
        p.net.jitter = 15ms;
        p.net.duplicate = 0.02;
        bool finished = false;
        Instant start = p.net.now();
        transfer(p, 300 * 1000 + 17, 3600s, &finished);
        EXPECT_TRUE(finished);
        EXPECT_GT(p.net.dropped, 0u);
        std::printf("seed %u: %.1f s simulated, %llu dropped, %llu delivered\n", seed,
                    std::chrono::duration<double>(p.net.now() - start).count(),
                    (unsigned long long)p.net.dropped, (unsigned long long)p.net.delivered);
    }
}

TEST(TcpPartsE2E, SmallBuffersExerciseFlowControlAndZeroWindow) {
    USTACK_REQ("MUST-36", "MUST-37");
    TcpConfig cfg;
    cfg.recv_buffer = 4096;
    cfg.recv_autotune = false;  // exactly 4096 octets buffered when the window closes
    cfg.send_buffer = 8192;
    Pair p(3, cfg);
    auto c = p.connect();
    std::shared_ptr<Connection> s;
    ASSERT_TRUE(p.net.run([&] { return (s = s ? s : p.listener->accept()) && c->state() == State::Established; }, 5s));
    std::vector<uint8_t> data(20000, 0x5a);
    size_t sent = 0;
    // The server does not read: the window closes and the client probes.
    ASSERT_TRUE(p.net.run([&] { return c->snapshot().persist_deadline.has_value(); }, 30s, [&] {
        sent += c->send(std::span<const uint8_t>(data).subspan(sent), p.net.now());
    }));
    EXPECT_EQ(s->readable(), 4096u);
    EXPECT_EQ(c->snapshot().snd_wnd, 0u);
    // Probes keep going for minutes without killing the connection.
    p.net.run([] { return false; }, 600s);
    EXPECT_EQ(c->state(), State::Established);
    // Now the server reads everything.
    std::vector<uint8_t> got, buf(1000);
    ASSERT_TRUE(p.net.run([&] { return got.size() == data.size(); }, 600s, [&] {
        if (sent < data.size()) sent += c->send(std::span<const uint8_t>(data).subspan(sent), p.net.now());
        size_t n;
        while ((n = s->receive(buf, p.net.now())) > 0) got.insert(got.end(), buf.begin(), buf.begin() + long(n));
    }));
    EXPECT_TRUE(got == data);
}

TEST(TcpPartsE2E, SimultaneousOpenReachesEstablished) {
    USTACK_REQ("MUST-10");
    Net net;
    FixedIsn ia(100), ib(300);
    TcpConfig cfg;
    FourTuple ta{Endpoint{kClientAddr, 5000}, Endpoint{kServerAddr, 6000}};
    Connection a(cfg, ta, net.outbox(0), ia);
    Connection b(cfg, sim::mirrored(ta), net.outbox(1), ib);
    net.set_node(0, sim::connection_node(a));
    net.set_node(1, sim::connection_node(b));
    a.open_active(net.now());
    b.open_active(net.now());
    ASSERT_TRUE(net.run([&] { return a.state() == State::Established && b.state() == State::Established; }, 10s));
    EXPECT_EQ(a.snapshot().rcv_nxt, SeqNum(301));
    EXPECT_EQ(b.snapshot().rcv_nxt, SeqNum(101));
    // Both went through SYN-RECEIVED with a SYN-ACK.
    int synacks = 0;
    for (auto& [from, s] : net.log) synacks += (s.syn() && s.ack_flag()) ? 1 : 0;
    EXPECT_EQ(synacks, 2);
    // Data flows both ways afterwards.
    uint8_t x[3] = {1, 2, 3};
    a.send(x, net.now());
    b.send(x, net.now());
    ASSERT_TRUE(net.run([&] { return a.readable() == 3 && b.readable() == 3; }, 5s));
}

struct Trace : ConnectionObserver {
    std::vector<std::pair<State, std::string>> seen;
    void on_state_change(const Connection&, State, State to, std::string_view cause) override {
        seen.emplace_back(to, std::string(cause));
    }
    bool visited(State s) const {
        for (auto& [st, c] : seen) if (st == s) return true;
        return false;
    }
};

TEST(TcpPartsE2E, SimultaneousCloseGoesThroughClosingToTimeWait) {
    USTACK_REQ("MUST-13");
    Net net;
    FixedIsn ia(100), ib(300);
    TcpConfig cfg;
    cfg.msl = 10s;
    FourTuple ta{Endpoint{kClientAddr, 5000}, Endpoint{kServerAddr, 6000}};
    Connection a(cfg, ta, net.outbox(0), ia);
    Connection b(cfg, sim::mirrored(ta), net.outbox(1), ib);
    net.set_node(0, sim::connection_node(a));
    net.set_node(1, sim::connection_node(b));
    Trace trace;
    a.set_tracer(&trace);
    a.open_active(net.now());
    b.open_active(net.now());
    ASSERT_TRUE(net.run([&] { return a.state() == State::Established && b.state() == State::Established; }, 10s));
    EXPECT_TRUE(trace.visited(State::SynReceived));
    a.close(net.now());
    b.close(net.now());
    EXPECT_EQ(a.state(), State::FinWait1);
    EXPECT_EQ(b.state(), State::FinWait1);
    ASSERT_TRUE(net.run([&] { return a.state() == State::TimeWait && b.state() == State::TimeWait; }, 10s));
    EXPECT_TRUE(trace.visited(State::Closing));
    Instant entered = net.now();
    auto d = a.snapshot().time_wait_deadline;
    ASSERT_TRUE(d);
    EXPECT_LE(*d - entered, 20s);
    ASSERT_TRUE(net.run([&] { return a.fully_closed() && b.fully_closed(); }, 30s));
    EXPECT_GE(net.now() - entered, 20s - 50ms);  // 2*MSL
}

TEST(TcpPartsE2E, HalfCloseLetsTheOtherSideKeepSending) {
    Pair p;
    auto c = p.connect();
    std::shared_ptr<Connection> s;
    ASSERT_TRUE(p.net.run([&] { return (s = s ? s : p.listener->accept()) && c->state() == State::Established; }, 5s));
    c->close(p.net.now());
    ASSERT_TRUE(p.net.run([&] { return c->state() == State::FinWait2 && s->state() == State::CloseWait; }, 5s));
    EXPECT_TRUE(s->eof());
    uint8_t msg[5] = {'h', 'e', 'l', 'l', 'o'};
    EXPECT_EQ(s->send(msg, p.net.now()), 5u);
    ASSERT_TRUE(p.net.run([&] { return c->readable() == 5; }, 5s));
    s->close(p.net.now());
    ASSERT_TRUE(p.net.run([&] { return s->fully_closed() && c->state() == State::TimeWait; }, 5s));
    EXPECT_EQ(s->state(), State::Closed);
}

TEST(TcpPartsE2E, SilentPeerTimesOutAfterR2) {
    USTACK_REQ("MUST-20", "MUST-19");
    TcpConfig cfg;
    cfg.r2_timeout = 100s;
    Pair p(1, cfg);
    auto c = p.connect();
    std::shared_ptr<Connection> s;
    ASSERT_TRUE(p.net.run([&] { return (s = s ? s : p.listener->accept()) && c->state() == State::Established; }, 5s));
    // The path dies: every later segment is lost.
    p.net.loss = 1.0;
    Instant start = p.net.now();
    uint8_t x[100] = {};
    c->send(x, p.net.now());
    ASSERT_TRUE(p.net.run([&] { return c->fully_closed(); }, 1000s));
    EXPECT_EQ(c->error(), TcpError::TimedOut);
    EXPECT_GE(p.net.now() - start, r2_limit(cfg));  // 663 s: 15 backed-off retransmissions
    EXPECT_LT(p.net.now() - start, r2_limit(cfg) + cfg.rto_max);
}

TEST(TcpPartsE2E, SynToClosedPortIsRefused) {
    Pair p;
    auto c = p.client.connect(kClientAddr, Endpoint{kServerAddr, 81}, p.net.now());
    ASSERT_TRUE(p.net.run([&] { return c->fully_closed(); }, 5s));
    EXPECT_EQ(c->error(), TcpError::ConnectionRefused);
    EXPECT_EQ(p.server.counters().closed_port_segments, 1u);
    EXPECT_EQ(p.client.connection_count(), 0u);
}

TEST(TcpPartsE2E, UnansweredSynGivesUpAfterR2Syn) {
    USTACK_REQ("MUST-23");
    Pair p;
    p.net.loss = 1.0;
    auto c = p.connect();
    Instant start = p.net.now();
    ASSERT_TRUE(p.net.run([&] { return c->fully_closed(); }, 1000s));
    EXPECT_EQ(c->error(), TcpError::TimedOut);
    EXPECT_GE(p.net.now() - start, 180s);
}

}  // namespace
}  // namespace ustack::tcp
