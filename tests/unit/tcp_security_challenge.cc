// RFC 5961 as RFC 9293 §3.10.7.4 adopts it (MAY-12): blind RST (§3), SYN (§4)
// and data injection (§5) draw challenge ACKs, throttled per connection (§7,
// Linux's tcp_invalid_ratelimit) and per stack (tcp/ack_throttle.h).
#include <string>

#include "tests/harness/harness.h"
#include "tests/harness/req.h"

namespace ustack::testing {
namespace {

using namespace tcp::flags;

// §5.2: SEG.ACK below SND.UNA - MAX.SND.WND; here below ISS, which nothing we sent can be.
TEST_F(TcpTest, Security_AckBelowIssDropsDataWithChallengeAck) {
    USTACK_REQ("MAY-12");
    in_state(State::Established);
    inject(seg().ack_flag().seq(1).ack(-100).data("evil"));
    expect(seg().flags(ACK).seq(1).ack(1));  // challenge ACK: RCV.NXT unchanged
    expect_silence(1s);
    EXPECT_EQ(conn().readable(), 0u);
    EXPECT_EQ(layer().counters().challenge_acks_sent, 1u);
}

// SND.UNA 3001 after 3000 octets, MAX.SND.WND 1000: [2001, SND.NXT] is acceptable.
TEST_F(TcpTest, Security_AckOlderThanMaxSndWndDropsData) {
    USTACK_REQ("MAY-12");
    options().peer_window = 1000;
    in_state(State::Established);
    send(std::string(3000, 'a'));
    for (int i = 0; i < 3; ++i) {
        expect(seg().ack_flag().seq(1 + 1000 * i).len(1000));
        inject(seg().ack_flag().seq(1).ack(1001 + 1000 * i));
    }
    EXPECT_EQ(snap().snd_una, snap().iss + 3001);
    inject(seg().ack_flag().seq(1).ack(2000).data("evil"));
    expect(seg().flags(ACK).seq(3001).ack(1));
    EXPECT_EQ(conn().readable(), 0u);
    advance(1s);  // past the per-connection throttle
    inject(seg().ack_flag().seq(1).ack(2001).data("good"));  // an old ACK, but acceptable
    expect_within(500ms, seg().flags(ACK).seq(3001).ack(5));
    EXPECT_EQ(receive(), "good");
}

// RFC 9293 §3.10.7.4 fifth step: a duplicate ACK (SEG.ACK < SND.UNA) is ignored, the text is not.
TEST_F(TcpTest, Security_OldAckWithinWindowKeepsData) {
    in_state(State::Established);
    send("0123456789");
    expect(seg().ack_flag().psh().seq(1).data("0123456789"));
    inject(seg().ack_flag().seq(1).ack(11));
    inject(seg().ack_flag().seq(1).ack(5).data("text"));
    expect_within(500ms, seg().flags(ACK).seq(11).ack(5));
    EXPECT_EQ(receive(), "text");
}

// §5.2: SEG.ACK > SND.NXT: the text is dropped too, and a challenge ACK goes back.
TEST_F(TcpTest, Security_AckOfUnsentDataDropsText) {
    USTACK_REQ("MAY-12");
    in_state(State::Established);
    inject(seg().ack_flag().seq(1).ack(50).data("evil"));
    expect(seg().flags(ACK).seq(1).ack(1));
    EXPECT_EQ(conn().readable(), 0u);
    EXPECT_EQ(layer().counters().challenge_acks_sent, 1u);
}

// §7 per connection (Linux tcp_invalid_ratelimit, 500 ms): one challenge ACK per interval.
TEST_F(TcpTest, Security_SecondChallengeAckWithinIntervalSuppressed) {
    USTACK_REQ("MAY-12");
    in_state(State::Established);
    inject(seg().syn().seq(50).mss(1460));
    expect(seg().flags(ACK).seq(1).ack(1));
    advance(100ms);
    inject(seg().rst().seq(100));  // in window, not RCV.NXT: same budget
    expect_silence();
    advance(399ms);
    inject(seg().syn().seq(60).mss(1460));
    expect_silence();
    advance(1ms);  // 500 ms after the first
    inject(seg().syn().seq(70).mss(1460));
    expect(seg().flags(ACK).seq(1).ack(1));
    EXPECT_EQ(layer().counters().challenge_acks_sent, 2u);
    EXPECT_EQ(layer().counters().challenge_acks_suppressed, 2u);
    expect_state(State::Established);
}

TEST_F(TcpTest, Security_ZeroIntervalDisablesPerConnectionThrottle) {
    config().invalid_ack_interval = Duration::zero();
    in_state(State::Established);
    inject(seg().syn().seq(50).mss(1460));
    expect(seg().flags(ACK).seq(1).ack(1));
    inject(seg().syn().seq(51).mss(1460));
    expect(seg().flags(ACK).seq(1).ack(1));
    EXPECT_EQ(layer().counters().challenge_acks_suppressed, 0u);
}

// An out-of-window segment without text is throttled like a challenge ACK
// (Linux's ACK-loop mitigation); one carrying text is always answered, so a
// retransmission is never left without its ACK.
TEST_F(TcpTest, Security_OutOfWindowPureAckThrottledTextNot) {
    in_state(State::Established);
    inject(seg().ack_flag().seq(70000).ack(1));
    expect(seg().flags(ACK).seq(1).ack(1));
    inject(seg().ack_flag().seq(70000).ack(1));
    expect_silence();
    EXPECT_EQ(layer().counters().oow_acks_suppressed, 1u);
    inject(seg().ack_flag().seq(-10).ack(1).data("old"));
    expect(seg().flags(ACK).seq(1).ack(1));
    inject(seg().ack_flag().seq(-10).ack(1).data("old"));
    expect(seg().flags(ACK).seq(1).ack(1));
    advance(500ms);
    inject(seg().ack_flag().seq(70000).ack(1));
    expect(seg().flags(ACK).seq(1).ack(1));
}

// A SYN in TIME-WAIT that reopens nothing gets the ACK of §3.10.7.4, throttled too.
TEST_F(TcpTest, Security_TimeWaitSynAckThrottled) {
    in_state(State::TimeWait);
    inject(seg().syn().seq(0).mss(1460));
    expect(seg().flags(ACK).seq(2).ack(2));
    inject(seg().syn().seq(0).mss(1460));
    expect_silence();
    expect_state(State::TimeWait);
}

}  // namespace
}  // namespace ustack::testing
