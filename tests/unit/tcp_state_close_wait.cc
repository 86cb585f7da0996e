// RFC 9293 §3.10.7.4 in CLOSE-WAIT, CLOSING and LAST-ACK (§3.6).
#include "tests/harness/harness.h"
#include "tests/harness/req.h"

namespace ustack::testing {
namespace {

using namespace tcp::flags;

TEST_F(TcpTest, CloseWait_DataStillSentHalfClose) {
    USTACK_REQ("MAY-1");
    in_state(State::CloseWait);
    send("reply");
    expect(seg().ack_flag().seq(1).ack(2).data("reply"));
    inject(seg().ack_flag().seq(2).ack(6));
    expect_silence(5s);
    expect_state(State::CloseWait);
}

TEST_F(TcpTest, CloseWait_RetransmittedFinReAcked) {
    in_state(State::CloseWait);
    inject(seg().fin().ack_flag().seq(1).ack(1));  // already acknowledged: unacceptable
    expect(seg().flags(ACK).seq(1).ack(2));
    expect_state(State::CloseWait);
}

TEST_F(TcpTest, CloseWait_CloseSendsFinEntersLastAck) {
    in_state(State::CloseWait);
    close();
    expect(seg().flags(FIN | ACK).seq(1).ack(2));
    expect_state(State::LastAck);
}

TEST_F(TcpTest, CloseWait_RstResets) {
    USTACK_REQ("MUST-12");
    in_state(State::CloseWait);
    inject(seg().rst().seq(2));
    expect_silence();
    expect_state(State::Closed);
    expect_error(TcpError::ConnectionReset);
}

TEST_F(TcpTest, Closing_AckOfFinEntersTimeWait) {
    in_state(State::Closing);
    inject(seg().ack_flag().seq(2).ack(2));
    expect_silence();
    expect_state(State::TimeWait);
}

TEST_F(TcpTest, Closing_FinRetransmittedUntilAcked) {
    in_state(State::Closing);
    expect_after(1s, seg().flags(FIN | ACK).seq(1).ack(2));
    inject(seg().ack_flag().seq(2).ack(2));
    expect_state(State::TimeWait);
}

TEST_F(TcpTest, Closing_RstCloses) {
    in_state(State::Closing);
    inject(seg().rst().seq(2));
    expect_silence();
    expect_state(State::Closed);
}

TEST_F(TcpTest, LastAck_AckOfFinCloses) {
    in_state(State::LastAck);
    inject(seg().ack_flag().seq(2).ack(2));
    expect_silence();
    expect_state(State::Closed);
    EXPECT_TRUE(conn().fully_closed());
    EXPECT_EQ(conn().error(), TcpError::None);
}

TEST_F(TcpTest, LastAck_FinRetransmittedAfterRto) {
    USTACK_REQ("MUST-19");
    in_state(State::LastAck);
    expect_after(1s, seg().flags(FIN | ACK).seq(1).ack(2));
    expect_after(2s, seg().flags(FIN | ACK).seq(1).ack(2));
    expect_state(State::LastAck);
}

TEST_F(TcpTest, LastAck_RetransmittedFinReAcked) {
    in_state(State::LastAck);
    inject(seg().fin().ack_flag().seq(1).ack(1));
    expect(seg().ack_flag().allow(FIN).ack(2));
    expect_state(State::LastAck);
}

TEST_F(TcpTest, LastAck_RstCloses) {
    in_state(State::LastAck);
    inject(seg().rst().seq(2));
    expect_silence();
    expect_state(State::Closed);
}

}  // namespace
}  // namespace ustack::testing
