// The congestion controller seam (RFC 5681 §3; RFC 9293 §3.8.2, MUST-19).
// A controller only sizes the window: it owns cwnd and ssthresh and hears of
// ACKs, losses and timeouts. Loss detection and which segment to send
// (RFC 5681 §3.2 / RFC 6582 NewReno, RFC 6675 SACK recovery, RFC 3042) live in
// the connection (tcp/connection_recovery.cc). Reno (tcp/reno.h) and CUBIC
// (tcp/cubic.h) implement it.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "base/time.h"
#include "tcp/config.h"

namespace ustack::tcp {

// An ACK that advanced SND.UNA outside loss recovery.
struct AckEvent {
    uint32_t acked = 0;   // bytes newly acknowledged
    uint32_t flight = 0;  // FlightSize before this ACK (RFC 5681 §2)
    Instant now{};
    Duration srtt{};      // smoothed RTT (zero before the first sample)
};

class CongestionControl {
public:
    virtual ~CongestionControl() = default;
    virtual std::string_view name() const = 0;
    virtual CongestionAlgorithm algorithm() const = 0;

    // The sender's MSS is known (connection established): cwnd = IW (RFC 6928).
    virtual void init(uint32_t smss, Instant now);
    // Window growth for an ACK of new data outside recovery (slow start or
    // congestion avoidance).
    virtual void on_ack(const AckEvent& e) = 0;
    // Loss detected by duplicate ACKs or SACK (RFC 5681 §3.2 step 2, RFC 6675
    // §5 (4.2), RFC 9438 §4.6): ssthresh is lowered and cwnd = ssthresh.
    virtual void on_loss(uint32_t flight, Instant now) = 0;
    // The retransmission timer expired (RFC 5681 §3.1 eq. 4, RFC 9438 §4.8):
    // ssthresh as for a loss, cwnd = 1 SMSS (the loss window).
    virtual void on_retransmit_timeout(uint32_t flight, Instant now) = 0;
    // An ECN-Echo (RFC 3168 §6.1.2, RFC 9438 §4.6): the window is reduced as
    // for a loss, nothing is retransmitted; the connection calls it at most
    // once per window of data.
    virtual void on_ecn_echo(uint32_t flight, Instant now) { on_loss(flight, now); }

    uint32_t cwnd() const { return cwnd_; }
    uint32_t ssthresh() const { return ssthresh_; }
    uint32_t smss() const { return smss_; }
    // NewReno's window arithmetic during fast recovery (RFC 6582 §3.2 steps
    // 2-4: inflation by SMSS per duplicate ACK, deflation on partial ACKs).
    void set_cwnd(uint32_t cwnd) { cwnd_ = std::max(cwnd, smss_); }
    // Takes over another controller's window (the algorithm changed mid-connection).
    void resume(uint32_t smss, uint32_t cwnd, uint32_t ssthresh) {
        smss_ = std::max<uint32_t>(smss, 1);
        cwnd_ = std::max(cwnd, smss_);
        ssthresh_ = ssthresh;
    }

    // A reduction proved spurious (RFC 3522 detection; RFC 4015 and RFC 9438
    // §4.9 response): the window and ssthresh from before it come back,
    // never below what they are now. CUBIC's next epoch starts from there.
    void undo(uint32_t cwnd, uint32_t ssthresh) {
        cwnd_ = std::max(cwnd_, cwnd);
        ssthresh_ = std::max(ssthresh_, ssthresh);
    }

protected:
    explicit CongestionControl(uint32_t iw_segments) : iw_segments_(iw_segments) {}
    // RFC 5681 §3.1 slow start: cwnd += min(N, SMSS) (eq. 2).
    void slow_start(uint32_t acked);

    uint32_t iw_segments_;
    uint32_t smss_ = 536;
    uint32_t cwnd_ = 0;
    uint32_t ssthresh_ = 0x7fffffff;  // "arbitrarily high" (RFC 5681 §3.1)
};

// RFC 6928 §2: IW = min(segs*MSS, max(2*MSS, segs*1460)); for 10 segments
// exactly min(10*MSS, max(2*MSS, 14600)).
uint32_t initial_window(uint32_t segments, uint32_t smss);

// A new controller of the given kind.
std::unique_ptr<CongestionControl> make_congestion_control(CongestionAlgorithm algo, uint32_t iw_segments);
// RFC 5681 Reno.
std::unique_ptr<CongestionControl> make_reno(uint32_t initial_window_segments);
// RFC 9438 CUBIC.
std::unique_ptr<CongestionControl> make_cubic(uint32_t initial_window_segments);

// "reno" / "cubic" (the names Linux uses for TCP_CONGESTION).
std::string_view to_string(CongestionAlgorithm algo);
std::optional<CongestionAlgorithm> parse_congestion(std::string_view name);

}  // namespace ustack::tcp
