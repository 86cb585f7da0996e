// CUBIC congestion control (RFC 9438): the cubic window function (§4.2),
// the Reno-friendly region (§4.3), concave/convex growth (§4.4, §4.5),
// multiplicative decrease with beta 0.7 (§4.6), fast convergence (§4.7) and
// timeouts (§4.8). Time comes in with each ACK; nothing reads a clock.
#pragma once

#include <optional>

#include "tcp/congestion.h"

namespace ustack::tcp {

class Cubic final : public CongestionControl {
public:
    static constexpr double C = 0.4;      // §5.1
    static constexpr double BETA = 0.7;   // §4.6 beta_cubic
    static constexpr double ALPHA = 3.0 * (1.0 - BETA) / (1.0 + BETA);  // §4.3 alpha_cubic

    explicit Cubic(uint32_t initial_window_segments) : CongestionControl(initial_window_segments) {}

    std::string_view name() const override { return "cubic"; }
    CongestionAlgorithm algorithm() const override { return CongestionAlgorithm::Cubic; }
    void init(uint32_t smss, Instant now) override;
    void on_ack(const AckEvent& e) override;
    void on_loss(uint32_t flight, Instant now) override;
    void on_retransmit_timeout(uint32_t flight, Instant now) override;

    // §4.2 eq. 1: W_cubic(t) = C*(t-K)^3 + W_max, in segments, t in seconds
    // since the current congestion avoidance epoch began.
    double w_cubic(double t) const;
    double k() const { return k_; }          // seconds (eq. 2)
    double w_max() const { return w_max_; }  // segments
    double w_est() const { return w_est_; }  // Reno-friendly estimate, segments
    bool in_epoch() const { return epoch_.has_value(); }

private:
    void reduce(uint32_t flight);
    void start_epoch(Instant now);

    double w_ = 0;             // cwnd in segments, with the fraction cwnd_ cannot hold
    double w_max_ = 0;         // window before the last reduction (segments)
    double cwnd_prior_ = 0;    // cwnd when ssthresh was last set (for alpha, §4.3)
    double cwnd_epoch_ = 0;    // cwnd at the start of the epoch
    double w_est_ = 0;
    double k_ = 0;
    std::optional<Instant> epoch_;  // t_epoch (§4.2): set by the first ACK in congestion avoidance
};

}  // namespace ustack::tcp
