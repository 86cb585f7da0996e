// RFC 9293 §3.10.7.4, the steps common to every synchronized state, run in
// each of the seven: sequence check, RST (with RFC 5961 §3 as adopted), SYN
// (challenge ACK), and the ACK field (too new, duplicate, absent).
#include "tests/harness/harness.h"
#include "tests/harness/req.h"

namespace ustack::testing {
namespace {

using namespace tcp::flags;

// A synchronized state and the fixture's SND.UNA / SND.NXT / RCV.NXT (relative).
struct Sync { State state; int64_t snd_una; int64_t snd_nxt; int64_t rcv_nxt; };

class Synchronized : public ::testing::TestWithParam<Sync>, public Harness {
protected:
    void SetUp() override { in_state(GetParam().state); }
    int64_t snd_una() const { return GetParam().snd_una; }  // an ACK that changes nothing
    int64_t snd_nxt() const { return GetParam().snd_nxt; }
    int64_t rcv_nxt() const { return GetParam().rcv_nxt; }
    bool before_peer_fin() const { return tcp::can_receive_data(GetParam().state); }
};

TEST_P(Synchronized, SynGetsChallengeAck) {
    USTACK_REQ("MAY-12");
    inject(seg().syn().seq(rcv_nxt() + 10).mss(1460));  // in window, or not: irrespective
    expect(seg().flags(ACK).seq(snd_nxt()).ack(rcv_nxt()).no_mss());
    expect_state(GetParam().state);
}

TEST_P(Synchronized, RstRightOfWindowIgnored) {
    inject(seg().rst().seq(rcv_nxt() + 70000));
    expect_silence();
    expect_state(GetParam().state);
}

TEST_P(Synchronized, RstLeftOfWindowIgnored) {
    inject(seg().rst().ack_flag().seq(rcv_nxt() - 1).ack(snd_una()));
    expect_silence();  // never a RST for a RST, and no challenge ACK out of window
    expect_state(GetParam().state);
}

TEST_P(Synchronized, RstAtRcvNxtCloses) {
    USTACK_REQ("MUST-12");
    inject(seg().rst().seq(rcv_nxt()));
    expect_silence();
    expect_state(State::Closed);
    // ESTABLISHED, FIN-WAIT-1/2, CLOSE-WAIT: the user gets "connection reset".
    if (GetParam().state == State::Established || GetParam().state == State::FinWait1 ||
        GetParam().state == State::FinWait2 || GetParam().state == State::CloseWait)
        expect_error(TcpError::ConnectionReset);
}

TEST_P(Synchronized, RstInWindowNotAtRcvNxtGetsChallengeAck) {
    USTACK_REQ("MAY-12");
    inject(seg().rst().seq(rcv_nxt() + 100));
    expect(seg().flags(ACK).seq(snd_nxt()).ack(rcv_nxt()));
    expect_state(GetParam().state);
}

TEST_P(Synchronized, SegmentRightOfWindowGetsAck) {
    inject(seg().ack_flag().seq(rcv_nxt() + 65535 + 1).ack(snd_una()).data("x"));
    expect(seg().flags(ACK).seq(snd_nxt()).ack(rcv_nxt()));
    expect_state(GetParam().state);
}

TEST_P(Synchronized, OldDuplicateSegmentGetsAck) {
    inject(seg().ack_flag().seq(rcv_nxt() - 3).ack(snd_una()).data("old"));  // entirely left of RCV.NXT
    expect(seg().flags(ACK).seq(snd_nxt()).ack(rcv_nxt()));
    expect_state(GetParam().state);
}

TEST_P(Synchronized, SegmentWithoutAckBitDropped) {
    inject(seg().seq(rcv_nxt()));  // fifth step: "if the ACK bit is off, drop the segment"
    expect_silence();
    expect_state(GetParam().state);
}

TEST_P(Synchronized, AckOfUnsentDataGetsAck) {
    if (GetParam().state == State::TimeWait) GTEST_SKIP() << "TIME-WAIT only expects a FIN retransmission";
    inject(seg().ack_flag().seq(rcv_nxt()).ack(snd_nxt() + 50));
    expect(seg().flags(ACK).seq(snd_nxt()).ack(rcv_nxt()));
    expect_state(GetParam().state);
}

TEST_P(Synchronized, OldAckIgnored) {
    inject(seg().ack_flag().seq(rcv_nxt()).ack(0));  // SEG.ACK < SND.UNA: a duplicate
    expect_silence();
    expect_state(GetParam().state);
}

TEST_P(Synchronized, DataInWindowAcceptedOnlyBeforePeerFin) {
    inject(seg().ack_flag().seq(rcv_nxt()).ack(snd_una()).data("late"));
    if (before_peer_fin()) {
        expect_within(500ms, seg().flags(ACK).seq(snd_nxt()).ack(rcv_nxt() + 4));
        EXPECT_EQ(receive(), "late");
    } else {
        discard_pending();  // §3.10.7.4 seventh step: "ignore the segment text"
        EXPECT_EQ(conn().readable(), 0u);
    }
    expect_state(GetParam().state);
}

std::string sync_name(const ::testing::TestParamInfo<Sync>& info) {
    std::string s(tcp::to_string(info.param.state));
    std::erase(s, '-');
    return s;
}

INSTANTIATE_TEST_SUITE_P(AllSynchronizedStates, Synchronized, ::testing::Values(
    Sync{State::Established, 1, 1, 1}, Sync{State::FinWait1, 1, 2, 1}, Sync{State::FinWait2, 2, 2, 1},
    Sync{State::CloseWait, 1, 1, 2}, Sync{State::Closing, 1, 2, 2}, Sync{State::LastAck, 1, 2, 2},
    Sync{State::TimeWait, 2, 2, 2}), sync_name);

}  // namespace
}  // namespace ustack::testing
