// RFC 9293 §3.10.7.4 in SYN-RECEIVED (passive, and active after a
// simultaneous open §3.5).
#include "tests/harness/harness.h"
#include "tests/harness/req.h"

namespace ustack::testing {
namespace {

using namespace tcp::flags;

TEST_F(TcpTest, SynReceived_AckCompletesHandshake) {
    in_state(State::SynReceived, Open::Passive);
    inject(seg().ack_flag().seq(1).ack(1));
    expect_silence();
    expect_state(State::Established);
    expect_event(Event::Acceptable);
    EXPECT_EQ(listener()->ready(), 1u);
    accept();
    expect_state(State::Established);
}

TEST_F(TcpTest, SynReceived_UnacceptableAckAnsweredWithRst) {
    in_state(State::SynReceived, Open::Passive);
    inject(seg().ack_flag().seq(1).ack(9));
    expect(seg().flags(RST).seq(9));  // <SEQ=SEG.ACK><CTL=RST>
    expect_state(State::SynReceived);
}

TEST_F(TcpTest, SynReceived_RstReturnsPassiveOpenToListen) {
    USTACK_REQ("MUST-11");
    in_state(State::SynReceived, Open::Passive);
    inject(seg().rst().seq(1));
    expect_silence();
    expect_state(State::Listen);
    EXPECT_EQ(listener()->ready(), 0u);
    inject(seg().syn().seq(100).mss(1460));  // the listener still answers
    expect(seg().syn().ack_flag().seq(0).ack(101));
}

TEST_F(TcpTest, SynReceived_RstAfterSimultaneousOpenRefuses) {
    USTACK_REQ("MUST-11", "MUST-12");
    in_state(State::SynReceived, Open::Active);
    inject(seg().rst().seq(1));
    expect_silence();
    expect_state(State::Closed);
    expect_error(TcpError::ConnectionRefused);
}

TEST_F(TcpTest, SynReceived_SimultaneousOpenCompletesWithSynAck) {
    USTACK_REQ("MUST-10");
    in_state(State::SynReceived, Open::Active);
    inject(seg().syn().ack_flag().seq(0).ack(1));  // the peer's SYN,ACK (§3.5 Figure 8 line 6)
    expect_state(State::Established);
    discard_pending();  // an ACK for the duplicate SYN is allowed
    inject(seg().ack_flag().seq(1).ack(1).data("hi"));
    expect(seg().flags(ACK).seq(1).ack(3));
}

TEST_F(TcpTest, SynReceived_SimultaneousOpenCompletesWithAck) {
    USTACK_REQ("MUST-10");
    in_state(State::SynReceived, Open::Active);
    inject(seg().ack_flag().seq(1).ack(1));
    expect_silence();
    expect_state(State::Established);
    expect_event(Event::Established);
}

TEST_F(TcpTest, SynReceived_SynAckRetransmittedWithBackoff) {
    USTACK_REQ("MUST-19");
    in_state(State::SynReceived, Open::Passive);
    expect_after(1s, seg().flags(SYN | ACK).seq(0).ack(1).mss(1460));
    expect_after(2s, seg().flags(SYN | ACK).seq(0).ack(1).mss(1460));
    expect_state(State::SynReceived);
}

TEST_F(TcpTest, SynReceived_DuplicateSynGetsAckAndKeepsState) {
    in_state(State::SynReceived, Open::Passive);
    inject(seg().syn().seq(0).mss(1460));  // left of the window: unacceptable
    expect(seg().ack_flag().allow(SYN).ack(1));  // an ACK (or the SYN,ACK again)
    EXPECT_EQ(layer().connection_count(), 1u);
    expect_state(State::SynReceived);
}

TEST_F(TcpTest, SynReceived_AckWithDataDelivered) {
    in_state(State::SynReceived, Open::Passive);
    inject(seg().ack_flag().seq(1).ack(1).data("hello"));
    expect(seg().flags(ACK).seq(1).ack(6));
    accept();
    EXPECT_EQ(receive(), "hello");
}

TEST_F(TcpTest, SynReceived_FinWithAckEntersCloseWait) {
    in_state(State::SynReceived, Open::Passive);
    inject(seg().fin().ack_flag().seq(1).ack(1));
    expect(seg().flags(ACK).seq(1).ack(2));
    expect_state(State::CloseWait);
}

TEST_F(TcpTest, SynReceived_SegmentWithoutAckBitDropped) {
    in_state(State::SynReceived, Open::Passive);
    inject(seg().seq(1).data("early"));  // fifth check: ACK bit off, drop
    expect_silence();
    expect_state(State::SynReceived);
}

TEST_F(TcpTest, SynReceived_SynInWindowReturnsPassiveOpenToListen) {
    in_state(State::SynReceived, Open::Passive);
    inject(seg().syn().seq(10).mss(1460));  // passes the sequence check; fourth step: back to LISTEN
    discard_pending();
    expect_state(State::Listen);
}

TEST_F(TcpTest, SynReceived_RstOutOfWindowIgnored) {
    in_state(State::SynReceived, Open::Passive);
    inject(seg().rst().seq(70000));
    expect_silence();
    expect_state(State::SynReceived);
}

}  // namespace
}  // namespace ustack::testing
