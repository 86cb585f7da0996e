// RFC 9293 §3.10.7.4 in ESTABLISHED: the sequence check, RST, SYN, ACK,
// text and FIN steps, each by a real segment from the peer.
#include "tests/harness/harness.h"
#include "tests/harness/req.h"

namespace ustack::testing {
namespace {

using namespace tcp::flags;

TEST_F(TcpTest, Established_DataInWindowAckedAndReadable) {
    USTACK_REQ("MUST-40");  // the ACK comes within 0.5 s
    in_state(State::Established);
    inject(seg().ack_flag().seq(1).ack(1).data("hello"));
    expect_within(500ms, seg().flags(ACK).seq(1).ack(6).win(65535).len(0));
    expect_event(Event::Readable);
    EXPECT_EQ(receive(), "hello");
}

TEST_F(TcpTest, Established_DuplicateDataLeftOfWindowReAckedNotDelivered) {
    in_state(State::Established);
    inject(seg().ack_flag().seq(1).ack(1).data("hello"));
    expect_within(500ms, seg().flags(ACK).seq(1).ack(6));
    inject(seg().ack_flag().seq(1).ack(1).data("hello"));  // retransmitted: unacceptable
    expect(seg().flags(ACK).seq(1).ack(6));                // <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>
    EXPECT_EQ(receive(), "hello");
}

TEST_F(TcpTest, Established_DataRightOfWindowAckedAndDropped) {
    in_state(State::Established);
    inject(seg().ack_flag().seq(1 + 65535 + 10).ack(1).data("future"));
    expect(seg().flags(ACK).seq(1).ack(1));
    EXPECT_EQ(conn().readable(), 0u);
    EXPECT_EQ(snap().out_of_order, 0u);
}

TEST_F(TcpTest, Established_SegmentStraddlingLeftEdgeTrimmed) {
    in_state(State::Established);
    inject(seg().ack_flag().seq(1).ack(1).data("hello"));
    expect_within(500ms, seg().flags(ACK).ack(6));
    inject(seg().ack_flag().seq(4).ack(1).data("loWorld"));  // only the new part is processed
    expect_within(500ms, seg().flags(ACK).seq(1).ack(11));
    EXPECT_EQ(receive(), "helloWorld");
}

TEST_F(TcpTest, Established_AckOfUnsentDataAnsweredWithAck) {
    in_state(State::Established);
    inject(seg().ack_flag().seq(1).ack(100));  // SEG.ACK > SND.NXT
    expect(seg().flags(ACK).seq(1).ack(1));
    expect_state(State::Established);
    EXPECT_EQ(snap().snd_una.raw(), our_iss() + 1);
}

TEST_F(TcpTest, Established_AckAdvancesSndUnaAndStopsTimer) {
    in_state(State::Established);
    send("hello");
    expect(seg().ack_flag().seq(1).ack(1).data("hello"));
    EXPECT_TRUE(snap().retransmit_deadline.has_value());
    inject(seg().ack_flag().seq(1).ack(6));
    expect_silence(5s);
    EXPECT_EQ(snap().snd_una.raw(), our_iss() + 6);
    EXPECT_FALSE(snap().retransmit_deadline.has_value());
}

TEST_F(TcpTest, Established_DuplicateAckIgnored) {
    in_state(State::Established);
    send("hello");
    expect(seg().ack_flag().seq(1).data("hello"));
    inject(seg().ack_flag().seq(1).ack(1));  // SEG.ACK =< SND.UNA: ignore
    expect_silence();
    EXPECT_EQ(snap().snd_una.raw(), our_iss() + 1);
    expect_state(State::Established);
}

TEST_F(TcpTest, Established_RstAtRcvNxtResetsAndInformsApplication) {
    USTACK_REQ("MUST-12", "MUST-47");
    in_state(State::Established);
    inject(seg().rst().seq(1));
    expect_silence();
    expect_state(State::Closed);
    expect_error(TcpError::ConnectionReset);
    expect_event(Event::Error);
}

TEST_F(TcpTest, Established_RstOutOfWindowIgnored) {
    in_state(State::Established);
    inject(seg().rst().seq(1 + 70000));
    inject(seg().rst().seq(-100));
    expect_silence();
    expect_state(State::Established);
}

TEST_F(TcpTest, Established_RstInWindowNotAtRcvNxtGetsChallengeAck) {
    USTACK_REQ("MAY-12");
    in_state(State::Established);
    inject(seg().rst().seq(100));  // RFC 5961 §3.2 as adopted by RFC 9293 §3.10.7.4
    expect(seg().flags(ACK).seq(1).ack(1));
    expect_state(State::Established);
}

TEST_F(TcpTest, Established_SynGetsChallengeAck) {
    USTACK_REQ("MAY-12");
    in_state(State::Established);
    inject(seg().syn().seq(50).mss(1460));  // irrespective of the sequence number
    expect(seg().flags(ACK).seq(1).ack(1).no_mss());
    expect_state(State::Established);
}

TEST_F(TcpTest, Established_SegmentWithoutAckBitDropped) {
    in_state(State::Established);
    inject(seg().seq(1).data("noack"));
    expect_silence();
    EXPECT_EQ(conn().readable(), 0u);
}

TEST_F(TcpTest, Established_FinEntersCloseWaitWithEof) {
    in_state(State::Established);
    inject(seg().fin().ack_flag().seq(1).ack(1));
    expect_within(500ms, seg().flags(ACK).seq(1).ack(2));
    expect_state(State::CloseWait);
    expect_event(Event::Eof);
    EXPECT_EQ(receive(), "");
    EXPECT_TRUE(conn().eof());
}

TEST_F(TcpTest, Established_DataThenFinReadInOrderBeforeEof) {
    in_state(State::Established);
    inject(seg().fin().ack_flag().seq(1).ack(1).data("bye"));
    expect_within(500ms, seg().flags(ACK).seq(1).ack(5));
    EXPECT_FALSE(conn().eof());
    EXPECT_EQ(receive(), "bye");
    EXPECT_TRUE(conn().eof());
}

TEST_F(TcpTest, Established_SendSegmentsCarryNoMss) {
    USTACK_REQ("MUST-65");
    in_state(State::Established);
    send("hello");
    expect(seg().ack_flag().seq(1).ack(1).data("hello").no_mss());
}

TEST_F(TcpTest, Established_SegmentsNoLargerThanPeerMss) {
    USTACK_REQ("MUST-14", "MUST-16");
    options().peer_mss = 1000;
    in_state(State::Established);
    EXPECT_EQ(snap().snd_mss, 1000);
    send(std::string(3000, 'x'));
    expect(seg().ack_flag().seq(1).len(1000));
    expect(seg().ack_flag().seq(1001).len(1000));
    expect(seg().ack_flag().seq(2001).len(1000));
    expect_silence();
}

TEST_F(TcpTest, Established_PeerWithoutMssGets536) {
    USTACK_REQ("MUST-15");
    in_state(State::SynSent);
    inject(seg().syn().ack_flag().seq(0).ack(1));  // no MSS option
    expect(seg().flags(ACK).seq(1).ack(1));
    EXPECT_EQ(snap().snd_mss, 536);
    send(std::string(1072, 'y'));
    expect(seg().ack_flag().seq(1).len(536));
    expect(seg().ack_flag().seq(537).len(536));
}

TEST_F(TcpTest, Established_RttSampleUpdatesSrttPerRfc6298) {
    in_state(State::Established);  // the handshake gave a first sample R = 0
    EXPECT_EQ(snap().srtt, 0ms);
    send("a");
    expect(seg().ack_flag().seq(1).data("a"));
    advance(100ms);
    inject(seg().ack_flag().seq(1).ack(2));
    EXPECT_EQ(snap().rttvar, 25ms);  // (2.3): 3/4 * 0 + 1/4 * |0 - 100 ms|
    EXPECT_EQ(snap().srtt, 12500us);  // 7/8 * 0 + 1/8 * 100 ms
    EXPECT_EQ(snap().rto, 1s);       // (2.4): never below 1 s
}

TEST_F(TcpTest, Established_UrgentDataDeliveredInline) {
    in_state(State::Established);
    inject(seg().ack_flag().urg().urgent_ptr(2).seq(1).ack(1).data("ab"));
    expect_within(500ms, seg().flags(ACK).ack(3));
    EXPECT_EQ(receive(), "ab");  // urgent octets stay in the stream (RFC 6093 §5)
}

TEST_F(TcpTest, Established_LastSegmentOfSendCarriesPsh) {
    USTACK_REQ("MUST-61");
    options().peer_mss = 1000;
    in_state(State::Established);
    send(std::string(2500, 'p'));  // SEND has no PUSH flag: PSH the last buffered segment
    expect(seg().ack_flag().seq(1).len(1000));
    expect(seg().ack_flag().seq(1001).len(1000));
    expect(seg().flags(ACK | PSH).seq(2001).len(500));
}

TEST_F(TcpTest, Established_FullSendBufferTakesOnlyWhatFits) {
    config().send_buffer = 10;
    options().peer_window = 0;  // nothing leaves, the buffer fills
    in_state(State::Established);
    EXPECT_EQ(send("0123456789abcdef"), 10u);
    EXPECT_EQ(conn().writable(), 0u);
    EXPECT_EQ(send("x"), 0u);
    EXPECT_EQ(conn().error(), TcpError::None);  // a full buffer is not an error
}

}  // namespace
}  // namespace ustack::testing
