// Timeouts (RFC 9293 §3.10.8): retransmission with RFC 6298 backoff, the R1/R2
// limits of §3.8.3 (MUST-20..23) and the user timeout, TIME-WAIT 2MSL (§3.4.2,
// MUST-13), zero-window probes (§3.8.6.1, MUST-36/37 probing with backoff),
// the delayed ACK timer (§3.8.6.3, MUST-40), keep-alives (§3.8.4, MUST-24..29,
// MAY-6) and the ceiling on a held unpushed tail (§3.9.1.2, MAY-15);
// the user timeout and R2 also end unanswered zero-window and keep-alive probes.
#include <algorithm>
#include <string>

#include "tcp/connection_impl.h"

namespace ustack::tcp {

Duration r2_limit(const TcpConfig& cfg) {
    // Linux tcp_model_timeout(): the sum of n+1 RTOs from rto_min, doubling
    // up to rto_max; the first wait is the original transmission's.
    if (cfg.r2_retransmissions == 0) return cfg.r2_timeout;
    Duration total{}, step = std::max(cfg.rto_min, Duration(1));
    uint64_t waits = uint64_t(cfg.r2_retransmissions) + 1;
    for (; waits > 0 && step < cfg.rto_max; --waits, step *= 2) total += step;
    total += cfg.rto_max * int64_t(waits);  // the rest at the ceiling
    return std::max(cfg.r2_timeout, total);
}

std::optional<Instant> Connection::Impl::next_deadline() const {
    std::optional<Instant> d;
    for (const auto& t :
         {retransmit_deadline, persist_deadline, time_wait_deadline, delack_deadline, keepalive_deadline,
          fin_wait2_deadline, rack_deadline, tlp_deadline, cork_deadline}) {
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
    if (fin_wait2_deadline && now >= *fin_wait2_deadline) {
        fin_wait2_deadline.reset();
        if (on_fin_wait2_timeout()) return;  // an orphan's FIN-WAIT-2 (connection_orphan.cc)
    }
    if (retransmit_deadline && now >= *retransmit_deadline) {
        retransmit_deadline.reset();
        on_retransmit_timeout(now);
        if (state == State::Closed) return;
    }
    if (rack_deadline && now >= *rack_deadline) {
        rack_deadline.reset();
        if (state != State::Closed) on_rack_timeout(now);  // RFC 8985 §6.3 reordering timer
    }
    if (tlp_deadline && now >= *tlp_deadline) {
        tlp_deadline.reset();
        if (state != State::Closed) on_tlp_timeout(now);  // RFC 8985 §7.3 tail loss probe
    }
    if (persist_deadline && now >= *persist_deadline) {
        persist_deadline.reset();
        on_persist_timeout(now);
    }
    if (delack_deadline && now >= *delack_deadline) {
        delack_deadline.reset();
        if (state != State::Closed) send_ack();  // the delayed ACK (§3.8.6.3)
    }
    if (cork_deadline && now >= *cork_deadline) {
        cork_deadline.reset();
        if (state != State::Closed) on_cork_timeout(now);  // MAY-15 ceiling
    }
    if (keepalive_deadline && now >= *keepalive_deadline) {
        keepalive_deadline.reset();
        if (state != State::Closed) on_keepalive_timeout(now);
    }
}

void Connection::Impl::on_retransmit_timeout(Instant now) {
    // Our SYN is unacknowledged (SYN-SENT, SYN-RECEIVED, or FIN-WAIT-1 after a
    // CLOSE in SYN-RECEIVED): the SYN goes again first.
    bool syn_phase = !snd.syn_acked();
    if (snd.max() == snd.una()) return;  // nothing outstanding (timer was stale)

    if (retransmissions == 0) retransmit_series_start = now - rtt.rto();
    // R2 (§3.8.3): give up once the oldest outstanding segment has been
    // retransmitted for this long (r2_limit: at least 100 s, about 15
    // backed-off retransmissions as Linux); at least 3 minutes for a SYN
    // (MUST-23). A user timeout, when set, replaces R2 (MUST-21, §3.9.1).
    bool user = cfg.user_timeout > Duration::zero();
    Duration r2 = user ? cfg.user_timeout : syn_phase ? cfg.r2_syn_timeout : r2_limit(cfg);
    // SHLD-17 (§3.8.6): the peer shrank its window to zero over data in
    // flight; while it keeps answering, the retransmissions are window probes
    // and the unacknowledged data past the right edge never times out (as Linux).
    bool window_shrunk_peer_alive = !syn_phase && !user && snd.wnd() == 0 && now - last_received < r2;
    if (retransmissions > 0 && now - retransmit_series_start >= r2 && !window_shrunk_peer_alive) {
        if (state == State::SynReceived && passive) {
            to_closed("retransmission limit R2 reached");  // never reported: not yet accepted
            return;
        }
        if (user) {
            // §3.10.8 USER TIMEOUT: flush, signal the user, CLOSED; no RST (as
            // Linux); an ICMP soft error seen meanwhile says why (SHLD-25).
            fail(timeout_error(), "user timeout expired");
            return;
        }
        // Tell the peer we are gone if it is still listening (<SEQ=SND.NXT><CTL=RST>).
        if (!syn_phase) send_rst(snd.ack_seq());
        // An ICMP soft error seen meanwhile says why (RFC 1122 §4.2.3.9, as Linux).
        fail(timeout_error(), "retransmission limit R2 reached");
        return;
    }
    ++retransmissions;
    if (retransmissions >= cfg.r1_retransmissions) negative_advice();
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
    // §5.6: restart the timer with the backed-off RTO; with a user timeout
    // the last wait ends exactly when the timeout does (as Linux's TCP_USER_TIMEOUT).
    arm_retransmit(now);
    if (user) retransmit_deadline = std::min(*retransmit_deadline, std::max(now, retransmit_series_start + r2));
    output(now);
}

void Connection::Impl::negative_advice() {
    // MUST-20: advice for IP (the layer counts it; a routed shell could pick
    // another gateway); SHLD-9: the application hears it once the call is done.
    if (layer_hook) layer_hook->on_negative_advice(self, retransmissions);
    advice_retransmissions = retransmissions;
    if (error_reports) pending_events |= Advice;  // SHLD-20: the application may turn it off
}

void Connection::Impl::update_keepalive() {
    // §3.8.4: probe only a synchronized connection that is idle: nothing in
    // flight, nothing waiting to be sent (MUST-26). The idle clock runs from
    // the last segment received (or from when keep-alive was turned on), and
    // each unanswered probe pushes the next one `interval` further.
    bool idle_state = state == State::Established || state == State::CloseWait || state == State::FinWait2;
    bool quiet = snd.flight_size() == 0 && snd.unsent() == 0;
    if (!cfg.keepalive || !idle_state || !quiet) {
        keepalive_deadline.reset();
        return;
    }
    const KeepAliveConfig& k = cfg.keepalive_config;
    keepalive_deadline = keepalive_idle_since() + k.idle + k.interval * int64_t(keepalive_probes);
}

void Connection::Impl::on_keepalive_timeout(Instant now) {
    update_keepalive();
    if (!keepalive_deadline || *keepalive_deadline > now) return;  // no longer idle
    // The peer answered none of `count` probes (MUST-29: one lost ACK is not
    // enough): it is gone. With a user timeout the count is not used: the
    // connection goes once it has been silent that long with a probe out
    // (Linux tcp_keepalive_timer with TCP_USER_TIMEOUT).
    bool user = cfg.user_timeout > Duration::zero();
    bool gone = user ? keepalive_probes > 0 && now - keepalive_idle_since() >= cfg.user_timeout
                     : keepalive_probes >= cfg.keepalive_config.count;
    if (gone) {
        // A RST in case it is alive but lost our state;
        // <SEQ=SND.NXT><ACK=RCV.NXT><CTL=RST,ACK> as Linux sends it.
        emit(make_segment(snd.nxt(), flags::RST | flags::ACK));
        fail(timeout_error(), "keep-alive: no answer to " + std::to_string(keepalive_probes) + " probes");
        return;
    }
    // The probe: <SEQ=SND.NXT-1><ACK=RCV.NXT><CTL=ACK>, no data (SHLD-12).
    // The sequence number is old, so the peer must answer with an ACK. With
    // garbage_octet (MAY-6) it carries one octet there, a duplicate below the
    // peer's RCV.NXT whose value does not matter (never counted as sent).
    Segment probe = make_segment(snd.nxt() - 1u, flags::ACK);
    const uint8_t garbage[1] = {0};
    if (cfg.keepalive_config.garbage_octet) probe.payload = std::span<const uint8_t>(garbage, 1);
    emit(probe);
    ++keepalive_probes;
    update_keepalive();
}

void Connection::Impl::on_persist_timeout(Instant now) {
    if (!snd.syn_acked() || snd.unsent() == 0 || snd.wnd() != 0 || scratch.empty()) {
        update_timers(now);
        return;
    }
    // An answer (any acceptable segment) since the series began ends it: a
    // window may stay closed indefinitely while the peer answers (MUST-37,
    // RFC 1122 §4.2.2.17). Probes unanswered for the user timeout, or without
    // one for R2, mean the peer is gone (Linux tcp_probe_timer).
    if (probe_series_start && last_received >= *probe_series_start) {
        probe_series_start.reset();
        if (now < persist_due) {  // woken for the user timeout, but answered: probe on schedule
            persist_deadline = persist_due;
            return;
        }
    }
    bool user = cfg.user_timeout > Duration::zero();
    Duration limit = user ? cfg.user_timeout : r2_limit(cfg);
    if (probe_series_start && now - *probe_series_start >= limit) {
        if (!user) send_rst(snd.ack_seq());  // as on R2 for data
        fail(timeout_error(), user ? "user timeout expired: zero-window probes unanswered"
                                   : "retransmission limit R2 reached: zero-window probes unanswered");
        return;
    }
    if (!probe_series_start) probe_series_start = now;
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
    persist_due = now + persist_interval;
    persist_deadline = persist_due;
    // As for data: the last wait ends exactly when the user timeout does.
    if (user) persist_deadline = std::min(*persist_deadline, *probe_series_start + limit);
}

}  // namespace ustack::tcp
