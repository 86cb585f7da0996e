// Timeouts (RFC 9293 §3.10.8): retransmission with RFC 6298 backoff and the
// R2 limits of §3.8.3 (MUST-20, MUST-23), TIME-WAIT 2MSL (§3.4.2, MUST-13),
// zero-window probes (§3.8.6.1, MUST-36/37 probing with backoff) and the
// delayed ACK timer (§3.8.6.3, MUST-40).
#include <algorithm>

#include "tcp/connection_impl.h"

namespace ustack::tcp {

std::optional<Instant> Connection::Impl::next_deadline() const {
    std::optional<Instant> d;
    for (const auto& t : {retransmit_deadline, persist_deadline, time_wait_deadline, delack_deadline}) {
        if (t && (!d || *t < *d)) d = t;
    }
    return d;
}

void Connection::Impl::on_timer(Instant now) {
    if (time_wait_deadline && now >= *time_wait_deadline) {
        time_wait_deadline.reset();
        if (state == State::TimeWait) {
            to_closed("2MSL timer expired");
            return;
        }
    }
    if (retransmit_deadline && now >= *retransmit_deadline) {
        retransmit_deadline.reset();
        on_retransmit_timeout(now);
        if (state == State::Closed) return;
    }
    if (persist_deadline && now >= *persist_deadline) {
        persist_deadline.reset();
        on_persist_timeout(now);
    }
    if (delack_deadline && now >= *delack_deadline) {
        delack_deadline.reset();
        if (state != State::Closed) send_ack();  // the delayed ACK (§3.8.6.3)
    }
}

void Connection::Impl::on_retransmit_timeout(Instant now) {
    // Our SYN is unacknowledged (SYN-SENT, SYN-RECEIVED, or FIN-WAIT-1 after a
    // CLOSE in SYN-RECEIVED): the SYN goes again first.
    bool syn_phase = !snd.syn_acked();
    if (snd.max() == snd.una()) return;  // nothing outstanding (timer was stale)

    if (retransmissions == 0) retransmit_series_start = now - rtt.rto();
    // R2 (§3.8.3): give up once the oldest outstanding segment has been
    // retransmitted for this long; at least 3 minutes for a SYN (MUST-23).
    Duration r2 = syn_phase ? cfg.r2_syn_timeout : cfg.r2_timeout;
    if (retransmissions > 0 && now - retransmit_series_start >= r2) {
        if (state == State::SynReceived && passive) {
            to_closed("retransmission limit R2 reached");  // never reported: not yet accepted
            return;
        }
        // Tell the peer we are gone if it is still listening (<SEQ=SND.NXT><CTL=RST>).
        if (!syn_phase) send_rst(snd.ack_seq());
        // An ICMP soft error seen meanwhile says why (RFC 1122 §4.2.3.9, as Linux).
        fail(timeout_error(), "retransmission limit R2 reached");
        return;
    }
    ++retransmissions;
    // RFC 6298 §5.5 back off; RFC 5681 §3.1 loss window; Karn: no sample.
    rtt.backoff();
    rtt.on_retransmit();
    if (syn_phase) {
        syn_retransmitted = true;
        if (retransmit_counter) ++*retransmit_counter;
        send_syn(state != State::SynSent, now);
    } else {
        // RFC 5681 §3.1 loss window, then RFC 6298 §5.4: the earliest
        // unacknowledged segment again; without SACK the rest follows
        // go-back-N, with SACK only the holes (RFC 6675 §5.1).
        retransmit_deadline.reset();
        recovery_on_timeout(now);
    }
    // §5.6: restart the timer with the backed-off RTO.
    arm_retransmit(now);
    output(now);
}

void Connection::Impl::on_persist_timeout(Instant now) {
    if (!snd.syn_acked() || snd.unsent() == 0 || snd.wnd() != 0 || scratch.empty()) {
        update_timers(now);
        return;
    }
    // A zero-window probe: one byte of new data at SND.NXT, which the peer
    // either takes (its window reopened) or answers with its current window.
    Segment s = make_segment(snd.nxt(), flags::ACK);
    size_t n = snd.copy(snd.nxt(), std::span<uint8_t>(scratch.data(), 1));
    s.payload = std::span<const uint8_t>(scratch.data(), n);
    snd.on_probe_sent(snd.nxt() + uint32_t(n));
    emit(s);
    ack_now = false;
    // Exponential backoff between probes, capped at the RTO ceiling; the
    // connection is never closed for a zero window alone (§3.8.6.1).
    persist_interval = std::min(persist_interval * 2, cfg.rto_max);
    if (persist_interval <= Duration::zero()) persist_interval = rtt.rto();
    persist_deadline = now + persist_interval;
}

}  // namespace ustack::tcp
