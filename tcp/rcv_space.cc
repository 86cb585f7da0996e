// Receive buffer auto-tuning (dynamic right-sizing, after Linux tcp_rcv_space_adjust).
#include "tcp/rcv_space.h"

#include <algorithm>
#include <chrono>

namespace ustack::tcp {

// Linux's TCP_INIT_CWND: the first period grows the window only when the
// application read more than an initial window of the sender (RFC 6928).
RcvSpace::RcvSpace(uint16_t mss) : mss_(mss), space_(size_t(10) * mss) {}

void RcvSpace::update_rtt(Duration sample, bool min_filter) {
    // A zero sample is below the clock's resolution: count it as one tick.
    if (sample <= Duration::zero()) sample = std::chrono::microseconds(1);
    if (rtt8_ == Duration::zero()) {
        rtt8_ = 8 * sample;
    } else if (min_filter) {
        rtt8_ = std::min(rtt8_, 8 * sample);
    } else {
        rtt8_ += sample - rtt8_ / 8;
    }
}

void RcvSpace::rtt_from_echo(uint32_t echo, Duration sample) {
    if (last_echo_ == echo) return;  // the same echo again: no new transmission timed
    last_echo_ = echo;
    update_rtt(std::max<Duration>(sample, std::chrono::milliseconds(1)), false);  // 1 ms ticks
}

void RcvSpace::rtt_from_window(wire::SeqNum rcv_nxt, uint32_t rcv_wnd, Instant now) {
    if (window_timing_) {
        if (rcv_nxt < window_seq_) return;
        update_rtt(now - window_time_, true);
    }
    window_timing_ = true;
    window_seq_ = rcv_nxt + rcv_wnd;
    window_time_ = now;
}

std::optional<size_t> RcvSpace::on_read(wire::SeqNum copied, Instant now) {
    if (!started_) {
        started_ = true;
        seq_ = copied;
        time_ = now;
        return std::nullopt;
    }
    if (rtt8_ == Duration::zero() || now - time_ < rtt()) return std::nullopt;
    size_t read = copied > seq_ ? size_t(uint32_t(copied - seq_)) : 0;
    std::optional<size_t> want;
    if (read > space_) {
        // 2x what one RTT carried covers a loss recovery in steady state,
        // 16 MSS small variations; a sender in slow start doubles per RTT and
        // the window we show now limits the RTT after next: twice that growth.
        uint64_t win = 2 * uint64_t(read) + 16 * uint64_t(mss_);
        uint64_t grow = win * (read - space_) / std::max<size_t>(space_, 1);
        win += 2 * grow;
        want = size_t(std::min<uint64_t>(win, SIZE_MAX / 2));
        space_ = read;
    }
    seq_ = copied;
    time_ = now;
    return want;
}

}  // namespace ustack::tcp
