// Delayed ACK (RFC 9293 §3.8.6.3; RFC 5681 §4.2): SHLD-18, MUST-40, SHLD-19.
#include "tests/harness/harness.h"
#include "tests/harness/req.h"

namespace ustack::testing {
namespace {
using namespace tcp::flags;

class DelayedAck : public TcpTest {
protected:
    void SetUp() override {
        config().quick_ack_segments = 0;  // no quick-ACK start: every segment may be delayed
        config().delayed_ack_timeout = 200ms;
    }
};

TEST_F(DelayedAck, Established_SingleSegmentAckedAfterTimeout) {
    USTACK_REQ("SHLD-18", "MUST-40");
    in_state(State::Established);
    inject(seg().ack_flag().seq(1).ack(1).data("abc"));
    expect_after(200ms, seg().flags(ACK).seq(1).ack(4));  // delayed, under 0.5 s
}

TEST_F(DelayedAck, Established_EverySecondSegmentAckedAtOnce) {
    USTACK_REQ("SHLD-19");
    in_state(State::Established);
    inject(seg().ack_flag().seq(1).ack(1).data_len(1460));
    expect_silence();
    inject(seg().ack_flag().seq(1461).ack(1).data_len(1460));
    expect(seg().flags(ACK).ack(2921));
    expect_silence(1s);  // nothing left owed
}

TEST_F(DelayedAck, Established_OutOfOrderAckedAtOnce) {
    in_state(State::Established);
    inject(seg().ack_flag().seq(11).ack(1).data("later"));
    expect(seg().flags(ACK).ack(1));  // a duplicate ACK, at once (RFC 5681 §4.2)
}

TEST_F(DelayedAck, Established_SegmentFillingGapAckedAtOnce) {
    in_state(State::Established);
    inject(seg().ack_flag().seq(6).ack(1).data("world"));
    expect(seg().flags(ACK).ack(1));
    inject(seg().ack_flag().seq(1).ack(1).data("hello"));
    expect(seg().flags(ACK).ack(11));
}

TEST_F(DelayedAck, Established_FinAckedAtOnce) {
    in_state(State::Established);
    inject(seg().ack_flag().fin().seq(1).ack(1).data("bye"));
    expect(seg().flags(ACK).ack(5));
    expect_state(State::CloseWait);
}

TEST_F(DelayedAck, Established_DataPiggybacksTheAck) {
    in_state(State::Established);
    inject(seg().ack_flag().seq(1).ack(1).data("ping"));
    expect_silence();
    send("pong");
    expect(seg().ack_flag().psh().seq(1).ack(5).data("pong"));
    expect_silence(500ms);  // the ACK rode on the data: none follows (the RTO is 1 s)
}

TEST_F(DelayedAck, DisabledByConfig_AckedAtOnce) {
    config().delayed_ack = false;
    in_state(State::Established);
    inject(seg().ack_flag().seq(1).ack(1).data("abc"));
    expect(seg().flags(ACK).ack(4));
}

TEST_F(TcpTest, DelayedAck_FirstSegmentsAckedAtOnceThenDelayed) {
    config().quick_ack_segments = 2;
    in_state(State::Established);
    inject(seg().ack_flag().seq(1).ack(1).data("a"));
    expect(seg().flags(ACK).ack(2));
    inject(seg().ack_flag().seq(2).ack(1).data("b"));
    expect(seg().flags(ACK).ack(3));
    inject(seg().ack_flag().seq(3).ack(1).data("c"));
    expect_after(config().delayed_ack_timeout, seg().flags(ACK).ack(4));
}

TEST_F(TcpTest, DelayedAck_AfterAGapFilled_NextSegmentsAckedAtOnce) {
    // The sender is recovering a loss: a delayed ACK would cost it 200 ms of
    // RTT (a larger RTO, slower pacing) or a timeout. Linux's quick-ACK mode.
    config().quick_ack_segments = 2;
    in_state(State::Established);
    inject(seg().ack_flag().seq(1).ack(1).data("a"));  // quick-ACK start used up
    expect(seg().flags(ACK).ack(2));
    inject(seg().ack_flag().seq(2).ack(1).data("b"));
    expect(seg().flags(ACK).ack(3));
    inject(seg().ack_flag().seq(4).ack(1).data("d"));  // out of order: a duplicate ACK
    expect(seg().flags(ACK).ack(3));
    inject(seg().ack_flag().seq(3).ack(1).data("c"));  // fills the gap: quick mode again (c counts)
    expect(seg().flags(ACK).ack(5));
    inject(seg().ack_flag().seq(5).ack(1).data("e"));  // in order, after the gap: at once
    expect(seg().flags(ACK).ack(6));
    inject(seg().ack_flag().seq(6).ack(1).data("f"));  // quick mode over again: delayed
    expect_after(config().delayed_ack_timeout, seg().flags(ACK).ack(7));
}

TEST_F(TcpTest, DelayedAck_AfterARetransmittedSegment_NextSegmentAckedAtOnce) {
    // Text we had already: our ACK was lost, the peer resent; the next
    // segments are ACKed at once (Linux's tcp_send_dupack).
    config().quick_ack_segments = 1;
    in_state(State::Established);
    inject(seg().ack_flag().seq(1).ack(1).data("a"));
    expect(seg().flags(ACK).ack(2));
    inject(seg().ack_flag().seq(1).ack(1).data("a"));  // again
    expect(seg().flags(ACK).ack(2));
    inject(seg().ack_flag().seq(2).ack(1).data("b"));
    expect(seg().flags(ACK).ack(3));
}

}  // namespace
}  // namespace ustack::testing
