// Reno congestion window (RFC 5681 §3.1 slow start and congestion avoidance,
// §3.2 ssthresh on loss). Fast retransmit and NewReno's recovery window
// arithmetic (RFC 6582) are applied by the connection through set_cwnd().
#pragma once

#include "tcp/congestion.h"

namespace ustack::tcp {

class Reno final : public CongestionControl {
public:
    explicit Reno(uint32_t initial_window_segments) : CongestionControl(initial_window_segments) {}

    std::string_view name() const override { return "reno"; }
    CongestionAlgorithm algorithm() const override { return CongestionAlgorithm::Reno; }
    void init(uint32_t smss, Instant now) override;
    void on_ack(const AckEvent& e) override;
    void on_loss(uint32_t flight, Instant now) override;
    void on_retransmit_timeout(uint32_t flight, Instant now) override;

private:
    uint32_t half_flight(uint32_t flight) const;

    uint32_t bytes_acked_ = 0;  // congestion avoidance byte counting (RFC 3465)
};

}  // namespace ustack::tcp
