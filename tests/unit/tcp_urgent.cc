// Urgent data (RFC 9293 §3.8.5, §3.10.7.4 sixth step; RFC 6093): the pointer
// names the first non-urgent octet, data stays inline (MUST-30/31/32/33/62).
#include "tests/harness/harness.h"
#include "tests/harness/req.h"

namespace ustack::testing {
namespace {

using namespace tcp::flags;

// ---- Sending: SND.UP and the URG bit ----

TEST_F(TcpTest, Urgent_SendSetsUrgWithPointerPastLastUrgentOctet) {
    USTACK_REQ("MUST-30", "MUST-62");
    in_state(State::Established);
    EXPECT_EQ(send_urgent("abc"), 3u);
    // SND.UP = ISS+1+3: SEG.UP = SND.UP - SEG.SEQ = 3, the octet after "c".
    expect(seg().flags(ACK | PSH | URG).seq(1).ack(1).urgent_ptr(3).data("abc"));
}

TEST_F(TcpTest, Urgent_NormalDataBeforeIsCoveredAndNagleDoesNotHoldUrgent) {
    USTACK_REQ("MUST-30", "MUST-62");
    in_state(State::Established);
    send("hello");
    expect(seg().flags(ACK | PSH).seq(1).data("hello"));  // no URG: no urgent data yet
    send_urgent("!");
    // Nagle would hold this small segment while "hello" is unacknowledged;
    // urgent data goes at once (as Linux).
    expect(seg().flags(ACK | PSH | URG).seq(6).urgent_ptr(1).data("!"));
}

TEST_F(TcpTest, Urgent_LongUrgentDataEverySegmentCarriesPointer) {
    USTACK_REQ("MUST-31", "MUST-62");
    options().peer_mss = 1000;
    in_state(State::Established);
    send_urgent(std::string(2500, 'u'));
    expect(seg().flags(ACK | URG).seq(1).len(1000).urgent_ptr(2500));
    expect(seg().flags(ACK | URG).seq(1001).len(1000).urgent_ptr(1500));
    expect(seg().flags(ACK | PSH | URG).seq(2001).len(500).urgent_ptr(500));
}

TEST_F(TcpTest, Urgent_PointerBeyond16BitsSentAs0xFFFF) {
    USTACK_REQ("MUST-31");
    config().send_buffer = 200000;
    options().peer_mss = 1000;
    in_state(State::Established);
    EXPECT_EQ(send_urgent(std::string(100000, 'u')), 100000u);
    // SND.UP is 100000 octets out: the 16-bit field says "at least 0xFFFF" (Linux).
    expect(seg().flags(ACK | URG).seq(1).len(1000).urgent_ptr(0xFFFF));
    expect(seg().flags(ACK | URG).seq(1001).len(1000).urgent_ptr(0xFFFF));
}

TEST_F(TcpTest, Urgent_RetransmissionCarriesUrg) {
    USTACK_REQ("MUST-30");
    in_state(State::Established);
    send_urgent("abc");
    expect(seg().flags(ACK | PSH | URG).seq(1).urgent_ptr(3).data("abc"));
    expect_after(1s, seg().flags(ACK | PSH | URG).seq(1).urgent_ptr(3).data("abc"));
}

TEST_F(TcpTest, Urgent_ZeroWindowProbeCarriesUrg) {
    USTACK_REQ("MUST-30");
    in_state(State::Established);
    inject(seg().ack_flag().seq(1).ack(1).win(0));
    send_urgent("abc");
    expect_silence();
    expect_after(1s, seg().flags(ACK | URG).seq(1).urgent_ptr(3).data("a"));
    inject(seg().ack_flag().seq(1).ack(2).win(100));  // the probe was taken, window open
    expect(seg().flags(ACK | PSH | URG).seq(2).urgent_ptr(2).data("bc"));
}

TEST_F(TcpTest, Urgent_AckSentDuringZeroWindowCarriesUrg) {
    USTACK_REQ("MUST-30");
    in_state(State::Established);
    inject(seg().ack_flag().seq(1).ack(1).win(0));
    send_urgent("abc");
    expect_silence();
    // The urgent data cannot go, but the pointer can: every ACK carries it.
    inject(seg().ack_flag().seq(1).ack(1).win(0).data("hi"));
    expect_within(500ms, seg().flags(ACK | URG).seq(1).ack(3).urgent_ptr(3).len(0));
}

TEST_F(TcpTest, Urgent_AcknowledgedUrgentDataEndsUrgentMode) {
    USTACK_REQ("MUST-30");
    in_state(State::Established);
    send_urgent("abc");
    expect(seg().flags(ACK | PSH | URG).seq(1).urgent_ptr(3).data("abc"));
    inject(seg().ack_flag().seq(1).ack(4));
    send("d");
    expect(seg().flags(ACK | PSH).seq(4).data("d"));
}

TEST_F(TcpTest, Urgent_SecondUrgentSendMovesPointer) {
    USTACK_REQ("MUST-30", "MUST-62");
    in_state(State::Established);
    send_urgent("ab");
    expect(seg().flags(ACK | PSH | URG).seq(1).urgent_ptr(2).data("ab"));
    send_urgent("cd");
    expect(seg().flags(ACK | PSH | URG).seq(3).urgent_ptr(2).data("cd"));
    // Go-back-N from SND.UNA: SND.UP = 5 now, so SEG.UP = 4.
    expect_after(1s, seg().flags(ACK | PSH | URG).seq(1).urgent_ptr(4).data("abcd"));
}

// ---- Receiving: RCV.UP, the signal and the count ----

TEST_F(TcpTest, Urgent_ReceivedSignalledCountedAndReadInline) {
    USTACK_REQ("MUST-30", "MUST-32", "MUST-33", "MUST-62");
    in_state(State::Established);
    inject(seg().ack_flag().urg().urgent_ptr(3).seq(1).ack(1).data("abcdef"));
    expect_within(500ms, seg().flags(ACK).ack(7));  // our ACK carries no URG
    expect_event(Event::Urgent);
    EXPECT_EQ(conn().urgent_remaining(), 3u);  // "abc": the pointer names "d", the first non-urgent octet
    EXPECT_FALSE(conn().at_urgent_mark());
    EXPECT_EQ(receive(), "abc");  // a read stops at the mark
    EXPECT_EQ(conn().urgent_remaining(), 0u);
    EXPECT_TRUE(conn().at_urgent_mark());
    EXPECT_EQ(receive(), "def");  // inline: nothing was taken out of band
    EXPECT_FALSE(conn().at_urgent_mark());
}

TEST_F(TcpTest, Urgent_SamePointerInLaterSegmentsSignalledOnce) {
    USTACK_REQ("MUST-32");
    in_state(State::Established);
    inject(seg().ack_flag().urg().urgent_ptr(4).seq(1).ack(1).data("ab"));  // RCV.UP = 5
    expect_event(Event::Urgent);
    inject(seg().ack_flag().urg().urgent_ptr(2).seq(3).ack(1).data("cd"));  // RCV.UP still 5
    expect_no_event(Event::Urgent);
    EXPECT_EQ(conn().urgent_remaining(), 4u);
    EXPECT_EQ(receive(), "abcd");
    EXPECT_TRUE(conn().at_urgent_mark());
}

TEST_F(TcpTest, Urgent_AdvancedPointerSignalledAgain) {
    USTACK_REQ("MUST-32", "MUST-33");
    in_state(State::Established);
    inject(seg().ack_flag().urg().urgent_ptr(1).seq(1).ack(1).data("ab"));
    expect_event(Event::Urgent);
    EXPECT_EQ(receive(), "a");
    EXPECT_EQ(receive(), "b");
    inject(seg().ack_flag().urg().urgent_ptr(2).seq(3).ack(1).data("cde"));
    expect_event(Event::Urgent);
    EXPECT_EQ(conn().urgent_remaining(), 2u);
    EXPECT_EQ(receive(), "cd");
    EXPECT_EQ(receive(), "e");
}

TEST_F(TcpTest, Urgent_PointerBeyondReceivedDataCountsArbitraryLength) {
    USTACK_REQ("MUST-31", "MUST-33");
    in_state(State::Established);
    inject(seg().ack_flag().urg().urgent_ptr(3000).seq(1).ack(1).data("ab"));
    expect_event(Event::Urgent);
    EXPECT_EQ(conn().urgent_remaining(), 3000u);  // most of it has not arrived yet
    EXPECT_EQ(receive(), "ab");
    EXPECT_EQ(conn().urgent_remaining(), 2998u);
    EXPECT_FALSE(conn().at_urgent_mark());
}

TEST_F(TcpTest, Urgent_BareAckWithPointerSignals) {
    USTACK_REQ("MUST-32", "MUST-33");
    in_state(State::Established);
    inject(seg().ack_flag().urg().urgent_ptr(10).seq(1).ack(1));  // no text: only the pointer
    expect_silence();
    expect_event(Event::Urgent);
    EXPECT_EQ(conn().urgent_remaining(), 10u);
}

TEST_F(TcpTest, Urgent_PointerBehindReadPositionIgnored) {
    USTACK_REQ("MUST-32");
    in_state(State::Established);
    inject(seg().ack_flag().seq(1).ack(1).data("abcd"));
    EXPECT_EQ(receive(), "abcd");
    inject(seg().ack_flag().urg().urgent_ptr(2).seq(3).ack(1).data("cdef"));  // RCV.UP = 5, already read
    expect_no_event(Event::Urgent);
    EXPECT_EQ(conn().urgent_remaining(), 0u);
    EXPECT_EQ(receive(), "ef");
}

TEST_F(TcpTest, Urgent_ProcessedWithZeroReceiveWindow) {
    USTACK_REQ("MUST-66");
    config().recv_buffer = 10;
    in_state(State::Established);
    inject(seg().ack_flag().seq(1).ack(1).data("0123456789"));
    expect_within(500ms, seg().flags(ACK).ack(11).win(0));
    inject(seg().ack_flag().urg().urgent_ptr(1).seq(11).ack(1).data("!"));  // not acceptable as text
    expect(seg().flags(ACK).seq(1).ack(11).win(0));
    expect_event(Event::Urgent);
    EXPECT_EQ(conn().urgent_remaining(), 11u);
}

TEST_F(TcpTest, Urgent_ProcessedInFinWait1) {
    USTACK_REQ("MUST-32");
    in_state(State::FinWait1);
    inject(seg().ack_flag().urg().urgent_ptr(2).seq(1).ack(1).data("xy"));  // our FIN not acknowledged
    expect_state(State::FinWait1);
    expect_event(Event::Urgent);
    EXPECT_EQ(conn().urgent_remaining(), 2u);
}

TEST_F(TcpTest, Urgent_ProcessedInFinWait2) {
    USTACK_REQ("MUST-32");
    in_state(State::FinWait2);
    inject(seg().ack_flag().urg().urgent_ptr(2).seq(1).data("xy"));
    expect_event(Event::Urgent);
    EXPECT_EQ(conn().urgent_remaining(), 2u);
}

TEST_F(TcpTest, Urgent_IgnoredInCloseWait) {
    in_state(State::CloseWait);  // the peer's FIN took sequence number 1
    inject(seg().ack_flag().urg().urgent_ptr(5).seq(2));
    expect_no_event(Event::Urgent);
    EXPECT_EQ(conn().urgent_remaining(), 0u);
}

}  // namespace
}  // namespace ustack::testing
