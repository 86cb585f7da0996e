// Reno congestion control: slow start, congestion avoidance, fast retransmit
// and fast recovery (RFC 5681 §3.1, §3.2), partial ACKs per RFC 6582 §3.2.
#pragma once

#include "tcp/congestion.h"

namespace ustack::tcp {

class Reno final : public CongestionControl {
public:
    explicit Reno(uint32_t initial_window_segments) : iw_segments_(initial_window_segments) {}

    std::string_view name() const override { return "reno"; }
    void init(uint32_t smss) override;
    CongestionAction on_new_ack(const AckEvent& e) override;
    CongestionAction on_dup_ack(const AckEvent& e) override;
    void on_retransmit_timeout(uint32_t flight, wire::SeqNum snd_max) override;
    uint32_t cwnd() const override { return cwnd_; }
    uint32_t ssthresh() const override { return ssthresh_; }
    bool in_recovery() const override { return in_recovery_; }
    uint32_t dup_acks() const { return dup_acks_; }

private:
    uint32_t half_flight(uint32_t flight) const;

    uint32_t iw_segments_;
    uint32_t smss_ = 536;
    uint32_t cwnd_ = 0;
    uint32_t ssthresh_ = 0x7fffffff;  // "arbitrarily high" (RFC 5681 §3.1)
    uint32_t bytes_acked_ = 0;        // congestion avoidance byte counting (RFC 3465)
    uint32_t dup_acks_ = 0;
    bool in_recovery_ = false;
    bool recover_valid_ = false;
    wire::SeqNum recover_;            // RFC 6582 "recover"
};

}  // namespace ustack::tcp
