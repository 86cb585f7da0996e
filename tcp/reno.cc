// Reno: RFC 5681 §3.1 (slow start, congestion avoidance, eq. 4 on timeout),
// §3.2 step 2 (ssthresh on fast retransmit).
#include "tcp/reno.h"

#include <algorithm>

namespace ustack::tcp {

void Reno::init(uint32_t smss, Instant now) {
    CongestionControl::init(smss, now);
    bytes_acked_ = 0;
}

uint32_t Reno::half_flight(uint32_t flight) const {
    // RFC 5681 eq. (4): ssthresh = max(FlightSize / 2, 2*SMSS).
    return std::max(flight / 2, 2 * smss_);
}

void Reno::on_ack(const AckEvent& e) {
    if (cwnd_ < ssthresh_) {
        slow_start(e.acked);  // eq. (2)
        return;
    }
    // Congestion avoidance: one SMSS per cwnd of data acknowledged (eq. 3, RFC 3465 form).
    bytes_acked_ += e.acked;
    if (bytes_acked_ >= cwnd_) {
        bytes_acked_ -= cwnd_;
        cwnd_ += smss_;
    }
}

void Reno::on_loss(uint32_t flight, Instant) {
    ssthresh_ = half_flight(flight);
    cwnd_ = ssthresh_;
    bytes_acked_ = 0;
}

void Reno::on_retransmit_timeout(uint32_t flight, Instant) {
    ssthresh_ = half_flight(flight);
    cwnd_ = smss_;
    bytes_acked_ = 0;
}

}  // namespace ustack::tcp
