// Unit tests: CUBIC (RFC 9438) window function, Reno-friendly region, fast convergence, timeouts.
#include <gtest/gtest.h>

#include "tcp/cubic.h"
#include "tests/harness/req.h"

namespace ustack::tcp {
namespace {

using namespace std::chrono_literals;

constexpr uint32_t MSS = 1000;
const Instant T0 = Instant{} + 1000s;

// A CUBIC flow that had 100 segments in flight when a loss was detected at T0.
Cubic after_loss_at_100() {
    Cubic c(10);
    c.init(MSS, Instant{});
    c.resume(MSS, 100 * MSS, 0x7fffffff);
    c.on_loss(100 * MSS, T0);
    return c;
}

// Acknowledges one whole window in one-segment ACKs at `now`.
void ack_window(Cubic& c, Instant now, Duration srtt) {
    uint32_t segs = c.cwnd() / MSS;
    for (uint32_t i = 0; i < segs; ++i) c.on_ack({MSS, c.cwnd(), now, srtt});
}

TEST(TcpPartsCubic, LossSetsWmaxAndMultipliesByBeta) {
    USTACK_REQ("MUST-19");
    Cubic c = after_loss_at_100();
    EXPECT_DOUBLE_EQ(c.w_max(), 100.0);
    EXPECT_EQ(c.ssthresh(), 70 * MSS);  // beta_cubic = 0.7 (RFC 9438 §4.6)
    EXPECT_EQ(c.cwnd(), 70 * MSS);
}

TEST(TcpPartsCubic, WindowFunctionMatchesTable) {
    // W_cubic(t) = C*(t-K)^3 + W_max with C = 0.4, W_max = 100, cwnd_epoch = 70:
    // K = cbrt((100 - 70) / 0.4) = cbrt(75) (RFC 9438 §4.2 eq. 1-2).
    Cubic c = after_loss_at_100();
    c.on_ack({MSS, 70 * MSS, T0, 100ms});  // the first ACK starts the epoch
    ASSERT_TRUE(c.in_epoch());
    EXPECT_NEAR(c.k(), 4.21716, 1e-4);
    struct Row { double t, w; };
    for (Row r : {Row{0, 70.0}, Row{1, 86.6808}, Row{2, 95.6403}, Row{4.21716, 100.0}, Row{6, 102.2667}, Row{10, 177.3540}})
        EXPECT_NEAR(c.w_cubic(r.t), r.w, 1e-3) << "t = " << r.t;
}

TEST(TcpPartsCubic, ConcaveGrowthFollowsWindowFunction) {
    // RTT 100 ms: Reno would add ~0.53 segments per RTT; CUBIC climbs
    // towards W_max along W_cubic(t + RTT) (§4.4).
    Cubic c = after_loss_at_100();
    Instant now = T0;
    for (int rtt = 0; rtt < 20; ++rtt, now += 100ms) ack_window(c, now, 100ms);
    double t = std::chrono::duration<double>(now - 100ms - T0).count();  // time of the last ACKs: 1.9 s
    double w = double(c.cwnd()) / MSS;
    EXPECT_GT(w, c.w_cubic(t) - 2.0);
    EXPECT_LT(w, c.w_cubic(t + 0.1) + 1.0);
    EXPECT_GT(w, c.w_est() + 5.0);  // well above the Reno-friendly estimate
    // Plateau: it does not overshoot W_max long before K.
    EXPECT_LT(w, 100.0);
}

TEST(TcpPartsCubic, RenoFriendlyRegionAtShortRtt) {
    // RTT 10 ms: W_est grows by alpha = 3(1-0.7)/(1+0.7) per RTT (§4.3) and
    // overtakes W_cubic(t); cwnd follows W_est.
    Cubic c = after_loss_at_100();
    Instant now = T0;
    for (int rtt = 0; rtt < 20; ++rtt, now += 10ms) ack_window(c, now, 10ms);
    double w = double(c.cwnd()) / MSS;
    EXPECT_NEAR(c.w_est(), 70.0 + 20 * Cubic::ALPHA, 0.5);
    EXPECT_NEAR(w, c.w_est(), 1.0);
    EXPECT_GT(w, c.w_cubic(0.2) + 5.0);  // W_cubic(0.19 s) is about 72.9
}

TEST(TcpPartsCubic, FastConvergenceLowersWmax) {
    Cubic c = after_loss_at_100();
    c.on_loss(70 * MSS, T0 + 1s);  // a second loss below the previous W_max (§4.7)
    EXPECT_NEAR(c.w_max(), 70.0 * (1.0 + 0.7) / 2.0, 1e-9);
    EXPECT_EQ(c.cwnd(), 49 * MSS);
}

TEST(TcpPartsCubic, TimeoutGoesToOneSegmentAndSlowStarts) {
    USTACK_REQ("MUST-19");
    Cubic c(10);
    c.init(MSS, Instant{});
    EXPECT_EQ(c.cwnd(), 10 * MSS);
    c.on_retransmit_timeout(10 * MSS, T0);
    EXPECT_EQ(c.cwnd(), MSS);
    EXPECT_EQ(c.ssthresh(), 7 * MSS);
    c.on_ack({MSS, MSS, T0 + 1s, 100ms});
    EXPECT_EQ(c.cwnd(), 2 * MSS);  // slow start (§4.10 / RFC 5681)
}

}  // namespace
}  // namespace ustack::tcp
