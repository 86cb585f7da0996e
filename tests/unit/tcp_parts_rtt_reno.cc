// Unit tests: RFC 6298 RTT estimator with Karn's rule, RFC 5681 Reno and the RFC 6928 initial window.
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

AckEvent ack(uint32_t acked, uint32_t flight) { return AckEvent{acked, flight, Instant{}, Duration{}}; }

TEST(TcpPartsReno, InitialWindowFromConfiguredSegments) {
    Reno r(10);
    r.init(MSS, Instant{});
    EXPECT_EQ(r.cwnd(), 10 * MSS);  // 10 * 1000 < 14600 (RFC 6928)
    EXPECT_GT(r.ssthresh(), 1000000u);
}

TEST(TcpPartsReno, InitialWindowIsRfc6928Formula) {
    // IW = min(10*MSS, max(2*MSS, 14600)).
    EXPECT_EQ(initial_window(10, 1460), 14600u);
    EXPECT_EQ(initial_window(10, 1448), 14480u);
    EXPECT_EQ(initial_window(10, 536), 5360u);
    EXPECT_EQ(initial_window(10, 4000), 14600u);
    EXPECT_EQ(initial_window(10, 9000), 18000u);  // never below 2 MSS
}

TEST(TcpPartsReno, SlowStartGrowsBySmssPerAck) {
    USTACK_REQ("MUST-19");
    Reno r(2);
    r.init(MSS, Instant{});
    r.on_ack(ack(1000, 2000));
    EXPECT_EQ(r.cwnd(), 3 * MSS);
    r.on_ack(ack(2000, 2000));  // a stretch ACK still adds one SMSS (eq. 2)
    EXPECT_EQ(r.cwnd(), 4 * MSS);
    r.on_ack(ack(100, 2000));
    EXPECT_EQ(r.cwnd(), 4 * MSS + 100);
}

TEST(TcpPartsReno, CongestionAvoidanceAddsOneSmssPerWindow) {
    USTACK_REQ("MUST-19");
    Reno r(4);
    r.init(MSS, Instant{});
    r.on_retransmit_timeout(8 * MSS, Instant{});  // ssthresh = 4 MSS, cwnd = 1 MSS
    EXPECT_EQ(r.ssthresh(), 4 * MSS);
    EXPECT_EQ(r.cwnd(), MSS);
    for (int i = 0; i < 3; ++i) r.on_ack(ack(1000, 1000));
    EXPECT_EQ(r.cwnd(), 4 * MSS);  // slow start up to ssthresh
    // Now 4 ACKs of 1 MSS each = one window: +1 MSS.
    for (int i = 0; i < 3; ++i) r.on_ack(ack(1000, 4000));
    EXPECT_EQ(r.cwnd(), 4 * MSS);
    r.on_ack(ack(1000, 4000));
    EXPECT_EQ(r.cwnd(), 5 * MSS);
}

TEST(TcpPartsReno, LossHalvesFlightSize) {
    USTACK_REQ("MUST-19");
    Reno r(10);
    r.init(MSS, Instant{});
    r.on_loss(10 * MSS, Instant{});
    EXPECT_EQ(r.ssthresh(), 5 * MSS);  // RFC 5681 eq. (4)
    EXPECT_EQ(r.cwnd(), 5 * MSS);
    r.on_loss(3 * MSS, Instant{});
    EXPECT_EQ(r.ssthresh(), 2 * MSS);  // never below 2 SMSS
}

TEST(TcpPartsReno, RetransmissionTimeoutCollapsesToLossWindow) {
    USTACK_REQ("MUST-19");
    Reno r(10);
    r.init(MSS, Instant{});
    r.on_retransmit_timeout(10 * MSS, Instant{});
    EXPECT_EQ(r.cwnd(), MSS);
    EXPECT_EQ(r.ssthresh(), 5 * MSS);
    r.on_retransmit_timeout(MSS, Instant{});
    EXPECT_EQ(r.ssthresh(), 2 * MSS);  // never below 2 SMSS
}

}  // namespace
}  // namespace ustack::tcp
