// RFC 9293 §3.8.1-§3.8.3 with RFC 6298: data retransmission, exponential
// backoff, Karn's algorithm, and R2 (connection failure).
#include "tests/harness/harness.h"
#include "tests/harness/req.h"

namespace ustack::testing {
namespace {

using namespace tcp::flags;

TEST_F(TcpTest, Established_DataRetransmittedAfterInitialRto) {
    USTACK_REQ("MUST-19");
    in_state(State::Established);
    send("hello");
    expect(seg().ack_flag().seq(1).ack(1).data("hello"));
    expect_after(1s, seg().ack_flag().seq(1).ack(1).data("hello"));
    EXPECT_EQ(layer().counters().retransmissions, 1u);
}

TEST_F(TcpTest, Established_RetransmissionBacksOffExponentially) {
    USTACK_REQ("MUST-19");
    in_state(State::Established);
    send("hello");
    expect(seg().ack_flag().seq(1).data("hello"));
    for (auto d : {1s, 2s, 4s, 8s, 16s}) expect_after(d, seg().ack_flag().seq(1).data("hello"));
    EXPECT_EQ(snap().retransmissions, 5u);
    EXPECT_EQ(snap().rto, 32s);
}

TEST_F(TcpTest, Established_RtoCappedAtConfiguredMaximum) {
    config().r2_timeout = 1000s;  // keep the connection alive long enough
    in_state(State::Established);
    send("hello");
    expect(seg().ack_flag().seq(1).data("hello"));
    for (auto d : {1s, 2s, 4s, 8s, 16s, 32s}) expect_after(d, seg().ack_flag().seq(1).data("hello"));
    expect_after(60s, seg().ack_flag().seq(1).data("hello"));  // RFC 6298 (2.5): a 60 s ceiling
    expect_after(60s, seg().ack_flag().seq(1).data("hello"));
}

TEST_F(TcpTest, Established_AckAfterRetransmitResetsBackoff) {
    in_state(State::Established);
    send("one");
    expect(seg().ack_flag().seq(1).data("one"));
    expect_after(1s, seg().ack_flag().seq(1).data("one"));
    inject(seg().ack_flag().seq(1).ack(4));
    EXPECT_EQ(snap().retransmissions, 0u);
    send("two");
    expect(seg().ack_flag().seq(4).data("two"));
    expect_after(snap().rto, seg().ack_flag().seq(4).data("two"));
}

// After a timeout SND.NXT is pulled back to resend from SND.UNA, but an ACK
// must still carry the highest sequence number sent: the peer may already hold
// that data, and it drops a zero-length segment left of its RCV.NXT without
// reading the ACK field (§3.10.7.4). Found by LossySim (two stacks ACKing each
// other forever, both pulled back, each ACK unacceptable to the other).
TEST_F(TcpTest, Established_AckAfterTimeoutCarriesHighestSequenceSent) {
    USTACK_REQ("MUST-19");
    options().peer_mss = 100;
    in_state(State::Established);
    send(std::string(300, 'a'));
    expect(seg().ack_flag().seq(1).ack(1).len(100));
    expect(seg().ack_flag().seq(101).ack(1).len(100));
    expect(seg().ack_flag().seq(201).ack(1).len(100));
    expect_after(1s, seg().ack_flag().seq(1).ack(1).len(100));  // go back to SND.UNA
    inject(seg().ack_flag().seq(1).ack(1).data("x"));           // peer data, nothing new acknowledged
    expect(seg().ack_flag().seq(301).ack(2).len(0));
    // The whole flight acknowledged at once: nothing is sent twice more.
    inject(seg().ack_flag().seq(2).ack(301));
    expect_silence(5s);
}

TEST_F(TcpTest, Established_KarnTakesNoRttSampleFromRetransmission) {
    USTACK_REQ("MUST-18");
    in_state(State::Established);
    Duration srtt_before = snap().srtt;
    send("x");
    expect(seg().ack_flag().seq(1).data("x"));
    expect_after(1s, seg().ack_flag().seq(1).data("x"));
    advance(50ms);
    inject(seg().ack_flag().seq(1).ack(2));  // acks a retransmitted segment: ambiguous
    EXPECT_EQ(snap().srtt, srtt_before);
}

TEST_F(TcpTest, Established_PartialAckRetransmitsOnlyUnackedData) {
    in_state(State::Established);
    send("helloworld");
    expect(seg().ack_flag().seq(1).data("helloworld"));
    advance(200ms);
    inject(seg().ack_flag().seq(1).ack(6));
    Recorded r = expect_within(2s, seg().ack_flag().seq(6).data("world"));
    EXPECT_EQ(r.at, now());
}

TEST_F(TcpTest, Established_GivesUpAfterR2AndInformsApplication) {
    USTACK_REQ("MUST-20", "SHLD-11", "MUST-12", "MUST-47");
    EXPECT_GE(config().r2_timeout, 100s);
    in_state(State::Established);
    send("hello");
    advance(99s);
    discard_pending();
    expect_state(State::Established);
    advance(600s);  // R2 by default: 15 backed-off retransmissions, 663 s (tcp_robust_r2.cc)
    discard_pending();
    expect_state(State::Closed);
    expect_error(TcpError::TimedOut);
    expect_event(Event::Error);
}

TEST_F(TcpTest, Established_R2IsConfigurable) {
    USTACK_REQ("MUST-21");
    config().r2_timeout = 10s;
    config().r2_retransmissions = 0;  // R2 as a time alone
    in_state(State::Established);
    send("hello");
    advance(9s);
    discard_pending();
    expect_state(State::Established);
    advance(30s);
    discard_pending();
    expect_state(State::Closed);
    expect_error(TcpError::TimedOut);
}

TEST_F(TcpTest, Established_RetransmissionCarriesCurrentAck) {
    in_state(State::Established);
    send("ping");
    expect(seg().ack_flag().seq(1).ack(1).data("ping"));
    inject(seg().ack_flag().seq(1).ack(1).data("pong"));  // acks nothing new
    expect_within(500ms, seg().flags(ACK).seq(5).ack(5));
    expect_after(1s - 0ns, seg().ack_flag().seq(1).ack(5).data("ping"));
}

}  // namespace
}  // namespace ustack::testing
