// RFC 9293 §3.8.6: the peer's zero window and probing (MUST-35/36/37,
// SHLD-29/30), and our own receive window closing and reopening.
#include "tests/harness/harness.h"
#include "tests/harness/req.h"

namespace ustack::testing {
namespace {

using namespace tcp::flags;

TEST_F(TcpTest, Established_ZeroWindowHoldsDataThenProbesAfterRto) {
    USTACK_REQ("MUST-35", "MUST-36", "SHLD-29");
    peer_closes_window();
    send("hello");
    // One octet of new data (§3.8.6.1), first probe after one RTO.
    expect_after(1s, seg().ack_flag().seq(1).ack(1).data("h"));
}

TEST_F(TcpTest, Established_ZeroWindowProbesBackOffExponentially) {
    USTACK_REQ("MUST-36", "SHLD-30");
    peer_closes_window();
    send("hello");
    expect_after(1s, seg().ack_flag().seq(1).len(1));
    inject(seg().ack_flag().seq(1).ack(1).win(0));  // still closed
    expect_after(2s, seg().ack_flag().seq(1).len(1));
    inject(seg().ack_flag().seq(1).ack(1).win(0));
    expect_after(4s, seg().ack_flag().seq(1).len(1));
}

TEST_F(TcpTest, Established_WindowReopensAndDataFlows) {
    USTACK_REQ("MUST-35");
    peer_closes_window();
    send("hello");
    expect_after(1s, seg().ack_flag().seq(1).data("h"));
    inject(seg().ack_flag().seq(1).ack(1).win(65535));
    Recorded r = expect(seg().ack_flag().ack(1));
    EXPECT_EQ(rel_seq(r) + r.len(), 6);  // everything up to "o" is on its way
    inject(seg().ack_flag().seq(1).ack(6));
    expect_silence(5s);
    EXPECT_EQ(snap().snd_una.raw(), our_iss() + 6);
}

TEST_F(TcpTest, Established_ZeroWindowMayStayClosedIndefinitely) {
    USTACK_REQ("MUST-37");
    peer_closes_window();
    send("hello");
    for (int i = 0; i < 12; ++i) {  // well past R2 (100 s): probes are answered
        expect_within(61s, seg().ack_flag().seq(1).len(1));
        inject(seg().ack_flag().seq(1).ack(1).win(0));
    }
    EXPECT_GT(elapsed(), 300s);
    expect_state(State::Established);
    EXPECT_EQ(conn().error(), TcpError::None);
}

TEST_F(TcpTest, Established_FullReceiveBufferAdvertisesZeroWindow) {
    config().recv_buffer = 10;
    in_state(State::Established);
    inject(seg().ack_flag().seq(1).ack(1).data("0123456789"));
    expect_within(500ms, seg().flags(ACK).ack(11).win(0));
    EXPECT_EQ(receive(), "0123456789");
    expect_within(500ms, seg().flags(ACK).seq(1).ack(11).win(10));  // window update
}

TEST_F(TcpTest, Established_DataBeyondZeroWindowAckedNotAccepted) {
    config().recv_buffer = 10;
    in_state(State::Established);
    inject(seg().ack_flag().seq(1).ack(1).data("0123456789"));
    expect_within(500ms, seg().flags(ACK).ack(11).win(0));
    inject(seg().ack_flag().seq(11).ack(1).data("x"));  // RCV.WND = 0: not acceptable
    expect(seg().flags(ACK).seq(1).ack(11).win(0));
    EXPECT_EQ(conn().readable(), 10u);
}

TEST_F(TcpTest, Established_RstProcessedWithZeroReceiveWindow) {
    USTACK_REQ("MUST-66");
    config().recv_buffer = 10;
    in_state(State::Established);
    inject(seg().ack_flag().seq(1).ack(1).data("0123456789"));
    expect_within(500ms, seg().flags(ACK).ack(11).win(0));
    inject(seg().rst().seq(11));
    expect_state(State::Closed);
    expect_error(TcpError::ConnectionReset);
}

TEST_F(TcpTest, Established_AckProcessedWithZeroReceiveWindow) {
    USTACK_REQ("MUST-66");
    config().recv_buffer = 10;
    in_state(State::Established);
    inject(seg().ack_flag().seq(1).ack(1).data("0123456789"));
    expect_within(500ms, seg().flags(ACK).ack(11).win(0));
    send("out");
    expect(seg().ack_flag().seq(1).data("out"));
    inject(seg().ack_flag().seq(11).ack(4));  // a valid ACK with zero RCV.WND
    EXPECT_EQ(snap().snd_una.raw(), our_iss() + 4);
}

TEST_F(TcpTest, Established_SendRespectsPeerWindow) {
    options().peer_window = 100;
    in_state(State::Established);
    send(std::string(300, 'z'));
    expect(seg().ack_flag().seq(1).len(100));
    expect_silence();
    inject(seg().ack_flag().seq(1).ack(101).win(100));
    expect(seg().ack_flag().seq(101).len(100));
}

}  // namespace
}  // namespace ustack::testing
