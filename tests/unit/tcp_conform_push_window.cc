// RFC 9293 §3.9.1.2 PUSH (MAY-16, SHLD-27, SHLD-28), §3.1 and §3.8.6 window
// handling (REC-1, SHLD-16, SHLD-17, MAY-8), §3.7.1 MSS option (SHLD-5) and
// §3.5.3 RST with data (SHLD-2): the SHOULD/MAY rows of Appendix B.
#include "tests/harness/harness.h"
#include "tests/harness/req.h"

namespace ustack::testing {
namespace {
using namespace tcp::flags;

// ---- PUSH (§3.9.1.2) ----

TEST_F(TcpTest, Push_UnpushedSmallSendsAggregatedIntoOneSegment) {
    USTACK_REQ("MAY-16");
    in_state(State::Established);
    send("a");
    expect(seg().ack_flag().seq(1).data("a"));
    send("b");
    send("c");
    send("d");
    expect_silence();  // queued while "a" is unacknowledged
    inject(seg().ack_flag().seq(1).ack(2));
    expect(seg().ack_flag().seq(2).data("bcd"));  // three SENDs, one segment
    expect_silence();
}

TEST_F(TcpTest, Push_SuccessivePushesCollapsedIntoOnePsh) {
    USTACK_REQ("SHLD-27");
    in_state(State::Established);
    inject(seg().ack_flag().seq(1).ack(1).win(0));  // the window holds everything back
    send("aaa");
    send("bbb");
    send("ccc");
    expect_silence();
    inject(seg().ack_flag().seq(1).ack(1).win(65535));
    // Each SEND pushes (sockets semantics); queued together they leave as one
    // segment with one PSH, not three.
    expect(seg().ack_flag().psh().seq(1).data("aaabbbccc"));
    expect_silence();
}

TEST_F(TcpTest, Push_BulkSendLeavesInMaximumSizedSegments) {
    USTACK_REQ("SHLD-28");
    options().peer_mss = 1000;
    in_state(State::Established);
    send(std::string(3500, 'x'));
    expect(seg().ack_flag().no_psh().seq(1).len(1000));
    expect(seg().ack_flag().no_psh().seq(1001).len(1000));
    expect(seg().ack_flag().no_psh().seq(2001).len(1000));
    expect(seg().ack_flag().psh().seq(3001).len(500));  // only the tail is short, and pushed
    expect_silence();
}

// ---- Windows (§3.1, §3.8.6) ----

TEST_F(TcpTest, Window_ScaledWindowsAboveSixteenBitsHeldAsThirtyTwo) {
    USTACK_REQ("REC-1");
    config().recv_autotune = false;  // a fixed buffer: the shift offered fits recv_buffer
    config().recv_buffer = 1024 * 1024;
    listen();
    inject(seg().syn().seq(0).mss(1460).ws(9));
    expect(seg().syn().ack_flag().seq(0).ack(1).ws(5));
    inject(seg().ack_flag().seq(1).ack(1).win(65535));
    accept();
    EXPECT_EQ(snap().snd_wnd, 65535u << 9);  // 32 MiB: no 16-bit truncation
    inject(seg().ack_flag().seq(1).ack(1).win(40000));
    EXPECT_EQ(snap().snd_wnd, 40000u << 9);
    inject(seg().ack_flag().seq(1).ack(1).data("hi"));
    Recorded r = expect_within(500ms, seg().ack_flag().seq(1).ack(3));
    EXPECT_GT(snap().rcv_wnd, 1000000u);  // our 1 MiB window, advertised shifted
    EXPECT_GT(uint32_t(r.header.window) << 5, 1000000u);  // the scaled field says the same
    EXPECT_LE(uint32_t(r.header.window) << 5, snap().rcv_wnd + 31);
}

// The peer shrinks its window (moves the right edge left) with 300 octets in flight.
void shrink_window_with_data_in_flight(Harness& h, uint16_t new_window) {
    h.options().peer_mss = 100;
    h.options().peer_window = 300;
    h.in_state(State::Established);
    h.send(std::string(300, 'x'));
    h.expect(seg().ack_flag().seq(1).len(100));
    h.expect(seg().ack_flag().seq(101).len(100));
    h.expect(seg().ack_flag().seq(201).len(100));
    h.inject(seg().ack_flag().seq(1).ack(1).win(new_window));  // right edge 301 -> 1 + new_window
}

TEST_F(TcpTest, Window_ShrunkWindowOldDataWithinItRetransmitted) {
    USTACK_REQ("SHLD-16");
    shrink_window_with_data_in_flight(*this, 100);
    expect_after(1s, seg().ack_flag().seq(1).len(100));  // RTO: the old data inside the window
    inject(seg().ack_flag().seq(1).ack(101).win(100));
    Recorded r = expect(seg().ack_flag().seq(101));      // the next old segment, within the window
    EXPECT_LE(r.len(), 100u);
}

TEST_F(TcpTest, Window_ShrunkToZeroOldDataBeyondEdgeRetransmitted) {
    USTACK_REQ("MAY-7");
    shrink_window_with_data_in_flight(*this, 0);
    // SND.UNA + SND.WND = 1: the retransmission lies wholly beyond the window
    // (it doubles as a window probe).
    expect_after(1s, seg().ack_flag().seq(1).len(100));
}

TEST_F(TcpTest, Window_ShrunkToZeroDataPastEdgeNeverTimesOut) {
    USTACK_REQ("SHLD-17");
    shrink_window_with_data_in_flight(*this, 0);
    // 300 octets lie past the right edge and stay unacknowledged, the peer
    // answering every probe with a zero window: far past R2 (100 s), the
    // connection lives.
    for (int i = 0; i < 12; ++i) {
        expect_within(61s, seg().ack_flag().seq(1));
        inject(seg().ack_flag().seq(1).ack(1).win(0));
    }
    EXPECT_GT(elapsed(), 300s);
    expect_state(State::Established);
    EXPECT_EQ(conn().error(), TcpError::None);
    inject(seg().ack_flag().seq(1).ack(1).win(300));  // reopened: the rest goes out
    expect(seg().ack_flag().seq(101).len(100));
}

TEST_F(TcpTest, Window_OurReceiveWindowClosedIndefinitely) {
    USTACK_REQ("MAY-8");
    config().recv_buffer = 10;
    in_state(State::Established);
    inject(seg().ack_flag().seq(1).ack(1).data("0123456789"));
    expect_within(500ms, seg().flags(ACK).ack(11).win(0));
    // The application never reads; the peer probes for ten minutes and every
    // probe is answered with the closed window; nothing times out.
    for (int i = 0; i < 10; ++i) {
        advance(60s);
        inject(seg().ack_flag().seq(11).ack(1).data("p"));
        expect(seg().flags(ACK).seq(1).ack(11).win(0));
    }
    expect_state(State::Established);
    EXPECT_EQ(conn().error(), TcpError::None);
    EXPECT_EQ(receive(), "0123456789");
    expect_within(500ms, seg().flags(ACK).ack(11).win(10));
}

// ---- MSS option (§3.7.1) ----

TEST_F(TcpTest, MssOption_SentOnSynWhenReceiveMssIsNot536) {
    USTACK_REQ("SHLD-5");
    config().mss = 1200;
    connect();
    expect(seg().syn().seq(0).mss(1200));
}

// ---- RST with data (§3.5.3) ----

TEST_F(TcpTest, Rst_CarryingDiagnosticTextStillResets) {
    USTACK_REQ("SHLD-2");
    in_state(State::Established);
    inject(seg().rst().seq(1).data("connection refused by policy"));
    expect_state(State::Closed);
    expect_error(TcpError::ConnectionReset);
    expect_silence();
}

}  // namespace
}  // namespace ustack::testing
