// Receive buffer auto-tuning, "dynamic right-sizing" (Fisk & Feng 2001; Linux
// tcp_rcv_space_adjust, tcp_rcv_rtt_measure[_ts]): the receiver's RTT estimate
// and the per-RTT consumption of the application that size the window.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "base/time.h"
#include "stack/wire/seq_num.h"

namespace ustack::tcp {

class RcvSpace {
public:
    // `mss`: the segment size the peer is expected to send (the headroom unit).
    explicit RcvSpace(uint16_t mss);

    // An in-order data segment arrived carrying TSecr `echo`; `sample` = now -
    // TSecr on our Timestamps clock (RFC 7323 §4). One sample per distinct echo,
    // smoothed by 1/8 (Linux tcp_rcv_rtt_measure_ts).
    void rtt_from_echo(uint32_t echo, Duration sample);
    // Without timestamps: data arrived, RCV.NXT is `rcv_nxt`, the window shown
    // is `rcv_wnd`. The time from showing an edge until RCV.NXT passes it is at
    // least one RTT; the smallest such time is the estimate (tcp_rcv_rtt_measure).
    void rtt_from_window(wire::SeqNum rcv_nxt, uint32_t rcv_wnd, Instant now);
    // The receiver's RTT estimate; zero before the first sample.
    Duration rtt() const { return rtt8_ / 8; }

    // The application has read everything before `copied` at `now`. At most
    // once per receiver RTT: when it read more in the last RTT than in the one
    // measured before, returns the window it needs to keep that pace,
    // 2 * read + 16 MSS, plus twice the growth for a sender still in slow
    // start (Linux tcp_rcv_space_adjust). nullopt: no change needed.
    std::optional<size_t> on_read(wire::SeqNum copied, Instant now);
    // Octets read during the last measured RTT that grew the window (rcvq_space.space).
    size_t space() const { return space_; }

private:
    void update_rtt(Duration sample, bool min_filter);

    uint16_t mss_;
    size_t space_;               // read per RTT when the window last grew
    bool started_ = false;       // a measurement period is running
    wire::SeqNum seq_;           // read position at its start
    Instant time_{};             // its start
    Duration rtt8_{};            // 8 * the smoothed receiver RTT (rcv_rtt_est.rtt_us)
    std::optional<uint32_t> last_echo_;
    bool window_timing_ = false;  // an edge is being timed (rtt_from_window)
    wire::SeqNum window_seq_;
    Instant window_time_{};
};

}  // namespace ustack::tcp
