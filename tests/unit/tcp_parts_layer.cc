// Unit tests: TcpLayer demux, LISTEN (§3.10.7.2), RST for closed ports
// (§3.10.7.1), backlog, ephemeral ports, TIME-WAIT reopening (§3.6.1 MAY-2).
#include <gtest/gtest.h>

#include <vector>

#include "tcp/tcp_layer.h"
#include "tests/harness/req.h"
#include "tests/harness/segment_recorder.h"

namespace ustack::tcp {
namespace {

using namespace std::chrono_literals;

struct TcpPartsLayer : ::ustack::testing::LayerTest {
    void SetUp() override {
        cfg.msl = 1s;
        make_layer();
    }
    void in(uint16_t peer_port, uint16_t our_port, uint8_t fl, uint32_t seq, uint32_t ack = 0) {
        layer->input(kPeer, kUs, ::ustack::testing::peer_segment(peer_port, our_port, fl, seq, ack), now);
    }
    Segment last() { return rec.out.back().seg; }
};

TEST_F(TcpPartsLayer, SynToClosedPortGetsRstAck) {
    in(4000, 81, flags::SYN, 5000);
    ASSERT_EQ(rec.out.size(), 1u);
    Segment r = last();
    EXPECT_EQ(r.flags, flags::RST | flags::ACK);
    EXPECT_EQ(r.seq, SeqNum(0));
    EXPECT_EQ(r.ack, SeqNum(5001));  // SEG.SEQ + SEG.LEN
    EXPECT_EQ(rec.out.back().tuple.remote.port, 4000);
    EXPECT_EQ(layer->counters().closed_port_segments, 1u);
    EXPECT_EQ(layer->counters().rst_out, 1u);
}

TEST_F(TcpPartsLayer, AckToClosedPortGetsRstFromItsAck) {
    in(4000, 81, flags::ACK, 5000, 777);
    ASSERT_EQ(rec.out.size(), 1u);
    EXPECT_EQ(last().flags, flags::RST);
    EXPECT_EQ(last().seq, SeqNum(777));
}

TEST_F(TcpPartsLayer, RstToClosedPortIsNeverAnswered) {
    in(4000, 81, flags::RST, 5000);
    in(4000, 81, flags::RST | flags::ACK, 5000, 10);
    EXPECT_TRUE(rec.out.empty());
}

TEST_F(TcpPartsLayer, ListenerAnswersSynAndAcceptsAfterAck) {
    auto l = layer->listen(Endpoint{wire::Ipv4Address(), 80}, 4);
    ASSERT_TRUE(l);
    in(4000, 80, flags::SYN, 5000);
    ASSERT_EQ(rec.out.size(), 1u);
    EXPECT_EQ(last().flags, flags::SYN | flags::ACK);
    EXPECT_EQ(last().seq, SeqNum(1000));
    EXPECT_EQ(last().ack, SeqNum(5001));
    EXPECT_EQ(last().options.mss, std::optional<uint16_t>(1460));
    EXPECT_EQ(l->ready(), 0u);
    in(4000, 80, flags::ACK, 5001, 1001);
    EXPECT_EQ(l->ready(), 1u);
    auto c = l->accept();
    ASSERT_TRUE(c);
    EXPECT_EQ(c->state(), State::Established);
    EXPECT_EQ(c->tuple().local, (Endpoint{kUs, 80}));
    EXPECT_EQ(layer->counters().connections_accepted, 1u);
}

TEST_F(TcpPartsLayer, TextOnSynIsQueuedUntilEstablished) {
    auto l = layer->listen(Endpoint{kUs, 80}, 4);
    ParsedSegment p;
    p.src_port = 4000;
    p.dst_port = 80;
    p.seg.seq = SeqNum(5000);
    p.seg.flags = flags::SYN;
    p.seg.window = 65535;
    uint8_t text[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    p.seg.payload = text;
    layer->input(kPeer, kUs, p, now);
    EXPECT_EQ(last().flags, flags::SYN | flags::ACK);
    EXPECT_EQ(last().ack, SeqNum(5001));  // not acknowledged yet
    in(4000, 80, flags::ACK, 5011, 1001);  // the handshake ACK (after the 10 bytes)
    auto c = l->accept();
    ASSERT_TRUE(c);
    EXPECT_EQ(c->readable(), 10u);
    EXPECT_EQ(last().flags, flags::ACK);
    EXPECT_EQ(last().ack, SeqNum(5011));
    uint8_t got[16];
    EXPECT_EQ(c->receive(got, now), 10u);
    EXPECT_EQ(got[9], 10);
}

TEST_F(TcpPartsLayer, ListenerAnswersAckWithRstAndIgnoresRst) {
    auto l = layer->listen(Endpoint{kUs, 80}, 4);
    in(4000, 80, flags::RST, 5000);
    EXPECT_TRUE(rec.out.empty());
    in(4000, 80, flags::ACK, 5000, 4242);
    ASSERT_EQ(rec.out.size(), 1u);
    EXPECT_EQ(last().flags, flags::RST);
    EXPECT_EQ(last().seq, SeqNum(4242));
}

TEST_F(TcpPartsLayer, SynQueueFullDropsSynWithoutCookies) {
    layer->mutable_config().syn_cookies = SynCookies::Off;
    auto l = layer->listen(Endpoint{kUs, 80}, 2);
    in(4000, 80, flags::SYN, 5000);
    in(4001, 80, flags::SYN, 6000);
    in(4002, 80, flags::SYN, 7000);
    EXPECT_EQ(rec.out.size(), 2u);
    EXPECT_EQ(layer->connection_count(), 2u);
    EXPECT_EQ(layer->counters().syn_queue_drops, 1u);
}

TEST_F(TcpPartsLayer, SynQueueFullAnswersWithStatelessCookie) {
    auto l = layer->listen(Endpoint{kUs, 80}, 2);
    in(4000, 80, flags::SYN, 5000);
    in(4001, 80, flags::SYN, 6000);
    in(4002, 80, flags::SYN, 7000);
    ASSERT_EQ(rec.out.size(), 3u);
    EXPECT_EQ(last().flags, flags::SYN | flags::ACK);
    EXPECT_NE(last().seq, SeqNum(1000));  // not the generator's ISS: a cookie
    EXPECT_EQ(layer->connection_count(), 2u);
    EXPECT_EQ(layer->counters().syncookies_sent, 1u);
}

TEST_F(TcpPartsLayer, RstInSynReceivedReturnsToListen) {
    auto l = layer->listen(Endpoint{kUs, 80}, 4);
    in(4000, 80, flags::SYN, 5000);
    EXPECT_EQ(layer->connection_count(), 1u);
    in(4000, 80, flags::RST, 5001);
    EXPECT_EQ(layer->connection_count(), 0u);
    EXPECT_EQ(l->ready(), 0u);
    // The listener still works.
    in(4001, 80, flags::SYN, 9000);
    EXPECT_EQ(layer->connection_count(), 1u);
}

TEST_F(TcpPartsLayer, AbortedConnectionLeavesTheTableAtOnce) {
    auto c = layer->connect(kUs, Endpoint{kPeer, 80}, now);
    ASSERT_TRUE(c);
    EXPECT_EQ(layer->connection_count(), 1u);
    c->abort(now);
    EXPECT_EQ(layer->connection_count(), 0u);
    EXPECT_EQ(c->error(), TcpError::ConnectionAborted);
    layer.reset();   // the application may keep its handle after the layer is gone
    c->close(now);
    EXPECT_EQ(c->state(), State::Closed);
}

TEST_F(TcpPartsLayer, ListenTwiceIsAddressInUse) {
    TcpError e = TcpError::None;
    auto a = layer->listen(Endpoint{kUs, 80}, 4, &e);
    auto b = layer->listen(Endpoint{kUs, 80}, 4, &e);
    EXPECT_TRUE(a);
    EXPECT_FALSE(b);
    EXPECT_EQ(e, TcpError::AddressInUse);
    a->close(now);
    EXPECT_TRUE(layer->listen(Endpoint{kUs, 80}, 4, &e));
}

TEST_F(TcpPartsLayer, PassiveOpenDoesNotInterfereWithOtherConnections) {
    USTACK_REQ("MUST-41");
    auto c = layer->connect(kUs, Endpoint{kPeer, 80}, now);
    ASSERT_TRUE(c);
    const uint16_t port = c->tuple().local.port;
    in(80, port, flags::SYN | flags::ACK, 7000, 1001);
    ASSERT_EQ(c->state(), State::Established);
    // Passive OPENs, one on the very port the connection uses, one elsewhere.
    TcpError e = TcpError::None;
    auto same = layer->listen(Endpoint{kUs, port}, 4, &e);
    auto other = layer->listen(Endpoint{kUs, 81}, 4, &e);
    ASSERT_TRUE(same);
    ASSERT_TRUE(other);
    rec.out.clear();
    // The connection's own segments still reach it, not the listener (which
    // would answer a non-SYN with a RST, §3.10.7.2).
    in(80, port, flags::FIN | flags::ACK, 7001, 1001);
    EXPECT_EQ(c->state(), State::CloseWait);
    ASSERT_EQ(rec.out.size(), 1u);
    EXPECT_EQ(last().flags, flags::ACK);
    EXPECT_EQ(last().ack, SeqNum(7002));
    // A new peer's SYN to the same port goes to the listener; the old connection is untouched.
    in(4001, port, flags::SYN, 9000);
    ASSERT_EQ(rec.out.size(), 2u);
    EXPECT_EQ(last().flags, flags::SYN | flags::ACK);
    EXPECT_EQ(rec.out.back().tuple.remote.port, 4001);
    EXPECT_EQ(c->state(), State::CloseWait);
    EXPECT_EQ(layer->connection_count(), 2u);
}

TEST_F(TcpPartsLayer, ConnectPicksDistinctEphemeralPortsAndRejectsBroadcast) {
    USTACK_REQ("MUST-46");
    auto a = layer->connect(kUs, Endpoint{kPeer, 80}, now);
    auto b = layer->connect(kUs, Endpoint{kPeer, 80}, now);
    ASSERT_TRUE(a && b);
    EXPECT_NE(a->tuple().local.port, b->tuple().local.port);
    EXPECT_GE(a->tuple().local.port, cfg.ephemeral_port_first);
    EXPECT_EQ(rec.out[0].seg.flags, flags::SYN);
    TcpError e = TcpError::None;
    EXPECT_FALSE(layer->connect(kUs, Endpoint{wire::Ipv4Address(255, 255, 255, 255), 80}, now, &e));
    EXPECT_EQ(e, TcpError::InvalidArgument);
    EXPECT_FALSE(layer->connect(kUs, Endpoint{wire::Ipv4Address(224, 0, 0, 1), 80}, now, &e));
}

// RFC 6056 §3.3.3 Algorithm 3: the port search starts at a keyed offset per
// destination plus a counter, so consecutive connections to one destination
// take consecutive ports from a secret starting point.
struct OffsetIsn final : IsnGenerator {
    wire::SeqNum isn(const FourTuple&, Instant) override { return wire::SeqNum(1000); }
    uint32_t port_offset(wire::Ipv4Address, Endpoint remote) override { return remote.port == 80 ? 1000 : 70000; }
};

TEST_F(TcpPartsLayer, EphemeralPortSearchStartsAtTheGeneratorsOffsetPerDestination) {
    OffsetIsn offsets;
    layer = std::make_unique<TcpLayer>(cfg, rec, offsets);
    const uint32_t first = cfg.ephemeral_port_first, range = cfg.ephemeral_port_last - first + 1;
    auto a = layer->connect(kUs, Endpoint{kPeer, 80}, now);
    auto b = layer->connect(kUs, Endpoint{kPeer, 80}, now);
    auto c = layer->connect(kUs, Endpoint{kPeer, 81}, now);
    ASSERT_TRUE(a && b && c);
    EXPECT_EQ(a->tuple().local.port, first + (0 + 1000) % range);
    EXPECT_EQ(b->tuple().local.port, first + (1 + 1000) % range);
    EXPECT_EQ(c->tuple().local.port, first + (2 + 70000) % range);  // the offset wraps into the range
}

TEST_F(TcpPartsLayer, EphemeralPortSearchSkipsPortsInUseAndWrapsAtTheEnd) {
    OffsetIsn offsets;
    cfg.ephemeral_port_first = 50000;
    cfg.ephemeral_port_last = 50002;  // range 3: offset 1000 -> start at 50000 + 1000 % 3 = 50001
    layer = std::make_unique<TcpLayer>(cfg, rec, offsets);
    auto a = layer->connect(kUs, Endpoint{kPeer, 80}, now);
    auto b = layer->connect(kUs, Endpoint{kPeer, 80}, now);
    auto c = layer->connect(kUs, Endpoint{kPeer, 80}, now);
    ASSERT_TRUE(a && b && c);
    EXPECT_EQ(a->tuple().local.port, 50001);
    EXPECT_EQ(b->tuple().local.port, 50002);
    EXPECT_EQ(c->tuple().local.port, 50000);
    TcpError e = TcpError::None;
    EXPECT_FALSE(layer->connect(kUs, Endpoint{kPeer, 80}, now, &e));
    EXPECT_EQ(e, TcpError::NoPortsAvailable);
    // Another destination can still use every port.
    EXPECT_TRUE(layer->connect(kUs, Endpoint{kPeer, 81}, now));
}

TEST_F(TcpPartsLayer, EphemeralPortsExhausted) {
    cfg.ephemeral_port_first = 50000;
    cfg.ephemeral_port_last = 50001;
    layer = std::make_unique<TcpLayer>(cfg, rec, isn);
    EXPECT_TRUE(layer->connect(kUs, Endpoint{kPeer, 80}, now));
    EXPECT_TRUE(layer->connect(kUs, Endpoint{kPeer, 80}, now));
    TcpError e = TcpError::None;
    EXPECT_FALSE(layer->connect(kUs, Endpoint{kPeer, 80}, now, &e));
    EXPECT_EQ(e, TcpError::NoPortsAvailable);
}

// Drives a passive connection on port 80 to TIME-WAIT (we close first).
std::shared_ptr<Connection> to_time_wait(TcpPartsLayer& t, std::shared_ptr<Listener>& l) {
    l = t.layer->listen(Endpoint{t.kUs, 80}, 4);
    t.in(4000, 80, flags::SYN, 5000);
    t.in(4000, 80, flags::ACK, 5001, 1001);
    auto c = l->accept();
    c->close(t.now);  // FIN 1001
    t.in(4000, 80, flags::ACK, 5001, 1002);
    t.in(4000, 80, flags::FIN | flags::ACK, 5001, 1002);
    return c;
}

TEST_F(TcpPartsLayer, TimeWaitLastsTwoMslAndRetransmittedFinRestartsIt) {
    USTACK_REQ("MUST-13");
    std::shared_ptr<Listener> l;
    auto c = to_time_wait(*this, l);
    ASSERT_EQ(c->state(), State::TimeWait);
    EXPECT_EQ(*layer->next_deadline(), now + 2s);
    now += 1500ms;
    size_t before = rec.out.size();
    in(4000, 80, flags::FIN | flags::ACK, 5001, 1002);  // the peer did not get our ACK
    ASSERT_EQ(rec.out.size(), before + 1);
    EXPECT_EQ(last().flags, flags::ACK);
    EXPECT_EQ(last().ack, SeqNum(5002));
    EXPECT_EQ(*layer->next_deadline(), now + 2s);
    now += 1999ms;
    layer->on_timer(now);
    EXPECT_EQ(c->state(), State::TimeWait);
    now += 1ms;
    layer->on_timer(now);
    EXPECT_EQ(c->state(), State::Closed);
    EXPECT_EQ(layer->connection_count(), 0u);
}

TEST_F(TcpPartsLayer, NewSynReopensTimeWaitWithLargerIss) {
    USTACK_REQ("MAY-2");
    std::shared_ptr<Listener> l;
    auto old = to_time_wait(*this, l);
    ASSERT_EQ(old->state(), State::TimeWait);
    in(4000, 80, flags::SYN, 90000);  // SEG.SEQ > RCV.NXT (5002)
    EXPECT_EQ(last().flags, flags::SYN | flags::ACK);
    EXPECT_GT(last().seq, SeqNum(1002));  // ISS above the old SND.NXT even with a fixed ISN
    EXPECT_EQ(last().ack, SeqNum(90001));
    EXPECT_EQ(layer->connection_count(), 1u);
    EXPECT_NE(layer->find(FourTuple{Endpoint{kUs, 80}, Endpoint{kPeer, 4000}}), old);
}

TEST_F(TcpPartsLayer, OldSynInTimeWaitIsJustAcked) {
    std::shared_ptr<Listener> l;
    auto old = to_time_wait(*this, l);
    in(4000, 80, flags::SYN, 4000);  // SEG.SEQ below RCV.NXT: not a new incarnation
    EXPECT_EQ(old->state(), State::TimeWait);
    EXPECT_EQ(last().flags, flags::ACK);
}

TEST_F(TcpPartsLayer, ListenerCloseResetsPendingConnections) {
    auto l = layer->listen(Endpoint{kUs, 80}, 4);
    in(4000, 80, flags::SYN, 5000);
    in(4000, 80, flags::ACK, 5001, 1001);
    in(4001, 80, flags::SYN, 6000);
    size_t before = rec.out.size();
    l->close(now);
    EXPECT_EQ(rec.out.size(), before + 2);
    EXPECT_EQ(last().flags, flags::RST);
    layer->on_timer(now);
    EXPECT_EQ(layer->connection_count(), 0u);
    in(4002, 80, flags::SYN, 7000);  // now a closed port
    EXPECT_EQ(last().flags, flags::RST | flags::ACK);
}

}  // namespace
}  // namespace ustack::tcp
