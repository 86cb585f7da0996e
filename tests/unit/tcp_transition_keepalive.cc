// RFC 9293 §3.8.4 (RFC 1122 §4.2.3.6) keep-alives: off by default, requested
// per connection, sent only after an idle interval, tolerant of lost ACKs.
#include "tests/harness/harness.h"
#include "tests/harness/req.h"

namespace ustack::testing {
namespace {

using namespace tcp::flags;

// A short keep-alive configuration so tests do not read like a calendar.
tcp::KeepAliveConfig short_keepalive() { return {10s, 5s, 3}; }

// The probe: <SEQ=SND.NXT-1><ACK=RCV.NXT><CTL=ACK>, no data.
Seg probe(int64_t snd_nxt_rel, int64_t ack_rel) {
    return seg().flags(ACK).seq(snd_nxt_rel - 1).ack(ack_rel).len(0);
}

TEST_F(TcpTest, KeepAlive_OffByDefault) {
    USTACK_REQ("MUST-25");
    in_state(State::Established);
    EXPECT_FALSE(conn().keepalive());
    EXPECT_FALSE(snap().keepalive_deadline.has_value());
    expect_silence(3h);
    expect_state(State::Established);
}

TEST_F(TcpTest, KeepAlive_DefaultIdleIsTwoHours) {
    USTACK_REQ("MUST-24", "MUST-28", "MAY-5");
    EXPECT_GE(config().keepalive_config.idle, 2h);
    in_state(State::Established);
    conn().set_keepalive(true, now());  // the application asks (MUST-24)
    EXPECT_TRUE(conn().keepalive());
    expect_after(2h, probe(1, 1));
}

TEST_F(TcpTest, KeepAlive_ProbeIsOldSequenceNumberWithoutData) {
    USTACK_REQ("SHLD-12", "MUST-24");
    in_state(State::Established);
    conn().set_keepalive_config(short_keepalive());
    conn().set_keepalive(true, now());
    send("hello");
    expect(seg().ack_flag().seq(1).ack(1).data("hello"));
    advance(100ms);
    inject(seg().ack_flag().seq(1).ack(6).data("hi"));
    discard_pending();  // our ACK of "hi", maybe delayed
    advance(1s);
    discard_pending();
    // SND.NXT = 6 and RCV.NXT = 3 now: the probe says seq 5, ack 3, no data.
    Recorded r = expect_within(10s, seg().flags(ACK).seq(5).ack(3).len(0));
    EXPECT_EQ(r.data.size(), 0u);
}

TEST_F(TcpTest, KeepAlive_IdleAndIntervalConfigurable) {
    USTACK_REQ("MUST-27");
    in_state(State::Established);
    conn().set_keepalive_config({30s, 7s, 2});
    conn().set_keepalive(true, now());
    EXPECT_EQ(conn().keepalive_config().idle, 30s);
    expect_after(30s, probe(1, 1));
    expect_after(7s, probe(1, 1));
    expect_after(7s, seg().rst().ack_flag().seq(1).ack(1));  // two unanswered probes: give up
    expect_state(State::Closed);
}

TEST_F(TcpTest, KeepAlive_NoProbeWhileDataIsInFlight) {
    USTACK_REQ("MUST-26");
    config().keepalive = true;
    config().keepalive_config = short_keepalive();
    config().r2_timeout = 1000s;
    in_state(State::Established);
    send("data");
    expect(seg().ack_flag().seq(1).data("data"));
    // The peer is silent for a minute: only retransmissions, never a probe.
    EXPECT_FALSE(snap().keepalive_deadline.has_value());
    for (auto d : {1s, 2s, 4s, 8s, 16s, 32s}) expect_after(d, seg().ack_flag().seq(1).data("data"));
    EXPECT_FALSE(snap().keepalive_deadline.has_value());
    inject(seg().ack_flag().seq(1).ack(5));
    // Idle from the ACK on: the first probe 10 s later.
    expect_after(10s, probe(5, 1));
}

TEST_F(TcpTest, KeepAlive_ReceivedSegmentRestartsIdleClock) {
    USTACK_REQ("MUST-26");
    in_state(State::Established);
    conn().set_keepalive_config(short_keepalive());
    conn().set_keepalive(true, now());
    advance(8s);
    inject(seg().ack_flag().seq(1).ack(1).data("x"));
    discard_pending();
    expect_after(10s, probe(1, 2));  // 18 s after the start, 10 s after the segment
}

TEST_F(TcpTest, KeepAlive_ToleratesLostAcksThenTimesOut) {
    USTACK_REQ("MUST-29", "MUST-24");
    in_state(State::Established);
    conn().set_keepalive_config(short_keepalive());
    conn().set_keepalive(true, now());
    expect_after(10s, probe(1, 1));
    expect_after(5s, probe(1, 1));
    expect_after(5s, probe(1, 1));
    expect_state(State::Established);  // three probes unanswered: still alive
    EXPECT_EQ(snap().keepalive_probes, 3u);
    expect_after(5s, seg().rst().ack_flag().seq(1).ack(1));
    expect_state(State::Closed);
    expect_error(TcpError::TimedOut);
    expect_event(Event::Error);
}

TEST_F(TcpTest, KeepAlive_AnsweredProbeResetsCount) {
    USTACK_REQ("MUST-29");
    in_state(State::Established);
    conn().set_keepalive_config(short_keepalive());
    conn().set_keepalive(true, now());
    expect_after(10s, probe(1, 1));
    expect_after(5s, probe(1, 1));  // the first answer was lost
    advance(1s);
    inject(seg().ack_flag().seq(1).ack(1));  // the peer answers the second
    EXPECT_EQ(snap().keepalive_probes, 0u);
    // A full idle interval again, and all three probes before giving up.
    expect_after(10s, probe(1, 1));
    expect_after(5s, probe(1, 1));
    expect_after(5s, probe(1, 1));
    expect_after(5s, seg().rst().ack_flag().seq(1).ack(1));
    expect_error(TcpError::TimedOut);
}

TEST_F(TcpTest, KeepAlive_TurnedOffStopsProbing) {
    USTACK_REQ("MUST-24");
    in_state(State::Established);
    conn().set_keepalive_config(short_keepalive());
    conn().set_keepalive(true, now());
    expect_after(10s, probe(1, 1));
    conn().set_keepalive(false, now());
    EXPECT_FALSE(snap().keepalive_deadline.has_value());
    expect_silence(1h);
    expect_state(State::Established);
}

TEST_F(TcpTest, KeepAlive_IdleCountsFromWhenTurnedOn) {
    // Like Linux's SO_KEEPALIVE: a connection idle for an hour already is
    // probed one idle interval after keep-alive is requested, not at once.
    in_state(State::Established);
    advance(1h);
    conn().set_keepalive_config(short_keepalive());
    conn().set_keepalive(true, now());
    expect_after(10s, probe(1, 1));
}

TEST_F(TcpTest, KeepAlive_AcceptedConnectionInheritsStackSetting) {
    USTACK_REQ("MUST-24");
    config().keepalive = true;
    config().keepalive_config = short_keepalive();
    in_state(State::Established, Open::Passive);
    EXPECT_TRUE(conn().keepalive());
    expect_after(10s, probe(1, 1));
}

TEST_F(TcpTest, KeepAlive_ProbesInCloseWait) {
    // The peer half-closed; we may still send, so its liveness still matters.
    in_state(State::CloseWait);
    conn().set_keepalive_config(short_keepalive());
    conn().set_keepalive(true, now());
    expect_after(10s, probe(1, 2));
}

TEST_F(TcpTest, KeepAlive_ProbeAnswerWithZeroReceiveWindowCounts) {
    // Our receive buffer is full (window 0): the peer's answer to a probe
    // is still acceptable (SEG.SEQ = RCV.NXT, no data) and proves it alive.
    config().recv_buffer = 1000;
    in_state(State::Established);
    inject(seg().ack_flag().seq(1).ack(1).data_len(1000));
    discard_pending();
    EXPECT_EQ(snap().rcv_wnd, 0u);
    conn().set_keepalive_config(short_keepalive());
    conn().set_keepalive(true, now());
    expect_after(10s, probe(1, 1001));
    inject(seg().ack_flag().seq(1001).ack(1));
    EXPECT_EQ(snap().keepalive_probes, 0u);
    expect_after(10s, probe(1, 1001));
}

}  // namespace
}  // namespace ustack::testing
