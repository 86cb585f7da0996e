// Unit tests: RFC 6298 RTT estimator with Karn's rule, and RFC 5681 Reno (+ RFC 6582 partial ACKs).
#include <gtest/gtest.h>

#include "tcp/reno.h"
#include "tcp/rtt_estimator.h"
#include "tests/harness/req.h"

namespace ustack::tcp {
namespace {

using namespace std::chrono_literals;
using wire::SeqNum;

RttEstimator make_rtt() { return RttEstimator(1s, 1s, 60s); }

TEST(TcpPartsRtt, InitialRtoIsOneSecond) {
    auto r = make_rtt();
    EXPECT_EQ(r.rto(), 1s);
    EXPECT_FALSE(r.has_sample());
}

TEST(TcpPartsRtt, FirstSampleSetsSrttAndHalfVariance) {
    RttEstimator r(1s, 100ms, 60s);
    r.sample(200ms);
    EXPECT_EQ(r.srtt(), 200ms);
    EXPECT_EQ(r.rttvar(), 100ms);
    EXPECT_EQ(r.rto(), 600ms);  // 200 + 4*100
}

TEST(TcpPartsRtt, LaterSamplesUseTheRfc6298Gains) {
    RttEstimator r(1s, 100ms, 60s);
    r.sample(200ms);
    r.sample(400ms);
    // RTTVAR = 3/4*100 + 1/4*|200-400| = 125; SRTT = 7/8*200 + 1/8*400 = 225.
    EXPECT_EQ(r.rttvar(), 125ms);
    EXPECT_EQ(r.srtt(), 225ms);
    EXPECT_EQ(r.rto(), 725ms);
}

TEST(TcpPartsRtt, RtoIsClampedToTheMinimum) {
    auto r = make_rtt();
    r.sample(10ms);
    EXPECT_EQ(r.rto(), 1s);  // RFC 6298 §2.4
}

TEST(TcpPartsRtt, BackoffDoublesUpToTheMaximum) {
    USTACK_REQ("MUST-19");
    auto r = make_rtt();
    for (Duration expect : {2s, 4s, 8s, 16s, 32s, 60s, 60s}) {
        r.backoff();
        EXPECT_EQ(r.rto(), expect);
    }
    r.sample(100ms);  // a new sample collapses the backoff
    EXPECT_EQ(r.rto(), 1s);
}

TEST(TcpPartsRtt, KarnNoSampleFromARetransmittedSegment) {
    USTACK_REQ("MUST-18");
    auto r = make_rtt();
    Instant t0{10s};
    r.start_timing(SeqNum(2000), t0);
    r.on_retransmit();
    r.on_ack(SeqNum(2000), t0 + 3s);
    EXPECT_FALSE(r.has_sample());
    // The next fresh segment is timed normally.
    r.start_timing(SeqNum(3000), t0 + 4s);
    r.on_ack(SeqNum(2500), t0 + 4s + 100ms);  // does not cover it
    EXPECT_FALSE(r.has_sample());
    r.on_ack(SeqNum(3000), t0 + 4s + 300ms);
    EXPECT_TRUE(r.has_sample());
    EXPECT_EQ(r.srtt(), 300ms);
}

TEST(TcpPartsRtt, OnlyOneSegmentIsTimedAtOnce) {
    auto r = make_rtt();
    r.start_timing(SeqNum(100), Instant{1s});
    r.start_timing(SeqNum(200), Instant{2s});  // ignored
    r.on_ack(SeqNum(200), Instant{3s});
    EXPECT_EQ(r.srtt(), 2s);
}

TEST(TcpPartsRtt, SynTimeoutReinitialisesRtoToThreeSeconds) {
    auto r = make_rtt();
    r.backoff();
    r.reset_after_syn_timeout();
    EXPECT_EQ(r.rto(), 3s);  // RFC 6298 §5.7
}

constexpr uint32_t MSS = 1000;

AckEvent ack(uint32_t ackno, uint32_t acked, uint32_t flight, uint32_t snd_max = 1000000) {
    return AckEvent{SeqNum(ackno), acked, flight, SeqNum(snd_max)};
}

TEST(TcpPartsReno, InitialWindowFromConfiguredSegments) {
    Reno r(10);
    r.init(MSS);
    EXPECT_EQ(r.cwnd(), 10 * MSS);
    EXPECT_GT(r.ssthresh(), 1000000u);
}

TEST(TcpPartsReno, SlowStartGrowsBySmssPerAck) {
    USTACK_REQ("MUST-19");
    Reno r(2);
    r.init(MSS);
    r.on_new_ack(ack(2000, 1000, 2000));
    EXPECT_EQ(r.cwnd(), 3 * MSS);
    r.on_new_ack(ack(4000, 2000, 2000));  // a stretch ACK still adds one SMSS (eq. 2)
    EXPECT_EQ(r.cwnd(), 4 * MSS);
    r.on_new_ack(ack(4100, 100, 2000));
    EXPECT_EQ(r.cwnd(), 4 * MSS + 100);
}

TEST(TcpPartsReno, CongestionAvoidanceAddsOneSmssPerWindow) {
    USTACK_REQ("MUST-19");
    Reno r(4);
    r.init(MSS);
    r.on_retransmit_timeout(8 * MSS, SeqNum(0));  // ssthresh = 4 MSS, cwnd = 1 MSS
    EXPECT_EQ(r.ssthresh(), 4 * MSS);
    EXPECT_EQ(r.cwnd(), MSS);
    uint32_t a = 1000;
    for (int i = 0; i < 3; ++i) r.on_new_ack(ack(a += 1000, 1000, 1000));
    EXPECT_EQ(r.cwnd(), 4 * MSS);  // slow start up to ssthresh
    // Now 4 ACKs of 1 MSS each = one window: +1 MSS.
    for (int i = 0; i < 3; ++i) r.on_new_ack(ack(a += 1000, 1000, 4000));
    EXPECT_EQ(r.cwnd(), 4 * MSS);
    r.on_new_ack(ack(a += 1000, 1000, 4000));
    EXPECT_EQ(r.cwnd(), 5 * MSS);
}

TEST(TcpPartsReno, ThirdDuplicateAckTriggersFastRetransmit) {
    USTACK_REQ("MUST-19");
    Reno r(10);
    r.init(MSS);
    EXPECT_EQ(r.on_dup_ack(ack(5000, 0, 10000, 15000)), CongestionAction::None);
    EXPECT_EQ(r.on_dup_ack(ack(5000, 0, 10000, 15000)), CongestionAction::None);
    EXPECT_EQ(r.on_dup_ack(ack(5000, 0, 10000, 15000)), CongestionAction::RetransmitHead);
    EXPECT_TRUE(r.in_recovery());
    EXPECT_EQ(r.ssthresh(), 5 * MSS);
    EXPECT_EQ(r.cwnd(), 8 * MSS);  // ssthresh + 3 SMSS
    r.on_dup_ack(ack(5000, 0, 10000, 15000));
    EXPECT_EQ(r.cwnd(), 9 * MSS);  // inflation
    // Partial ACK (below recover = 15000): retransmit the next hole, stay in recovery.
    EXPECT_EQ(r.on_new_ack(ack(8000, 3000, 10000, 15000)), CongestionAction::RetransmitHead);
    EXPECT_TRUE(r.in_recovery());
    // Full ACK: leave recovery, cwnd deflates to at most ssthresh.
    EXPECT_EQ(r.on_new_ack(ack(15000, 7000, 7000, 15000)), CongestionAction::None);
    EXPECT_FALSE(r.in_recovery());
    EXPECT_LE(r.cwnd(), 5 * MSS);
}

TEST(TcpPartsReno, RetransmissionTimeoutCollapsesToLossWindow) {
    USTACK_REQ("MUST-19");
    Reno r(10);
    r.init(MSS);
    r.on_retransmit_timeout(10 * MSS, SeqNum(20000));
    EXPECT_EQ(r.cwnd(), MSS);
    EXPECT_EQ(r.ssthresh(), 5 * MSS);
    r.on_retransmit_timeout(MSS, SeqNum(20000));
    EXPECT_EQ(r.ssthresh(), 2 * MSS);  // never below 2 SMSS
    // Duplicate ACKs for data sent before the timeout do not start another recovery.
    for (int i = 0; i < 3; ++i) EXPECT_EQ(r.on_dup_ack(ack(12000, 0, 5000, 20000)), CongestionAction::None);
}

}  // namespace
}  // namespace ustack::tcp
