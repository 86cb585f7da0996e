// RFC 9293 §3.10.7.2: segments arriving in LISTEN.
#include "tests/harness/harness.h"
#include "tests/harness/req.h"

namespace ustack::testing {
namespace {

using namespace tcp::flags;

TEST_F(TcpTest, Listen_SynSendsSynAckWithMss) {
    USTACK_REQ("MUST-14", "MAY-3");
    in_state(State::Listen);
    inject(seg().syn().seq(0).win(65535).mss(1460));
    expect(seg().syn().ack_flag().seq(0).ack(1).win(65535).mss(1460).len(0));
    expect_state(State::SynReceived);
}

TEST_F(TcpTest, Listen_SynAckMssFollowsConfiguredMss) {
    USTACK_REQ("MUST-67");
    config().mss = 1400;  // e.g. a 1440-byte link MTU minus 40
    in_state(State::Listen);
    inject(seg().syn().seq(0).mss(1460));
    expect(seg().syn().ack_flag().seq(0).ack(1).mss(1400));
}

TEST_F(TcpTest, Listen_AckAnsweredWithRst) {
    in_state(State::Listen);
    inject(seg().ack_flag().seq(1).ack_abs(4242));
    expect(seg().flags(RST).seq_abs(4242));  // <SEQ=SEG.ACK><CTL=RST>
    expect_state(State::Listen);
}

TEST_F(TcpTest, Listen_RstIgnored) {
    in_state(State::Listen);
    inject(seg().rst().seq(0));
    expect_silence();
    expect_state(State::Listen);
}

TEST_F(TcpTest, Listen_SegmentWithoutSynAckOrRstDropped) {
    in_state(State::Listen);
    inject(seg().fin().seq(0));
    inject(seg().seq(0).data("hello"));
    expect_silence();
    expect_state(State::Listen);
}

TEST_F(TcpTest, Listen_SynWithoutMssLeadsTo536ByteSegments) {
    USTACK_REQ("MUST-15", "MUST-16");
    in_state(State::Listen);
    inject(seg().syn().seq(0));  // no MSS option
    expect(seg().syn().ack_flag().seq(0).ack(1));
    inject(seg().ack_flag().seq(1).ack(1));
    accept();
    EXPECT_EQ(snap().snd_mss, 536);
    send(std::string(1072, 'x'));
    expect(seg().ack_flag().seq(1).ack(1).len(536).no_mss());
    expect(seg().ack_flag().seq(537).ack(1).len(536).no_mss());
}

TEST_F(TcpTest, Listen_ListenerStaysAfterConnectionIsAccepted) {
    USTACK_REQ("MUST-42");
    in_state(State::Established, Open::Passive);
    expect_event(Event::Acceptable);
    options().peer_port = 40001;  // a second peer connection to the same port
    inject(seg().syn().seq(0).mss(1460).peer_port(40001));
    expect(seg().syn().ack_flag().seq(0).ack(1).peer_port(40001));
    EXPECT_EQ(layer().connection_count(), 2u);
}

TEST_F(TcpTest, Listen_CloseResetsPendingConnections) {
    in_state(State::SynReceived, Open::Passive);
    listener()->close(now());  // pending, not-yet-accepted connections are reset
    expect(seg().rst().allow(ACK).seq(1));
    inject(seg().syn().seq(100));  // the port is closed now
    expect(seg().flags(RST | ACK).seq_abs(0).ack(101));
}

}  // namespace
}  // namespace ustack::testing
