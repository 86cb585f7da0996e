// RFC 6298 RTO computation and Karn's algorithm (RFC 9293 §3.8.1, MUST-18, MUST-19).
#include "tcp/rtt_estimator.h"

#include <algorithm>
#include <chrono>

namespace ustack::tcp {

namespace {
// Clock granularity G of RFC 6298 §2: our clock has nanoseconds, but a 1 ms
// floor on the variance term keeps RTO from collapsing onto SRTT.
constexpr Duration G = std::chrono::milliseconds(1);
constexpr int K = 4;
}  // namespace

RttEstimator::RttEstimator(Duration initial, Duration min, Duration max)
    : min_(min), max_(max), rto_(initial) {}

Duration RttEstimator::clamp(Duration d) const { return std::clamp(d, min_, max_); }

void RttEstimator::sample(Duration r) {
    if (r < Duration::zero()) r = Duration::zero();
    if (!has_sample_) {
        // §2.2: SRTT <- R, RTTVAR <- R/2.
        srtt_ = r;
        rttvar_ = r / 2;
        has_sample_ = true;
    } else {
        // §2.3: RTTVAR <- 3/4 RTTVAR + 1/4 |SRTT - R|; SRTT <- 7/8 SRTT + 1/8 R.
        Duration diff = srtt_ > r ? srtt_ - r : r - srtt_;
        rttvar_ = (rttvar_ * 3) / 4 + diff / 4;
        srtt_ = (srtt_ * 7) / 8 + r / 8;
    }
    // RTO <- SRTT + max(G, K*RTTVAR), then the §2.4/§2.5 bounds.
    rto_ = clamp(srtt_ + std::max(G, rttvar_ * K));
}

void RttEstimator::backoff() { rto_ = std::min(rto_ * 2, max_); }

void RttEstimator::reset_after_syn_timeout() {
    if (!has_sample_) rto_ = clamp(std::chrono::seconds(3));
}

void RttEstimator::start_timing(wire::SeqNum end, Instant now) {
    if (!timed_) timed_ = Timed{end, now};
}

void RttEstimator::on_ack(wire::SeqNum ack, Instant now) {
    if (timed_ && ack >= timed_->end) {
        sample(now - timed_->sent);
        timed_.reset();
    }
}

}  // namespace ustack::tcp
