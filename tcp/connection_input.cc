// SEGMENT ARRIVES (RFC 9293 §3.10.7): CLOSED (§3.10.7.1), SYN-SENT (§3.10.7.3)
// and the other states (§3.10.7.4) in the RFC's numbered steps, with the
// RFC 5961 §3-§5 mitigations that §3.10.7.4 adopts (throttled, §7) and RFC 6093 urgent semantics.
#include <algorithm>

#include "tcp/connection_impl.h"

namespace ustack::tcp {

void Connection::Impl::input(const Segment& seg, Instant now) {
    switch (state) {
    case State::Closed:
        input_closed(seg);
        return;
    case State::Listen:
        return;  // LISTEN lives in the TcpLayer's listeners (§3.10.7.2)
    case State::SynSent:
        input_syn_sent(seg, now);
        break;
    default:
        input_synchronized(seg, now);
        break;
    }
    if (state != State::Closed) output(now);
}

void Connection::Impl::input_closed(const Segment& seg) {
    // §3.10.7.1: all data is discarded; a RST is discarded; anything else gets a RST.
    send_reset_for(seg);
}

void Connection::Impl::take_mss(const Segment& syn) {
    // MUST-15: 536 when the option is absent; MUST-16: never above our own MTU-derived MSS.
    uint16_t peer = syn.options.mss.value_or(cfg.default_send_mss);
    if (peer == 0) peer = cfg.default_send_mss;
    snd.set_mss(std::min(peer, cfg.mss));
}

void Connection::Impl::take_syn_options(const Segment& syn) {
    take_mss(syn);
    // RFC 7323 §2.2: scaling only when both SYNs carry Window Scale; a shift
    // above 14 is taken as 14 (§2.3). Called after rcv.start(), so the
    // window in our SYN-ACK stays unscaled.
    ws_ok = cfg.window_scaling && syn.options.window_scale.has_value();
    if (ws_ok) {
        snd.set_scale(std::min<uint8_t>(*syn.options.window_scale, 14));
        rcv.set_scale(window_scale_for(recv_buffer_ceiling(cfg)));
    }
    // RFC 2018 §2: SACK blocks only when both SYNs carry SACK-permitted.
    sack_ok = cfg.sack && syn.options.sack_permitted;
    ecn_take_syn(syn);  // RFC 3168 §6.1.1
    // RFC 7323 §3.2: Timestamps on every segment only when both SYNs carry
    // them; TS.Recent starts from the peer's SYN. The option takes 12 octets
    // of every segment, so the payload per segment shrinks by that much
    // (RFC 9293 §3.7.1: the MSS counts data only, options come out of it).
    ts_ok = cfg.timestamps && syn.options.timestamps.has_value();
    if (ts_ok) {
        ts_recent = syn.options.timestamps->val;
        ts_recent_at = clock;
        snd.set_mss(uint16_t(std::max(snd.mss() - 12, 64)));
    }
    clamp_mss();  // IP options and a lowered path MTU take their share too
}

uint32_t Connection::Impl::ts_now() const {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(clock.time_since_epoch()).count();
    return uint32_t(uint64_t(ms)) + ts_offset;
}

bool Connection::Impl::paws_rejects(const Segment& seg) const {
    // R1: a timestamp older than TS.Recent marks a segment from an earlier
    // wrap of the sequence space; RSTs are exempt. TS.Recent older than 24
    // days is no longer valid (§5.5).
    if (!ts_ok || !seg.options.timestamps || seg.rst()) return false;
    if (clock - ts_recent_at > std::chrono::hours(24 * 24)) return false;
    return int32_t(seg.options.timestamps->val - ts_recent) < 0;
}

void Connection::Impl::update_ts_recent(const Segment& seg) {
    // §4.3: SEG.TSval >= TS.Recent and SEG.SEQ =< Last.ACK.sent. A TS.Recent
    // idle for over 24 days is invalid (§5.5): the next timestamp replaces it.
    if (!ts_ok || !seg.options.timestamps) return;
    bool stale = clock - ts_recent_at > std::chrono::hours(24 * 24);
    if ((stale || int32_t(seg.options.timestamps->val - ts_recent) >= 0) && seg.seq <= last_ack_sent) {
        ts_recent = seg.options.timestamps->val;
        ts_recent_at = clock;
    }
}

bool Connection::Impl::oow_rate_limited(const Segment& seg) {
    // RFC 5961 §7, per connection (Linux tcp_oow_rate_limited): a segment
    // that occupies sequence space (text or FIN) is answered always, so a
    // retransmission is never left unacknowledged; SYNs, RSTs and bare ACKs,
    // the stuff of ACK loops and blind attacks, get one ACK per interval.
    if (seg.len() != 0 && !seg.syn()) return false;
    if (cfg.invalid_ack_interval == Duration::zero()) return false;
    if (last_oow_ack && clock >= *last_oow_ack && clock - *last_oow_ack < cfg.invalid_ack_interval) return true;
    last_oow_ack = clock;
    return false;
}

void Connection::Impl::challenge_ack(const Segment& seg) {
    // <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>, unless the connection's interval
    // or the stack's per-second budget (§7) says no.
    bool send = !oow_rate_limited(seg) && (!ack_throttle || ack_throttle->allow(clock, cfg.challenge_ack_limit));
    if (ack_throttle) ack_throttle->count_challenge(send);
    if (send) ack_now = true;
}

void Connection::Impl::oow_ack(const Segment& seg) {
    if (oow_rate_limited(seg)) {
        if (ack_throttle) ack_throttle->count_oow_suppressed();
        return;
    }
    ack_now = true;
}

void Connection::Impl::rtt_on_ack(const Segment& seg, Instant now) {
    // RFC 7323 §4: with timestamps every ACK of new data gives a sample,
    // RTT = now - TSecr; the echo names the transmission it answers, so a
    // retransmission is not ambiguous and Karn's rule is not needed.
    if (ts_ok && seg.options.timestamps && seg.options.timestamps->ecr != 0) {
        uint32_t ecr = seg.options.timestamps->ecr;
        // Karn's rule for echoes: an echo from before our latest retransmission
        // may answer an original whose ACK was lost, and then measures the
        // timeout, not the path (RFC 7323 §4.2 calls such samples inflated).
        // Fed back into the RTO they compound at high loss until R2 kills a
        // healthy connection (found by LossySim at 20 % loss). Later echoes
        // name a transmission sent after the retransmission: unambiguous.
        if (ts_last_retransmit && int32_t(ecr - *ts_last_retransmit) < 0) return;
        uint32_t ms = ts_now() - ecr;
        if (ms < 0x80000000u) rtt.sample(std::chrono::milliseconds(ms));
        rtt.on_retransmit();  // no Karn timing runs alongside
        return;
    }
    rtt.on_ack(seg.ack, now);
}

void Connection::Impl::input_syn_sent(const Segment& seg, Instant now) {
    // First, check the ACK bit: SEG.ACK =< ISS or SEG.ACK > SND.NXT is unacceptable.
    if (seg.ack_flag() && (seg.ack <= snd.iss() || seg.ack > snd.max())) {
        if (!seg.rst()) send_rst(seg.ack);  // <SEQ=SEG.ACK><CTL=RST>
        return;
    }
    // Second, check the RST bit: only with an acceptable ACK does it refuse the connection.
    if (seg.rst()) {
        if (seg.ack_flag()) fail(TcpError::ConnectionRefused, "RST received in SYN-SENT: connection refused");
        return;
    }
    // Third, security: no IP security options are used; nothing to check.
    // Fourth, check the SYN bit.
    if (!seg.syn()) return;  // fifth: neither SYN nor RST, drop
    last_received = now;
    rcv.start(seg.seq);
    take_syn_options(seg);
    if (seg.ack_flag()) {
        snd.acknowledge(seg.ack);
        rtt_on_ack(seg, now);
    }
    if (snd.syn_acked()) {
        // Our SYN has been ACKed: ESTABLISHED, <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>.
        snd.set_window(seg.window, seg.seq, seg.ack);
        retransmissions = 0;
        soft_error = TcpError::None;
        retransmit_deadline.reset();
        enter_established(cause_with_seq("SYN-ACK received: ACK ", seg.ack, " acknowledges our SYN"));
        ack_now = true;
        process_urgent(seg);  // "continue processing at the sixth step ... where the URG bit is checked"
        if (!seg.payload.empty() || seg.fin()) {
            // Data or FIN on the SYN-ACK: continue at the seventh step.
            Segment rest = seg;
            rest.flags = uint8_t(rest.flags & ~flags::SYN);
            rest.seq = seg.seq + 1;
            process_text_and_fin(rest, now);
        }
        return;
    }
    // Simultaneous open (MUST-10): SYN-RECEIVED, <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>.
    snd.set_window(seg.window, seg.seq, snd.iss());
    set_state(State::SynReceived, cause_with_seq("SYN ", seg.seq, " received in SYN-SENT (simultaneous open)"));
    rtt.on_retransmit();  // the SYN-ACK repeats ISS: an ACK for it is ambiguous (Karn)
    send_syn(true, now);
}

void Connection::Impl::input_synchronized(const Segment& in, Instant now) {
    Segment seg = in;
    if (state == State::SynReceived && seg.syn() && !seg.rst() && seg.seq == rcv.irs()) {
        if (!seg.ack_flag()) {
            // The peer repeated its SYN: our SYN-ACK was lost. Send it again.
            rtt.on_retransmit();
            send_syn(true, now);
            return;
        }
        // Simultaneous open: the peer's SYN-ACK repeats the SYN we already took;
        // the ACK in it is what matters. Continue without the SYN.
        seg.flags = uint8_t(seg.flags & ~flags::SYN);
        seg.seq = seg.seq + 1;
    }

    // RFC 7323 §5.3 R1 (PAWS), before the sequence number check: an old
    // timestamp makes the segment unacceptable (ACK, drop), except a RST.
    if (paws_rejects(seg)) {
        if (unacceptable_counter) ++*unacceptable_counter;
        oow_ack(seg);
        return;
    }

    // First, check the sequence number (the §3.10.7.4 acceptability table).
    if (!rcv.acceptable(seg)) {
        if (unacceptable_counter) ++*unacceptable_counter;
        if (seg.rst()) return;
        // RFC 2883 §4: text received before is reported in a D-SACK block.
        if (sack_ok && !seg.payload.empty() && seg.seq + uint32_t(seg.payload.size()) <= rcv.nxt())
            rcv.note_duplicate(seg.seq, seg.seq + uint32_t(seg.payload.size()));
        // Text we cannot take: mostly a repeat (our ACK was lost or late and the
        // peer retransmits), else beyond the window; either way the next
        // segments are ACKed at once (Linux's tcp_send_dupack does the same).
        if (!seg.payload.empty()) quick_acks = 0;
        if (state == State::TimeWait && seg.fin()) {
            // A retransmitted FIN: ACK it and restart the 2MSL timer (§3.10.7.4 eighth step).
            time_wait_deadline = now + 2 * cfg.msl;
        }
        // A zero window accepts no data, but valid ACKs still count.
        if (rcv.wnd() == 0 && seg.seq == rcv.nxt() && seg.ack_flag() && !seg.syn() &&
            state != State::SynReceived) {
            // MUST-66: ACK and URG are processed even with a zero window.
            if (check_ack(seg, now)) process_urgent(seg);
        }
        if (state != State::Closed) oow_ack(seg);  // <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>
        return;
    }

    // R3 (§4.3): an acceptable segment may advance TS.Recent.
    update_ts_recent(seg);
    // The peer is alive: the keep-alive idle clock restarts (§3.8.4).
    last_received = now;
    keepalive_probes = 0;
    ecn_on_segment(seg);  // RFC 3168 §6.1.3; the TOS for the application (MAY-9)

    // Second, check the RST bit (RFC 5961 §3.2: only an exact RCV.NXT resets;
    // otherwise in-window RSTs get a challenge ACK).
    if (seg.rst()) {
        if (seg.seq != rcv.nxt()) {
            challenge_ack(seg);
            return;
        }
        switch (state) {
        case State::SynReceived:
            if (passive) to_closed("RST received in SYN-RECEIVED: return to LISTEN");
            else fail(TcpError::ConnectionRefused, "RST received in SYN-RECEIVED: connection refused");
            return;
        case State::Established:
        case State::FinWait1:
        case State::FinWait2:
        case State::CloseWait:
            fail(TcpError::ConnectionReset, "RST received");
            return;
        default:  // CLOSING, LAST-ACK, TIME-WAIT
            to_closed("RST received");
            return;
        }
    }

    // Third, check security: no IP security options are used; nothing to check.

    // Fourth, check the SYN bit.
    if (seg.syn()) {
        if (state == State::SynReceived && passive) {
            to_closed(cause_with_seq("SYN ", seg.seq, " received in SYN-RECEIVED: return to LISTEN"));
            return;
        }
        // RFC 5961 §4 (adopted by §3.10.7.4): a challenge ACK, then drop.
        challenge_ack(seg);
        return;
    }

    // Fifth, check the ACK field.
    if (!seg.ack_flag()) return;
    if (!check_ack(seg, now)) return;

    // Sixth, check the URG bit.
    process_urgent(in.syn() ? in : seg);  // SEG.UP counts from SEG.SEQ, a SYN's included

    // Seventh, process the segment text; eighth, check the FIN bit. New
    // data for an application that has fully closed is reset instead.
    if (data_after_close(seg)) return;
    process_text_and_fin(seg, now);
}

bool Connection::Impl::check_ack(const Segment& seg, Instant now) {
    if (state == State::SynReceived) {
        // SND.UNA < SEG.ACK =< SND.NXT: ESTABLISHED; otherwise <SEQ=SEG.ACK><CTL=RST>.
        if (!snd.acks_new(seg.ack)) {
            send_rst(seg.ack);
            return false;
        }
        snd.acknowledge(seg.ack);
        rtt_on_ack(seg, now);
        snd.set_window(snd.scaled(seg.window), seg.seq, seg.ack);
        retransmissions = 0;
        soft_error = TcpError::None;
        retransmit_deadline.reset();
        enter_established(cause_with_seq("ACK ", seg.ack, " acknowledges our SYN"));
        take_syn_text(now);
        return true;
    }
    // RFC 5961 §5.2 (adopted by §3.10.7.4 fifth step): SEG.ACK must lie in
    // [SND.UNA - MAX.SND.WND, SND.NXT], else a challenge ACK and the segment,
    // text included, is dropped. Above SND.NXT it acknowledges something not
    // yet sent. Below, MAX.SND.WND is capped by what was ever acknowledged (as
    // Linux's min(max_window, bytes_acked)): nothing below ISS was ever sent.
    uint32_t max_back = std::min(snd.max_wnd(), uint32_t(snd.una() - snd.iss()));
    if (seg.ack > snd.ack_limit() || seg.ack < snd.una() - max_back) {
        challenge_ack(seg);
        return false;
    }
    if (state == State::TimeWait) return true;

    // A duplicate ACK in the sense of RFC 5681 §2 (checked before the window update).
    bool dup = seg.ack == snd.una() && seg.payload.empty() && !seg.syn() && !seg.fin() &&
               snd.scaled(seg.window) == snd.wnd() && snd.flight_size() > 0;
    uint32_t flight_before = snd.flight_size();
    uint32_t cwnd_before = cc->cwnd();
    uint32_t newly_sacked = take_sack(seg);
    if (snd.acks_new(seg.ack)) {
        // FIN-WAIT-1 entered from SYN-RECEIVED: this ACK may be the first for our SYN.
        if (!snd.syn_acked() && seg.ack > snd.iss()) {
            cc->init(snd.mss(), now);
            take_syn_text(now);
        }
        uint32_t acked = uint32_t(seg.ack - snd.una());
        size_t freed = snd.acknowledge(seg.ack);
        rtt_on_ack(seg, now);
        retransmissions = 0;
        soft_error = TcpError::None;  // the path works: forget an ICMP soft error (as Linux tcp_ack)
        // RFC 6298 §5.2/§5.3: stop the timer, or restart it for what is still outstanding.
        retransmit_deadline.reset();
        if (snd.flight_size() > 0) arm_retransmit(now);
        snd.update_window(seg);
        scoreboard.acknowledge(snd.una());
        forget_short_segments_below(snd.una());
        undo_check(seg);  // RFC 3522: was the retransmission needed?
        recovery_on_new_ack(acked, flight_before, now);
        if (freed > 0) pending_events |= Writable;
    } else {
        snd.update_window(seg);
        // RFC 6675 §2: with SACK, an ACK that SACKs new data is a duplicate
        // even if the window changed; one carrying only old blocks is not.
        if (sack_ok && seg.options.sack_count > 0)
            dup = seg.ack == snd.una() && newly_sacked > 0 && !seg.syn() && !seg.fin() && snd.flight_size() > 0;
        if (dup) recovery_on_dup_ack(flight_before, now);
    }
    if (sack_ok && snd.syn_acked()) rack_on_ack(seg, flight_before, now);  // RFC 8985 §6.2
    ecn_on_ack(seg, flight_before, cwnd_before, now);  // RFC 3168 §6.1.2

    switch (state) {
    case State::FinWait1:
        if (snd.fin_acked()) set_state(State::FinWait2, cause_with_seq("ACK ", seg.ack, " acknowledges our FIN"));
        break;
    case State::Closing:
        if (snd.fin_acked()) enter_time_wait(cause_with_seq("ACK ", seg.ack, " acknowledges our FIN"), now);
        break;
    case State::LastAck:
        if (snd.fin_acked()) {
            to_closed(cause_with_seq("ACK ", seg.ack, " acknowledges our FIN"));
            return false;
        }
        break;
    default:
        break;
    }
    return true;
}

void Connection::Impl::process_urgent(const Segment& seg) {
    // §3.10.7.4 sixth step: in ESTABLISHED, FIN-WAIT-1 and FIN-WAIT-2,
    // RCV.UP <- max(RCV.UP, SEG.UP) and the user is signalled when RCV.UP is
    // ahead of the data consumed (MUST-32). In CLOSE-WAIT, CLOSING, LAST-ACK
    // and TIME-WAIT the peer's FIN has come: "this should not occur", ignore.
    // Urgent octets stay inline (RFC 6093 §5: SO_OOBINLINE semantics).
    if (!seg.has(flags::URG)) return;
    if (state != State::Established && state != State::FinWait1 && state != State::FinWait2) return;
    if (rcv.note_urgent(seg.seq + uint32_t(seg.urgent_ptr))) pending_events |= Urgent;
}

void Connection::Impl::take_syn_text(Instant now) {
    if (syn_text == 0) return;
    // The text queued from the SYN (§3.10.7.2) is processed once our SYN is
    // acknowledged, before the text of the segment that acknowledged it.
    Segment queued;
    queued.seq = rcv.irs() + 1;
    queued.flags = flags::ACK;
    queued.payload = std::span<const uint8_t>(scratch.data(), syn_text);
    syn_text = 0;
    process_text_and_fin(queued, now);
}

void Connection::Impl::ack_received_text(const Segment& seg, SeqNum rcv_nxt_before, bool had_gap, Instant now) {
    // §3.8.6.3: in-order data may wait for a delayed ACK (SHLD-18), under
    // 0.5 s (MUST-40), and never past the second segment (SHLD-19). An
    // out-of-order segment, one that fills a gap, or a FIN is ACKed at once
    // (RFC 5681 §4.2), so the sender's loss recovery is not slowed down.
    bool in_order = seg.seq == rcv_nxt_before && rcv.nxt() > rcv_nxt_before;
    // A gap means the sender is recovering a loss: as Linux's quick-ACK mode
    // after out-of-order data, the next quick_ack_segments in-order segments
    // are ACKed at once too. A delayed ACK there would reach the sender as
    // 200 ms of extra RTT (its RTO and pacing grow) or as a timeout.
    if (!in_order || had_gap) quick_acks = 0;
    bool quick = in_order && quick_acks < cfg.quick_ack_segments;
    if (quick) ++quick_acks;
    if (!cfg.delayed_ack || quick || had_gap || !in_order || seg.fin() || ++delack_segments >= 2) {
        ack_now = true;
        return;
    }
    if (!delack_deadline) delack_deadline = now + cfg.delayed_ack_timeout;
}

void Connection::Impl::process_text_and_fin(const Segment& seg, Instant now) {
    if (seg.payload.empty() && !seg.fin()) return;
    if (!can_receive_data(state)) {
        // CLOSE-WAIT, CLOSING, LAST-ACK, TIME-WAIT: the peer's FIN came already;
        // text is ignored, a repeated FIN is ACKed (TIME-WAIT restarts 2MSL).
        if (seg.fin()) {
            ack_now = true;
            if (state == State::TimeWait) time_wait_deadline = now + 2 * cfg.msl;
        }
        return;
    }
    // Seventh: text goes to the receive buffer (out of order: held).
    SeqNum before = rcv.nxt();
    bool had_gap = rcv.out_of_order() > 0;
    Receiver::Accepted acc = rcv.accept(seg);
    if (seg.has(flags::PSH) && !seg.payload.empty()) {
        // MAY-17: where pushed data ends, for pushed_readable().
        SeqNum end = seg.seq + uint32_t(seg.payload.size());
        push_mark = push_mark ? wire::max(*push_mark, end) : end;
    }
    ack_received_text(seg, before, had_gap || acc.fin, now);
    if (acc.bytes > 0) {
        pending_events |= Readable;
        autotune_on_data(seg, now);
    }
    if (!acc.fin) return;

    // Eighth: the FIN is in order.
    pending_events |= Readable;
    std::string cause = cause_with_seq("FIN ", rcv.nxt() - 1, " received");
    switch (state) {
    case State::Established:
        set_state(State::CloseWait, cause);
        break;
    case State::FinWait1:
        if (snd.fin_acked()) enter_time_wait(cause + " and our FIN is acknowledged", now);
        else set_state(State::Closing, cause + " (simultaneous close)");
        break;
    case State::FinWait2:
        enter_time_wait(cause, now);
        break;
    default:
        break;
    }
}

}  // namespace ustack::tcp
