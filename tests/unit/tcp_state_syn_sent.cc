// RFC 9293 §3.10.7.3: segments arriving in SYN-SENT, and the SYN's own
// retransmission (§3.8.1, §3.8.3).
#include "tests/harness/harness.h"
#include "tests/harness/req.h"

namespace ustack::testing {
namespace {

using namespace tcp::flags;

TEST_F(TcpTest, SynSent_ConnectSendsSynWithMss) {
    USTACK_REQ("MUST-14", "MAY-3");
    connect();
    expect(seg().flags(SYN).seq(0).win(65535).mss(1460).len(0));
    expect_state(State::SynSent);
}

TEST_F(TcpTest, SynSent_SynAckEstablishesAndAcksWithoutMss) {
    USTACK_REQ("MUST-65");
    in_state(State::SynSent);
    inject(seg().syn().ack_flag().seq(0).ack(1).mss(1460));
    expect(seg().flags(ACK).seq(1).ack(1).win(65535).no_mss().len(0));
    expect_state(State::Established);
    expect_event(Event::Established);
}

TEST_F(TcpTest, SynSent_RstWithAcceptableAckRefusesConnection) {
    USTACK_REQ("MUST-12", "MUST-47");
    in_state(State::SynSent);
    inject(seg().rst().ack_flag().seq(0).ack(1));
    expect_silence();
    expect_state(State::Closed);
    expect_error(TcpError::ConnectionRefused);
    expect_event(Event::Error);
}

TEST_F(TcpTest, SynSent_RstWithUnacceptableAckIgnored) {
    in_state(State::SynSent);
    inject(seg().rst().ack_flag().seq(0).ack(7));
    expect_silence();  // never a RST in reply to a RST
    expect_state(State::SynSent);
}

TEST_F(TcpTest, SynSent_RstWithoutAckIgnored) {
    in_state(State::SynSent);
    inject(seg().rst().seq(0));
    expect_silence();
    expect_state(State::SynSent);
}

TEST_F(TcpTest, SynSent_AckBeyondSndNxtAnsweredWithRst) {
    in_state(State::SynSent);
    inject(seg().ack_flag().seq(0).ack(7));
    expect(seg().flags(RST).seq(7));  // SEG.ACK > SND.NXT: <SEQ=SEG.ACK><CTL=RST>
    expect_state(State::SynSent);
}

TEST_F(TcpTest, SynSent_AckOfIssAnsweredWithRst) {
    in_state(State::SynSent);
    inject(seg().syn().ack_flag().seq(0).ack(0));  // SEG.ACK =< ISS
    expect(seg().flags(RST).seq(0));
    expect_state(State::SynSent);
}

TEST_F(TcpTest, SynSent_AcceptableAckWithoutSynDropped) {
    in_state(State::SynSent);
    inject(seg().ack_flag().seq(0).ack(1));  // neither SYN nor RST: drop
    expect_silence();
    expect_state(State::SynSent);
}

TEST_F(TcpTest, SynSent_SynEntersSynReceivedSimultaneousOpen) {
    USTACK_REQ("MUST-10");
    in_state(State::SynSent);
    inject(seg().syn().seq(0).mss(1460));
    expect(seg().syn().ack_flag().seq(0).ack(1).mss(1460));  // <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>
    expect_state(State::SynReceived);
}

TEST_F(TcpTest, SynSent_AbortSendsNothing) {
    in_state(State::SynSent);
    abort();
    expect_silence(10s);  // §3.10.5: SYN-SENT ABORT deletes the TCB, no RST
    expect_state(State::Closed);
}

TEST_F(TcpTest, SynSent_SynRetransmittedWithExponentialBackoff) {
    USTACK_REQ("MUST-19", "MUST-22");
    in_state(State::SynSent);
    EXPECT_EQ(snap().rto, 1s);  // RFC 6298 (2.1): initial RTO 1 s
    expect_after(1s, seg().flags(SYN).seq(0).mss(1460));
    expect_after(2s, seg().flags(SYN).seq(0).mss(1460));
    expect_after(4s, seg().flags(SYN).seq(0).mss(1460));
    expect_after(8s, seg().flags(SYN).seq(0).mss(1460));
    EXPECT_EQ(snap().retransmissions, 4u);
}

TEST_F(TcpTest, SynSent_GivesUpAfterR2ButNotBeforeThreeMinutes) {
    USTACK_REQ("MUST-20", "MUST-22", "MUST-23", "SHLD-11", "MUST-47");
    EXPECT_GE(config().r2_syn_timeout, 180s);
    in_state(State::SynSent);
    advance(179s);
    discard_pending();
    expect_state(State::SynSent);
    advance(120s);
    discard_pending();
    expect_state(State::Closed);
    expect_error(TcpError::TimedOut);
    expect_event(Event::Error);
}

TEST_F(TcpTest, SynSent_KarnTakesNoRttSampleFromRetransmittedSyn) {
    USTACK_REQ("MUST-18");
    in_state(State::SynSent);
    expect_after(1s, seg().flags(SYN).seq(0));
    advance(300ms);  // ambiguous: an answer to the first or the second SYN?
    inject(seg().syn().ack_flag().seq(0).ack(1).mss(1460));
    expect(seg().flags(ACK).seq(1).ack(1));
    EXPECT_EQ(snap().srtt, Duration::zero());
}

TEST_F(TcpTest, SynSent_SynAckRttSampled) {
    in_state(State::SynSent);
    advance(100ms);
    inject(seg().syn().ack_flag().seq(0).ack(1).mss(1460));
    expect(seg().flags(ACK).seq(1).ack(1));
    EXPECT_EQ(snap().srtt, 100ms);  // RFC 6298 (2.2): SRTT <- R
    EXPECT_EQ(snap().rttvar, 50ms);
    EXPECT_EQ(snap().rto, 1s);      // max(R + 4 * RTTVAR, 1 s floor)
}

TEST_F(TcpTest, SynSent_SynAckWithDataDelivered) {
    in_state(State::SynSent);
    inject(seg().syn().ack_flag().seq(0).ack(1).mss(1460).data("hi"));  // §3.10.7.3: continue at the sixth step
    expect_within(500ms, seg().flags(ACK).seq(1).ack(3));
    expect_state(State::Established);
    EXPECT_EQ(receive(), "hi");
}

}  // namespace
}  // namespace ustack::testing
