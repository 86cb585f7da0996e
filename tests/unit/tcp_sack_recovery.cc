// Sender loss recovery: RFC 6675 SACK recovery (only holes resent, pipe),
// RFC 6675 §5.1 timeouts with a scoreboard, RFC 3042 limited transmit,
// RFC 6582 NewReno without SACK, RFC 6928 initial window.
#include "tests/harness/harness.h"
#include "tests/harness/req.h"

namespace ustack::testing {
namespace {
using namespace tcp::flags;

// Passive handshake with a 1000-octet MSS and no timestamps; the peer offers SACK when `sack`.
void open(Harness& h, bool sack = true) {
    h.config().timestamps = false;
    h.listen();
    Seg syn = seg().syn().seq(0).mss(1000);
    if (sack) syn.sack_perm();
    h.inject(syn);
    h.expect(seg().syn().ack_flag().seq(0).ack(1));
    h.inject(seg().ack_flag().seq(1).ack(1));
    h.accept();
}

// Sends `n` octets and expects the first `segs` 1000-octet segments of it.
void send_and_expect(Harness& h, size_t n, int segs) {
    h.send(std::string(n, 'd'));
    for (int i = 0; i < segs; ++i) h.expect(seg().ack_flag().seq(1 + 1000 * i).len(1000));
    h.expect_silence();
}

TEST_F(TcpTest, InitialWindow_TenSegmentsBurst) {
    USTACK_REQ("MUST-19");
    config().timestamps = false;
    listen();
    inject(seg().syn().seq(0).mss(1460));
    expect(seg().syn().ack_flag().seq(0).ack(1));
    inject(seg().ack_flag().seq(1).ack(1));
    accept();
    EXPECT_EQ(snap().cwnd, 14600u);  // RFC 6928: min(10*MSS, max(2*MSS, 14600))
    send(std::string(30000, 'd'));
    for (int i = 0; i < 10; ++i) expect(seg().ack_flag().seq(1 + 1460 * i).len(1460));
    expect_silence();
}

TEST_F(TcpTest, LimitedTransmit_NewDataOnFirstTwoDupAcks) {
    USTACK_REQ("MUST-19");
    open(*this);
    send_and_expect(*this, 12000, 10);
    advance(100ms);  // one RTT: RACK (RFC 8985) judges loss by time
    inject(seg().ack_flag().seq(1).ack(1).sack(1001, 2001));
    expect(seg().ack_flag().seq(10001).len(1000));  // RFC 3042: new data, cwnd unchanged
    expect_silence();
    inject(seg().ack_flag().seq(1).ack(1).sack(1001, 3001));
    expect(seg().ack_flag().seq(11001).len(1000));
    expect_silence();
    EXPECT_EQ(snap().cwnd, 10000u);
    // Third duplicate: DupThresh segments SACKed, RACK's reordering window
    // is 0: fast retransmit of the first hole, no more new data.
    inject(seg().ack_flag().seq(1).ack(1).sack(1001, 4001));
    expect(seg().ack_flag().seq(1).len(1000));
    expect_silence();
    EXPECT_TRUE(snap().in_recovery);
}

TEST_F(TcpTest, LimitedTransmit_WithoutSack) {
    open(*this, false);
    send_and_expect(*this, 12000, 10);
    inject(seg().ack_flag().seq(1).ack(1));
    expect(seg().ack_flag().seq(10001).len(1000));
    inject(seg().ack_flag().seq(1).ack(1));
    expect(seg().ack_flag().seq(11001).len(1000));
    inject(seg().ack_flag().seq(1).ack(1));
    expect(seg().ack_flag().seq(1).len(1000));  // NewReno fast retransmit (RFC 6582)
}

TEST_F(TcpTest, SackRecovery_RetransmitsOnlyTheHoles) {
    USTACK_REQ("MUST-19");
    open(*this);
    send_and_expect(*this, 10000, 10);
    advance(100ms);
    // Segments 1 (seq 1) and 4 (seq 3001) are lost.
    inject(seg().ack_flag().seq(1).ack(1).sack(1001, 2001));
    inject(seg().ack_flag().seq(1).ack(1).sack(1001, 3001));
    expect_silence();  // nothing new to send
    inject(seg().ack_flag().seq(1).ack(1).sack(1001, 3001).sack(4001, 5001));
    // RACK (RFC 8985 §6.2): both holes were sent before 4001:5001, which was
    // delivered an RTT later. RFC 6675 (4.3) sends the first; pipe 6000
    // (5001:10001 and the resent one) leaves room for the second.
    expect(seg().ack_flag().seq(1).len(1000));
    expect(seg().ack_flag().seq(3001).len(1000));
    expect_silence();  // pipe 7000 = cwnd (ssthresh = 0.7 * 10000)
    inject(seg().ack_flag().seq(1).ack(1).sack(1001, 3001).sack(4001, 6001));
    expect_silence();  // never a SACKed segment, nothing new to send
    for (int right : {7001, 8001, 9001, 10001}) {
        inject(seg().ack_flag().seq(1).ack(1).sack(1001, 3001).sack(4001, right));
        expect_silence();
    }
    inject(seg().ack_flag().seq(1).ack(3001).sack(4001, 10001));  // partial ACK
    expect_silence();
    EXPECT_TRUE(snap().in_recovery);
    inject(seg().ack_flag().seq(1).ack(10001));
    expect_silence();
    EXPECT_FALSE(snap().in_recovery);
    EXPECT_EQ(layer().counters().retransmissions, 2u);
    EXPECT_EQ(snap().cwnd, 7000u);  // recovery ends at ssthresh
    EXPECT_EQ(snap().ssthresh, 7000u);
}

TEST_F(TcpTest, SackRecovery_PipeLetsNewDataOut) {
    open(*this);
    send_and_expect(*this, 20000, 10);
    advance(100ms);
    inject(seg().ack_flag().seq(1).ack(1).sack(1001, 2001));
    expect(seg().ack_flag().seq(10001).len(1000));
    inject(seg().ack_flag().seq(1).ack(1).sack(1001, 3001));
    expect(seg().ack_flag().seq(11001).len(1000));
    inject(seg().ack_flag().seq(1).ack(1).sack(1001, 4001));
    expect(seg().ack_flag().seq(1).len(1000));
    // 12 sent, 3 SACKed, 1 lost and resent: pipe = 9000 > cwnd = 0.7 * 12000.
    expect_silence();
    EXPECT_EQ(snap().cwnd, 8400u);
    // Each further SACKed segment lowers the pipe by 1000: one new segment
    // once cwnd - pipe >= 1 SMSS (RFC 6675 (C)).
    inject(seg().ack_flag().seq(1).ack(1).sack(1001, 5001));
    expect_silence();  // pipe 8000, 400 short of a segment
    inject(seg().ack_flag().seq(1).ack(1).sack(1001, 6001));
    expect(seg().ack_flag().seq(12001).len(1000));  // pipe 7000 -> 8000
    expect_silence();
}

TEST_F(TcpTest, SackRto_ResendsOnlyWhatWasNotSacked) {
    USTACK_REQ("MUST-19");
    open(*this);
    send_and_expect(*this, 10000, 10);
    // No ACK at all (any SACK would let RACK find the loss first).
    expect_within(2s, seg().ack_flag().seq(1).len(1000));  // RTO: cwnd 1 SMSS
    expect_silence();
    EXPECT_EQ(snap().cwnd, 1000u);
    inject(seg().ack_flag().seq(1).ack(2001).sack(3001, 4001));
    // cwnd 2 SMSS: the holes at 2001 and 4001; 3001 was SACKed and is skipped (RFC 6675 §5.1).
    expect(seg().ack_flag().seq(2001).len(1000));
    expect(seg().ack_flag().seq(4001).len(1000));
    expect_silence();
}

TEST_F(TcpTest, NewReno_PartialAckRetransmitsNextHole) {
    USTACK_REQ("MUST-19");
    open(*this, false);
    send_and_expect(*this, 10000, 10);
    for (int i = 0; i < 3; ++i) inject(seg().ack_flag().seq(1).ack(1));
    expect(seg().ack_flag().seq(1).len(1000));
    inject(seg().ack_flag().seq(1).ack(3001));  // partial: the hole at 3001 goes at once
    expect(seg().ack_flag().seq(3001).len(1000));
    inject(seg().ack_flag().seq(1).ack(10001));
    EXPECT_FALSE(snap().in_recovery);
}

TEST_F(TcpTest, Congestion_ConfigAndPerConnectionChoice) {
    open(*this);
    EXPECT_EQ(snap().congestion, tcp::CongestionAlgorithm::Cubic);  // the default, as Linux
    conn().set_congestion(tcp::CongestionAlgorithm::Reno);
    EXPECT_EQ(conn().congestion(), tcp::CongestionAlgorithm::Reno);
    EXPECT_EQ(snap().cwnd, 10000u);  // the window carries over
    send_and_expect(*this, 10000, 10);
    advance(100ms);
    inject(seg().ack_flag().seq(1).ack(1).sack(1001, 4001));
    expect(seg().ack_flag().seq(1).len(1000));
    EXPECT_EQ(snap().ssthresh, 5000u);  // Reno halves FlightSize
}

}  // namespace
}  // namespace ustack::testing
