// RFC 9293 §3.8.6: a shrinking window (MUST-34), silly window syndrome
// avoidance on both sides (§3.8.6.2.1 MUST-38, §3.8.6.2.2 MUST-39), ACK
// aggregation (§3.10.7.4, MUST-58) and never holding data back (§3.9.1.2, MUST-60).
#include "tests/harness/harness.h"
#include "tests/harness/req.h"

namespace ustack::testing {
namespace {

using namespace tcp::flags;

TEST_F(TcpTest, Established_ShrinkingWindowHandledRobustly) {
    USTACK_REQ("MUST-34", "SHLD-15");
    options().peer_window = 4000;
    in_state(State::Established);
    send(std::string(3000, 'a'));
    expect(seg().ack_flag().seq(1).len(1460));
    expect(seg().ack_flag().seq(1461).len(1460));
    expect(seg().ack_flag().seq(2921).len(80));
    // The peer takes back its window: the right edge moves from 4001 to
    // 1461, left of data we have sent (§3.8.6 "shrinking the window").
    inject(seg().ack_flag().seq(1).ack(1461).win(0));
    EXPECT_EQ(snap().snd_wnd, 0u);
    send(std::string(1000, 'b'));
    expect_silence(500ms);  // no new data beyond the shrunken edge (SHLD-15)
    expect_state(State::Established);
    // The window opens again: what was sent is acknowledged, the rest flows.
    inject(seg().ack_flag().seq(1).ack(3001).win(4000));
    expect(seg().ack_flag().seq(3001).len(1000));
    inject(seg().ack_flag().seq(1).ack(4001).win(4000));
    expect_state(State::Established);
    expect_error(TcpError::None);
    EXPECT_EQ(snap().send_buffered, 0u);
}

TEST_F(TcpTest, Established_SenderAvoidsSillySegmentsWhileDataIsInFlight) {
    USTACK_REQ("MUST-38");
    options().peer_window = 4000;
    in_state(State::Established);
    send(std::string(6000, 'a'));
    expect(seg().ack_flag().seq(1).len(1460));
    expect(seg().ack_flag().seq(1461).len(1460));
    // 1080 octets of window are left, under a full segment and under half
    // the largest window (2000): not worth a segment while ACKs will come.
    expect_silence(100ms);
    inject(seg().ack_flag().seq(1).ack(1461).win(4000));
    expect(seg().ack_flag().seq(2921).len(1460));
    expect_silence(100ms);  // again 1080 usable and 1620 queued: wait
    inject(seg().ack_flag().seq(1).ack(4381).win(4000));
    expect(seg().ack_flag().seq(4381).len(1460));
    expect(seg().ack_flag().seq(5841).len(160));  // all that is queued may go
}

TEST_F(TcpTest, Established_SmallWindowUsedWhenNothingIsInFlight) {
    // §3.8.6.2.1: the "override" case: with nothing in flight no ACK would
    // come to wake the sender, so a small window is used rather than data
    // held back for ever (MUST-60).
    USTACK_REQ("MUST-38", "MUST-60");
    options().peer_window = 4000;
    in_state(State::Established);
    inject(seg().ack_flag().seq(1).ack(1).win(300));  // window update: 300 octets
    send(std::string(1000, 'a'));
    expect(seg().ack_flag().seq(1).len(300));
    inject(seg().ack_flag().seq(1).ack(301).win(300));
    expect(seg().ack_flag().seq(301).len(300));
}

TEST_F(TcpTest, Established_SendIsNotHeldForMoreData) {
    // MUST-60/61: a short SEND goes at once with PSH; one held by Nagle goes
    // as soon as the earlier segment is acknowledged.
    USTACK_REQ("MUST-60", "MUST-61");
    in_state(State::Established);
    send("a");
    expect(seg().ack_flag().psh().seq(1).data("a"));
    send("b");
    expect_silence(100ms);
    inject(seg().ack_flag().seq(1).ack(2));
    expect(seg().ack_flag().psh().seq(2).data("b"));
}

TEST_F(TcpTest, Established_ReceiverAvoidsAdvertisingSillyWindows) {
    USTACK_REQ("MUST-39");
    config().recv_buffer = 8192;  // threshold min(buffer/2, MSS) = 1460
    in_state(State::Established);
    for (int64_t off = 1; off < 8193; off += 1460) {
        inject(seg().ack_flag().seq(off).ack(1).data_len(size_t(std::min<int64_t>(1460, 8193 - off))));
    }
    discard_pending();
    EXPECT_EQ(snap().rcv_wnd, 0u);
    // The application frees 500 octets: not worth a window update.
    EXPECT_EQ(receive(500).size(), 500u);
    expect_silence(100ms);
    // A window probe from the peer is answered with the window still at 0.
    inject(seg().ack_flag().seq(8193).ack(1).data("x"));
    expect(seg().flags(ACK).ack(8193).win(0));
    // 1500 octets free (>= one MSS): now the window opens, all at once.
    EXPECT_EQ(receive(1000).size(), 1000u);
    expect(seg().flags(ACK).ack(8193).win(1500));
}

TEST_F(TcpTest, Established_AcksAggregatedOverSegmentsAndReplies) {
    // MUST-58: one ACK covers what arrived together; a reply carries the ACK.
    USTACK_REQ("MUST-58");
    config().quick_ack_segments = 0;
    in_state(State::Established);
    inject(seg().ack_flag().seq(1).ack(1).data_len(1000));
    inject(seg().ack_flag().seq(1001).ack(1).data_len(1000));
    expect(seg().flags(ACK).ack(2001));  // one ACK for both
    expect_silence();
    inject(seg().ack_flag().seq(2001).ack(1).data("req"));
    advance(20ms);
    send("reply");
    expect(seg().ack_flag().psh().seq(1).ack(2004).data("reply"));  // the ACK rides on the data
    expect_silence(500ms);  // no separate ACK afterwards
}

}  // namespace
}  // namespace ustack::testing
