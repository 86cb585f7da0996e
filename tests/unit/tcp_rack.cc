// RACK loss detection with SACK (RFC 8985 §6): losses are judged by time,
// so reordering within the window costs nothing, a lost retransmission is
// found without a timeout, and the reordering timer fires before the RTO.
#include "tests/harness/harness.h"
#include "tests/harness/req.h"

#include <vector>

#include "tcp/rack.h"

namespace ustack::testing {
namespace {
using namespace tcp::flags;

// Passive handshake with a 1000-octet MSS, SACK, no timestamps and a 100 ms
// RTT (SRTT 100 ms); then `n` octets queued, the first 10 segments sent at
// once, and one RTT passes.
void open_and_send(Harness& h, size_t n) {
    h.config().timestamps = false;
    h.listen();
    h.inject(seg().syn().seq(0).mss(1000).sack_perm());
    h.expect(seg().syn().ack_flag().seq(0).ack(1));
    h.advance(std::chrono::milliseconds(100));
    h.inject(seg().ack_flag().seq(1).ack(1));
    h.accept();
    h.send(std::string(n, 'd'));
    for (int i = 0; i < 10; ++i) h.expect(seg().ack_flag().seq(1 + 1000 * i).len(1000));
    h.expect_silence();
    h.advance(std::chrono::milliseconds(100));
}

TEST_F(TcpTest, Rack_OneSackedSegment_ReorderTimerRetransmitsBeforeRto) {
    USTACK_REQ("MUST-19");
    open_and_send(*this, 10000);
    // One segment SACKed: fewer than DupThresh, so RACK waits min_RTT/4 for
    // the hole to fill (RFC 8985 §6.2 step 4), then it is lost (§6.3).
    inject(seg().ack_flag().seq(1).ack(1).sack(1001, 2001));
    expect_silence();
    expect_after(25ms, seg().ack_flag().seq(1).len(1000));  // 0 + RTT 100 ms + 25 ms
    EXPECT_TRUE(snap().in_recovery);
    EXPECT_EQ(snap().cwnd, 7000u);  // CUBIC's reduction, not the RTO's loss window
}

TEST_F(TcpTest, Rack_ReorderingSeen_ThreeSackedSegmentsWaitForTheWindow) {
    USTACK_REQ("MUST-19");
    open_and_send(*this, 10000);
    // 2001:3001 arrives before 1:2001: reordering (RFC 8985 §6.2 step 3).
    inject(seg().ack_flag().seq(1).ack(1).sack(2001, 3001));
    inject(seg().ack_flag().seq(1).ack(3001));
    discard_pending();
    // Now three segments above a hole: RFC 6675's IsLost() would resend 3001
    // at once; RACK waits its reordering window, and the hole fills in time.
    inject(seg().ack_flag().seq(1).ack(3001).sack(4001, 7001));
    advance(5ms);
    inject(seg().ack_flag().seq(1).ack(7001));
    advance(50ms);
    discard_pending();
    EXPECT_EQ(layer().counters().retransmissions, 0u);
    EXPECT_FALSE(snap().in_recovery);
    EXPECT_GE(snap().cwnd, 10000u);
}

TEST_F(TcpTest, Rack_LostRetransmission_ResentWithoutTimeout) {
    USTACK_REQ("MUST-19");
    open_and_send(*this, 20000);
    inject(seg().ack_flag().seq(1).ack(1).sack(1001, 4001));
    expect(seg().ack_flag().seq(1).len(1000));  // fast retransmit (lost again below)
    expect_silence();                           // pipe 7000 = cwnd
    advance(10ms);
    inject(seg().ack_flag().seq(1).ack(1).sack(1001, 5001));
    expect(seg().ack_flag().seq(10001).len(1000));  // sent after the retransmission
    advance(100ms);
    // 10001:11001 delivered, the retransmission sent before it was not: lost
    // again (RFC 8985 §6.2 step 5), resent at once instead of after an RTO.
    inject(seg().ack_flag().seq(1).ack(1).sack(1001, 11001));
    expect(seg().ack_flag().seq(1).len(1000));
    discard_pending();
    EXPECT_EQ(layer().counters().retransmissions, 2u);
    EXPECT_EQ(snap().cwnd, 7000u);  // still fast recovery: no timeout happened
    inject(seg().ack_flag().seq(1).ack(11001));
    EXPECT_FALSE(snap().in_recovery);
}

TEST_F(TcpTest, Tlp_TailUnacknowledged_ProbeResendsLastSegmentAfterTwoSrtt) {
    USTACK_REQ("MUST-19");
    config().tail_loss_probe = true;  // the default (the harness turns it off)
    open_and_send(*this, 10000);
    // Sent at 0.1 s, PTO = 2 SRTT = 200 ms, well before the 1 s RTO (RFC
    // 8985 §7.2); nothing new to send: the last segment goes again (§7.3).
    expect_after(100ms, seg().ack_flag().seq(9001).len(1000));
    expect_silence(500ms);  // one probe per episode; the RTO was restarted
    // The probe was needed (no D-SACK): one congestion response (§7.4).
    inject(seg().ack_flag().seq(1).ack(10001));
    EXPECT_EQ(snap().cwnd, 7000u);
    EXPECT_EQ(layer().counters().retransmissions, 1u);
}

TEST_F(TcpTest, Tlp_ProbeAnsweredWithDsack_NoCongestionResponse) {
    config().tail_loss_probe = true;
    open_and_send(*this, 10000);
    expect_after(100ms, seg().ack_flag().seq(9001).len(1000));
    // The original had arrived, only its ACK was late: the peer reports the
    // probe as a duplicate (RFC 2883), so nothing was lost.
    inject(seg().ack_flag().seq(1).ack(10001).sack(9001, 10001));
    EXPECT_GE(snap().cwnd, 10000u);
}

TEST_F(TcpTest, RtoMin_DefaultIs200Milliseconds) {
    config() = tcp::TcpConfig{};  // ustack's defaults, not the harness's RFC 6298 floor
    config().timestamps = false;
    config().tail_loss_probe = false;
    listen();
    inject(seg().syn().seq(0).mss(1000));
    expect(seg().syn().ack_flag().seq(0).ack(1));
    inject(seg().ack_flag().seq(1).ack(1));  // an RTT sample of 0: RTO = the floor
    accept();
    send("x");
    expect(seg().ack_flag().seq(1).len(1));
    expect_after(200ms, seg().ack_flag().seq(1).len(1));  // Linux's TCP_RTO_MIN
}

// RFC 1191 §6.4: a record knows the largest unit that last carried its
// octets: a whole resend replaces it, a partial one can only raise it.
TEST(Rack, SegmentSize_WholeResendReplaces_PartialResendKeepsTheLarger) {
    tcp::Rack rack(16);
    Instant t{};
    auto fitting = [&](uint16_t mss) {
        std::vector<uint32_t> starts;
        rack.each_fitting(mss, [&](wire::SeqNum l, wire::SeqNum) { starts.push_back(l.raw()); });
        return starts;
    };
    rack.on_sent(wire::SeqNum(0), wire::SeqNum(1000), 1000, false, t);
    rack.on_sent(wire::SeqNum(1000), wire::SeqNum(1100), 100, false, t);
    EXPECT_EQ(fitting(536), std::vector<uint32_t>{1000});
    rack.on_sent(wire::SeqNum(0), wire::SeqNum(536), 536, true, t);  // part of it: still 1000
    EXPECT_EQ(fitting(536), std::vector<uint32_t>{1000});
    rack.on_sent(wire::SeqNum(0), wire::SeqNum(1000), 536, true, t);  // all of it
    EXPECT_EQ(fitting(536), (std::vector<uint32_t>{0, 1000}));
    rack.on_sent(wire::SeqNum(900), wire::SeqNum(1100), 1460, true, t);  // spans both: neither fits
    EXPECT_TRUE(fitting(536).empty());
}

}  // namespace
}  // namespace ustack::testing
