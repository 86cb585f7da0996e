// RFC 9293 §3.6.1 and §3.10.7.4 in TIME-WAIT: 2*MSL, restarted by a
// retransmitted FIN (MUST-13), RST, and reuse by a new SYN (MAY-2).
#include "tests/harness/harness.h"
#include "tests/harness/req.h"

namespace ustack::testing {
namespace {

using namespace tcp::flags;

TEST_F(TcpTest, TimeWait_DefaultMslIs120Seconds) {
    USTACK_REQ("MUST-13");
    EXPECT_EQ(tcp::TcpConfig{}.msl, 120s);
    in_state(State::TimeWait);
    expect_silence(240s - 1ns);
    expect_state(State::TimeWait);
    advance(1ns);
    expect_state(State::Closed);
}

TEST_F(TcpTest, TimeWait_LastsExactlyTwoMsl) {
    USTACK_REQ("MUST-13");
    config().msl = 1s;
    in_state(State::TimeWait);
    EXPECT_EQ(snap().time_wait_deadline, now() + 2s);
    expect_silence(2s - 1ns);
    expect_state(State::TimeWait);
    advance(1ns);
    expect_state(State::Closed);
    EXPECT_TRUE(conn().fully_closed());
    expect_silence(10s);
}

TEST_F(TcpTest, TimeWait_RetransmittedFinReAckedAndRestartsTimer) {
    USTACK_REQ("MUST-13");
    config().msl = 1s;
    in_state(State::TimeWait);
    advance(1500ms);
    inject(seg().fin().ack_flag().seq(1).ack(2));  // our last ACK was lost
    expect(seg().flags(ACK).seq(2).ack(2));
    expect_silence(2s - 1ns);                      // a full 2*MSL from the retransmitted FIN
    expect_state(State::TimeWait);
    advance(1ns);
    expect_state(State::Closed);
}

TEST_F(TcpTest, TimeWait_RstAtRcvNxtCloses) {
    in_state(State::TimeWait);
    inject(seg().rst().seq(2));
    expect_silence();
    expect_state(State::Closed);
}

TEST_F(TcpTest, TimeWait_SegmentsToExpiredConnectionGetRst) {
    config().msl = 1s;
    in_state(State::TimeWait);
    advance(2s);
    inject(seg().ack_flag().seq(2).ack(2).data("x"));
    expect(seg().flags(RST).seq(2));  // no TCB left: §3.10.7.1
}

TEST_F(TcpTest, TimeWait_PassiveSideNewSynReopensConnection) {
    USTACK_REQ("MAY-2");
    in_state(State::TimeWait, Open::Passive);
    inject(seg().syn().seq(100000).mss(1460));  // SEG.SEQ > RCV.NXT
    Recorded r = expect(seg().flags(SYN | ACK).ack(100001).mss(1460));
    EXPECT_GT(rel_seq(r), 2);  // new ISS above the old SND.NXT
    auto fresh = layer().find(tuple());
    ASSERT_TRUE(fresh);
    EXPECT_NE(fresh.get(), &conn());  // the old TIME-WAIT connection is gone
    EXPECT_EQ(fresh->state(), State::SynReceived);
}

TEST_F(TcpTest, TimeWait_OldDuplicateSynNotReopening) {
    in_state(State::TimeWait, Open::Passive);
    inject(seg().syn().seq(0).mss(1460));  // SEG.SEQ below RCV.NXT: an old duplicate
    expect(seg().flags(ACK).seq(2).ack(2));  // challenge ACK (§3.10.7.4 fourth step)
    expect_state(State::TimeWait);
}

}  // namespace
}  // namespace ustack::testing
