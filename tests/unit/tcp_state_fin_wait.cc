// RFC 9293 §3.10.7.4 in FIN-WAIT-1 and FIN-WAIT-2 (our side closed first, §3.6).
#include "tests/harness/harness.h"
#include "tests/harness/req.h"

namespace ustack::testing {
namespace {

using namespace tcp::flags;

TEST_F(TcpTest, Established_CloseSendsFinEntersFinWait1) {
    in_state(State::Established);
    close();
    expect(seg().flags(FIN | ACK).seq(1).ack(1).len(0).no_mss());
    expect_state(State::FinWait1);
}

TEST_F(TcpTest, Established_CloseSendsQueuedDataBeforeFin) {
    in_state(State::Established);
    send("last words");
    close();
    Recorded r = expect(seg().ack_flag().allow(FIN).seq(1).data("last words"));
    if (!r.header.fin()) expect(seg().flags(FIN | ACK).seq(11).ack(1));
    expect_state(State::FinWait1);
}

TEST_F(TcpTest, FinWait1_AckOfFinEntersFinWait2) {
    in_state(State::FinWait1);
    inject(seg().ack_flag().seq(1).ack(2));
    expect_silence(10s);
    expect_state(State::FinWait2);
}

TEST_F(TcpTest, FinWait1_FinWithAckOfOurFinEntersTimeWait) {
    in_state(State::FinWait1);
    inject(seg().fin().ack_flag().seq(1).ack(2));
    expect_within(500ms, seg().flags(ACK).seq(2).ack(2));
    expect_state(State::TimeWait);
}

TEST_F(TcpTest, FinWait1_FinWithoutAckOfOurFinEntersClosing) {
    in_state(State::FinWait1);
    inject(seg().fin().ack_flag().seq(1).ack(1));  // simultaneous close (§3.6 Figure 13)
    expect_within(500ms, seg().flags(ACK).seq(2).ack(2));
    expect_state(State::Closing);
}

TEST_F(TcpTest, FinWait1_DataStillAcceptedHalfClose) {
    USTACK_REQ("MAY-1");
    in_state(State::FinWait1);
    inject(seg().ack_flag().seq(1).ack(1).data("more"));
    expect_within(500ms, seg().flags(ACK).seq(2).ack(5));
    EXPECT_EQ(receive(), "more");
    expect_state(State::FinWait1);
}

TEST_F(TcpTest, FinWait1_FinRetransmittedAfterRto) {
    USTACK_REQ("MUST-19");
    in_state(State::FinWait1);
    expect_after(1s, seg().flags(FIN | ACK).seq(1).ack(1));
    expect_after(2s, seg().flags(FIN | ACK).seq(1).ack(1));
}

TEST_F(TcpTest, FinWait1_SendAfterCloseRefused) {
    in_state(State::FinWait1);
    EXPECT_EQ(send("x"), 0u);  // §3.10.2: "error: connection closing"
    expect_error(TcpError::ConnectionClosing);
    expect_silence();
}

TEST_F(TcpTest, FinWait1_RstAtRcvNxtResets) {
    USTACK_REQ("MUST-12");
    in_state(State::FinWait1);
    inject(seg().rst().seq(1));
    expect_silence();
    expect_state(State::Closed);
    expect_error(TcpError::ConnectionReset);
}

TEST_F(TcpTest, FinWait2_DataStillAcceptedHalfClose) {
    USTACK_REQ("MAY-1");
    in_state(State::FinWait2);
    inject(seg().ack_flag().seq(1).ack(2).data("still talking"));
    expect_within(500ms, seg().flags(ACK).seq(2).ack(14));
    EXPECT_EQ(receive(), "still talking");
    expect_state(State::FinWait2);
}

TEST_F(TcpTest, FinWait2_FinEntersTimeWait) {
    in_state(State::FinWait2);
    inject(seg().fin().ack_flag().seq(1).ack(2));
    expect_within(500ms, seg().flags(ACK).seq(2).ack(2));
    expect_state(State::TimeWait);
    expect_event(Event::Eof);
}

TEST_F(TcpTest, FinWait2_StaysWhileApplicationHasNotClosedReading) {
    in_state(State::FinWait2);
    expect_silence(300s);  // no FIN-WAIT-2 timeout is required by RFC 9293
    expect_state(State::FinWait2);
}

TEST_F(TcpTest, FinWait2_RstResets) {
    in_state(State::FinWait2);
    inject(seg().rst().seq(1));
    expect_silence();
    expect_state(State::Closed);
    expect_error(TcpError::ConnectionReset);
}

TEST_F(TcpTest, FinWait2_UnacceptableSegmentGetsAck) {
    in_state(State::FinWait2);
    inject(seg().ack_flag().seq(1 + 70000).ack(2).data("x"));
    expect(seg().flags(ACK).seq(2).ack(1));
    expect_state(State::FinWait2);
}

}  // namespace
}  // namespace ustack::testing
