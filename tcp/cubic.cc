// CUBIC (RFC 9438 §4.2-§4.8): window growth as a cubic function of the time
// since the last reduction, never slower than Reno (§4.3).
#include "tcp/cubic.h"

#include <algorithm>
#include <cmath>

namespace ustack::tcp {

namespace {
double seconds(Duration d) { return std::chrono::duration<double>(d).count(); }
}  // namespace

void Cubic::init(uint32_t smss, Instant now) {
    CongestionControl::init(smss, now);
    w_ = double(cwnd_) / smss_;
    w_max_ = cwnd_prior_ = 0;
    epoch_.reset();
}

double Cubic::w_cubic(double t) const {
    double d = t - k_;
    return C * d * d * d + w_max_;
}

void Cubic::start_epoch(Instant now) {
    epoch_ = now;
    cwnd_epoch_ = w_;
    w_est_ = w_;
    // §4.2 eq. 2: K = cbrt((W_max - cwnd_epoch) / C); with no reduction yet
    // (slow start ended at ssthresh), W_max is the current window and K = 0.
    if (w_max_ <= w_) {
        w_max_ = w_;
        k_ = 0;
    } else {
        k_ = std::cbrt((w_max_ - cwnd_epoch_) / C);
    }
}

void Cubic::on_ack(const AckEvent& e) {
    if (std::lround(w_ * smss_) != long(cwnd_)) w_ = double(cwnd_) / smss_;  // set_cwnd() moved it
    if (cwnd_ < ssthresh_) {
        slow_start(e.acked);  // §4.10: slow start as RFC 5681
        w_ = double(cwnd_) / smss_;
        return;
    }
    if (!epoch_) start_epoch(e.now);
    double segs = double(e.acked) / smss_;
    double t = seconds(e.now - *epoch_);
    // §4.3: the Reno-friendly estimate grows by alpha per window acknowledged;
    // alpha becomes 1 once W_est reaches the window before the last reduction.
    double alpha = (cwnd_prior_ > 0 && w_est_ >= cwnd_prior_) ? 1.0 : ALPHA;
    w_est_ += alpha * segs / w_;
    if (w_cubic(t) < w_est_) {
        w_ = std::max(w_, w_est_);  // Reno-friendly region
    } else {
        // §4.4/§4.5: aim at W_cubic one RTT ahead, within [cwnd, 1.5 cwnd];
        // each acknowledged segment adds (target - cwnd) / cwnd.
        double target = std::clamp(w_cubic(t + seconds(e.srtt)), w_, 1.5 * w_);
        w_ += (target - w_) / w_ * segs;
    }
    cwnd_ = uint32_t(std::lround(w_ * smss_));
}

void Cubic::reduce(uint32_t flight) {
    double cur = w_ > 0 ? std::max(w_, double(cwnd_) / smss_) : double(cwnd_) / smss_;
    // §4.7 fast convergence: a window that stopped below the previous W_max
    // releases bandwidth for newer flows.
    w_max_ = cur < w_max_ ? cur * (1.0 + BETA) / 2.0 : cur;
    cwnd_prior_ = cur;
    // §4.6: ssthresh = flight_size * beta_cubic, at least 2 SMSS.
    ssthresh_ = std::max(uint32_t(double(flight) * BETA), 2 * smss_);
    epoch_.reset();
}

void Cubic::on_loss(uint32_t flight, Instant) {
    reduce(flight);
    cwnd_ = ssthresh_;
    w_ = double(cwnd_) / smss_;
}

void Cubic::on_retransmit_timeout(uint32_t flight, Instant) {
    // §4.8: as a loss for ssthresh and W_max, then cwnd = 1 SMSS (slow start).
    reduce(flight);
    cwnd_ = smss_;
    w_ = 1.0;
}

}  // namespace ustack::tcp
