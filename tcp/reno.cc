// Reno: RFC 5681 §3.1 (slow start, congestion avoidance), §3.2 (fast
// retransmit/fast recovery), RFC 6582 §3.2 (NewReno partial ACKs).
#include "tcp/reno.h"

#include <algorithm>

namespace ustack::tcp {

std::unique_ptr<CongestionControl> make_reno(uint32_t initial_window_segments) {
    return std::make_unique<Reno>(initial_window_segments);
}

void Reno::init(uint32_t smss) {
    smss_ = std::max<uint32_t>(smss, 1);
    // RFC 5681 §3.1 IW, raised by the configured segment count (RFC 6928 allows 10).
    uint32_t segs = std::max<uint32_t>(iw_segments_, 1);
    cwnd_ = segs * smss_;
    bytes_acked_ = 0;
    dup_acks_ = 0;
    in_recovery_ = false;
}

uint32_t Reno::half_flight(uint32_t flight) const {
    // RFC 5681 eq. (4): ssthresh = max(FlightSize / 2, 2*SMSS).
    return std::max(flight / 2, 2 * smss_);
}

CongestionAction Reno::on_new_ack(const AckEvent& e) {
    dup_acks_ = 0;
    if (in_recovery_) {
        if (e.ack >= recover_) {
            // Full ACK (RFC 6582 §3.2 step 3): deflate the window.
            cwnd_ = std::min(ssthresh_, std::max(e.flight - std::min(e.flight, e.acked), smss_) + smss_);
            in_recovery_ = false;
            bytes_acked_ = 0;
            return CongestionAction::None;
        }
        // Partial ACK (step 4): retransmit the next hole, deflate by the amount
        // acked, add back one SMSS if at least one SMSS was acked.
        cwnd_ -= std::min(cwnd_, e.acked);
        if (e.acked >= smss_) cwnd_ += smss_;
        cwnd_ = std::max(cwnd_, smss_);
        return CongestionAction::RetransmitHead;
    }
    if (cwnd_ < ssthresh_) {
        // Slow start (RFC 5681 eq. 2): cwnd += min(N, SMSS).
        cwnd_ += std::min(e.acked, smss_);
    } else {
        // Congestion avoidance: one SMSS per cwnd of data acknowledged (eq. 3, RFC 3465 form).
        bytes_acked_ += e.acked;
        if (bytes_acked_ >= cwnd_) {
            bytes_acked_ -= cwnd_;
            cwnd_ += smss_;
        }
    }
    return CongestionAction::None;
}

CongestionAction Reno::on_dup_ack(const AckEvent& e) {
    if (in_recovery_) {
        // RFC 5681 §3.2 step 4: inflate by SMSS for each further duplicate.
        cwnd_ += smss_;
        return CongestionAction::None;
    }
    ++dup_acks_;
    if (dup_acks_ < 3) return CongestionAction::None;
    // RFC 6582 §3.2 step 2: only when the ACK covers more than "recover"
    // (avoids a second reduction for losses from the same window).
    if (recover_valid_ && e.ack <= recover_) {
        return CongestionAction::None;
    }
    // Third duplicate: fast retransmit (§3.2 steps 2-3).
    ssthresh_ = half_flight(e.flight);
    cwnd_ = ssthresh_ + 3 * smss_;
    recover_ = e.snd_max;
    recover_valid_ = true;
    in_recovery_ = true;
    return CongestionAction::RetransmitHead;
}

void Reno::on_retransmit_timeout(uint32_t flight, wire::SeqNum snd_max) {
    // RFC 5681 §3.1: ssthresh per eq. (4); cwnd = loss window (1 SMSS).
    ssthresh_ = half_flight(flight);
    cwnd_ = smss_;
    bytes_acked_ = 0;
    dup_acks_ = 0;
    in_recovery_ = false;
    recover_ = snd_max;  // RFC 6582 §3.2 step 1 after a timeout
    recover_valid_ = true;
}

}  // namespace ustack::tcp
