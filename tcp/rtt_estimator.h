// Retransmission timer computation (RFC 6298 §2-§5) with Karn's algorithm
// (RFC 6298 §3, RFC 9293 MUST-18): only segments sent once give RTT samples.
#pragma once

#include <optional>

#include "base/time.h"
#include "stack/wire/seq_num.h"

namespace ustack::tcp {

class RttEstimator {
public:
    RttEstimator(Duration initial, Duration min, Duration max);

    // One measurement R (RFC 6298 §2.2/§2.3). Clears any backoff (§5.7 note:
    // the backed-off RTO stays until a new sample is taken).
    void sample(Duration r);
    // §5.5: RTO <- RTO * 2, capped at max.
    void backoff();
    // §5.7: after a retransmitted SYN and no sample yet, data transmission
    // starts with RTO = 3 s.
    void reset_after_syn_timeout();

    Duration rto() const { return rto_; }
    Duration srtt() const { return srtt_; }
    Duration rttvar() const { return rttvar_; }
    bool has_sample() const { return has_sample_; }

    // ---- Karn's rule: one timed segment at a time ----
    // Starts timing the segment ending at `end` (exclusive) if none is timed.
    void start_timing(wire::SeqNum end, Instant now);
    // Any retransmission invalidates the running measurement.
    void on_retransmit() { timed_.reset(); }
    // A cumulative ACK; takes a sample when it covers the timed segment.
    void on_ack(wire::SeqNum ack, Instant now);
    bool timing() const { return timed_.has_value(); }

private:
    Duration clamp(Duration d) const;

    Duration min_, max_;
    Duration srtt_{}, rttvar_{}, rto_;
    bool has_sample_ = false;
    struct Timed {
        wire::SeqNum end;
        Instant sent;
    };
    std::optional<Timed> timed_;
};

}  // namespace ustack::tcp
