// RFC 9293 §3.10.7.1: segments arriving for no connection (CLOSED) get a RST,
// in the form that depends on the ACK bit; a RST is never answered.
#include "tests/harness/harness.h"
#include "tests/harness/req.h"

namespace ustack::testing {
namespace {

using namespace tcp::flags;

TEST_F(TcpTest, Closed_SynToClosedPortAnsweredWithRstAck) {
    inject(seg().syn().seq(0).our_port(81));
    // ACK bit off: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>
    expect(seg().flags(RST | ACK).seq_abs(0).ack(1).our_port(81).len(0));
    expect_silence();
    EXPECT_EQ(layer().counters().closed_port_segments, 1u);
    EXPECT_EQ(layer().connection_count(), 0u);
}

TEST_F(TcpTest, Closed_AckToClosedPortAnsweredWithRstAtSegAck) {
    inject(seg().ack_flag().seq(1).ack_abs(0xdeadbeef).our_port(81));
    // ACK bit on: <SEQ=SEG.ACK><CTL=RST>
    expect(seg().flags(RST).seq_abs(0xdeadbeef).our_port(81).len(0));
    expect_silence();
}

TEST_F(TcpTest, Closed_DataWithoutAckAnsweredWithRstAckCoveringData) {
    inject(seg().seq(10).data("abc").our_port(81));
    expect(seg().flags(RST | ACK).seq_abs(0).ack(13).our_port(81));
}

TEST_F(TcpTest, Closed_FinWithoutAckCountsFinInAck) {
    inject(seg().fin().seq(10).data("ab").our_port(81));
    expect(seg().flags(RST | ACK).seq_abs(0).ack(13).our_port(81));  // SEG.LEN includes the FIN
}

TEST_F(TcpTest, Closed_RstToClosedPortIgnored) {
    inject(seg().rst().seq(0).our_port(81));
    inject(seg().rst().ack_flag().seq(0).ack(5).our_port(81));
    expect_silence();  // "An incoming segment containing a RST is discarded"
}

TEST_F(TcpTest, Closed_AfterAbortSegmentsAnsweredWithRst) {
    USTACK_REQ("MUST-12");
    in_state(State::Closed);
    EXPECT_TRUE(conn().fully_closed());
    inject(seg().ack_flag().seq(1).ack(1).data("late"));
    expect(seg().flags(RST).seq(1));  // no TCB any more: §3.10.7.1, SEQ=SEG.ACK
}

TEST_F(TcpTest, Closed_AbortInEstablishedSendsRstAndReportsAborted) {
    USTACK_REQ("MUST-12", "MUST-47");
    in_state(State::Established);
    abort();
    expect(seg().rst().allow(ACK).seq(1));  // <SEQ=SND.NXT><CTL=RST> (§3.10.5)
    expect_state(State::Closed);
    expect_error(TcpError::ConnectionAborted);
    expect_silence(10s);
}

}  // namespace
}  // namespace ustack::testing
