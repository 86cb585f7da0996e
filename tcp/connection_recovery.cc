// Loss recovery (RFC 5681 §3.2): with SACK, RACK (RFC 8985 §6) finds the
// lost segments and RFC 6675 §5 (pipe, NextSeg) and §5.1 after a timeout
// decide what goes; without SACK, NewReno (RFC 6582 §3.2); limited transmit
// for the first two duplicate ACKs (RFC 3042 §2).
// The controller (tcp/congestion.h) sizes the window; this file decides what to send.
#include <algorithm>

#include "tcp/connection_impl.h"

namespace ustack::tcp {

uint32_t Connection::Impl::take_sack(const Segment& seg) {
    if (!sack_ok || seg.options.sack_count == 0) return 0;
    size_t n = std::min<size_t>(seg.options.sack_count, seg.options.sack.size());
    return scoreboard.update(wire::max(seg.ack, snd.una()), snd.max(),
                             std::span<const SackBlock>(seg.options.sack.data(), n));
}

uint32_t Connection::Impl::pipe() const {
    // RFC 6675 §4 SetPipe() with RACK's loss marks in place of IsLost().
    return rack.pipe(snd.una());
}

void Connection::Impl::rack_on_ack(const Segment& seg, uint32_t flight_before, Instant now) {
    // RFC 2883 §4: the first block is a D-SACK when it lies at or below the
    // cumulative ACK, or inside the second block.
    bool dsack = false;
    if (seg.options.sack_count > 0) {
        const SackBlock& b = seg.options.sack[0];
        dsack = b.right <= seg.ack ||
                (seg.options.sack_count > 1 && seg.options.sack[1].left <= b.left && b.right <= seg.options.sack[1].right);
    }
    rack.on_ack(snd.una(), scoreboard, dsack, snd.nxt(), now);
    tlp_on_ack(seg, dsack, flight_before, now);
    rack_detect(flight_before, now);
}

void Connection::Impl::rack_detect(uint32_t flight, Instant now) {
    rack_deadline = rack.detect_loss(in_recovery || rto_recovery, rtt.srtt(), now);
    // RFC 8985 §6.2: a segment marked lost starts fast recovery (RFC 6675 §5 (4)).
    if (!in_recovery && !rto_recovery && rack.any_lost()) enter_recovery(flight, now);
}

void Connection::Impl::arm_tlp(Instant now) {
    // RFC 8985 §7.2: with SACK, outside recovery, one probe at a time, once
    // an RTT is known; restarted by new data and by ACKs of new data (their
    // callers reset tlp_deadline).
    if (!cfg.tail_loss_probe || tlp_deadline || tlp_end_seq || !sack_ok || in_recovery || rto_recovery || !rtt.has_sample() ||
        snd.max() == snd.una() || !snd.syn_acked() || !retransmit_deadline)
        return;
    // PTO = 2 SRTT, plus the worst-case delayed ACK when a single segment is
    // out (its ACK may be delayed), at least 2 ms (as Linux's TCP_TIMEOUT_MIN).
    Duration pto = 2 * rtt.srtt();
    if (snd.flight_size() <= snd.mss()) pto += std::chrono::milliseconds(200);  // WCDelAckT
    pto = std::max<Duration>(pto, std::chrono::milliseconds(2));
    // No probe when the RTO comes first: the timeout retransmits then.
    if (now + pto >= *retransmit_deadline) return;
    tlp_deadline = now + pto;
}

void Connection::Impl::on_tlp_timeout(Instant now) {
    if (!sack_ok || in_recovery || rto_recovery || snd.max() == snd.una() || tlp_end_seq) return;
    // RFC 8985 §7.3: a new segment if the peer's window allows one, else
    // the last segment sent again; either way the peer's ACK (with SACK)
    // lets RACK find a tail loss without a timeout.
    uint32_t unsent = snd.unsent();
    SeqNum wnd_end = snd.una() + snd.wnd();
    uint32_t room = wnd_end > snd.nxt() ? uint32_t(wnd_end - snd.nxt()) : 0;
    bool sent = false;
    tlp_is_retrans = false;
    if (unsent > 0 && room >= std::min<uint32_t>(unsent, snd.mss()))
        sent = send_data_segment(snd.nxt(), snd.mss(), false, now);
    if (!sent) {
        SeqNum from = snd.max() - std::min<uint32_t>(snd.mss(), snd.flight_size());
        sent = send_data_segment(from, uint32_t(snd.max() - from), true, now);
        tlp_is_retrans = sent;
    }
    if (!sent) return;
    tlp_end_seq = snd.max();
    // §7.3: the RTO is restarted after the probe.
    arm_retransmit(now);
    update_timers(now);
}

void Connection::Impl::tlp_on_ack(const Segment& seg, bool dsack, uint32_t flight_before, Instant now) {
    (void)seg;
    if (!tlp_end_seq || snd.una() < *tlp_end_seq) return;
    // §7.4: the probe's episode is over. A resent segment acknowledged with
    // no D-SACK repaired a real loss: one congestion response, as fast
    // recovery's, without entering recovery (Linux's CWR). A D-SACK says
    // the original had arrived: no loss.
    if (tlp_is_retrans && !dsack && !in_recovery && !rto_recovery) cc->on_loss(flight_before, now);
    tlp_end_seq.reset();
    tlp_is_retrans = false;
}

void Connection::Impl::on_rack_timeout(Instant now) {
    if (!sack_ok || snd.max() == snd.una()) return;
    rack_detect(snd.flight_size(), now);
    output(now);
}

uint32_t Connection::Impl::limited_transmit() const {
    // RFC 3042 §2: on each of the first two duplicate ACKs one segment of
    // new data may go, if the peer's window allows, with FlightSize at most
    // cwnd + 2*SMSS; cwnd itself does not change.
    if (in_recovery || dup_acks == 0 || dup_acks >= SackScoreboard::DUP_THRESH) return 0;
    return dup_acks * snd.mss();
}

void Connection::Impl::recovery_on_new_ack(uint32_t acked, uint32_t flight_before, Instant now) {
    dup_acks = 0;
    tlp_deadline.reset();  // an ACK of new data restarts the PTO (RFC 8985 §7.2)
    if (in_recovery) {
        if (snd.una() >= *recovery_point) {
            // RFC 6675 §5 / RFC 6582 §3.2 step 3: recovery ends; continue at
            // ssthresh (NewReno: no more than FlightSize + SMSS, avoiding a burst).
            in_recovery = false;
            rack.on_recovery_end();
            uint32_t cwnd = cc->ssthresh();
            if (!sack_ok) cwnd = std::min(cwnd, std::max<uint32_t>(snd.flight_size(), snd.mss()) + snd.mss());
            cc->set_cwnd(cwnd);
        } else if (!sack_ok) {
            // RFC 6582 §3.2 step 4, partial ACK: retransmit the next hole,
            // deflate by the amount acknowledged, add back one SMSS if at least one was.
            uint32_t cwnd = cc->cwnd() - std::min(cc->cwnd(), acked);
            if (acked >= snd.mss()) cwnd += snd.mss();
            cc->set_cwnd(cwnd);
            retransmit_head(now);
        }
        // With SACK, a partial ACK only lowers the pipe (output_sack_recovery).
        return;
    }
    if (rto_recovery && snd.una() >= *recovery_point) {
        rto_recovery = false;
        rack.on_recovery_end();
    }
    cc->on_ack({acked, flight_before, now, rtt.srtt()});
}

void Connection::Impl::recovery_on_dup_ack(uint32_t flight_before, Instant now) {
    if (in_recovery) {
        // RFC 6582 §3.2 step 4 (RFC 5681 §3.2 step 4): inflate by SMSS per
        // duplicate. With SACK the pipe already shrank by the SACKed octets.
        if (!sack_ok) cc->set_cwnd(cc->cwnd() + snd.mss());
        return;
    }
    ++dup_acks;
    // RFC 5681 §3.2 / RFC 6582: DupThresh duplicates. With SACK information
    // RACK decides instead (RFC 8985 §6.2, as Linux): reordering within its
    // window is then no loss.
    bool loss = dup_acks >= SackScoreboard::DUP_THRESH && (!sack_ok || scoreboard.empty());
    if (!loss) return;  // limited transmit (RFC 3042) lets output() send new data
    // RFC 6582 §3.2 step 2 / RFC 6675 §5.1: no second reduction for losses
    // from the window already being recovered.
    if (recovery_point && snd.una() < *recovery_point) return;
    enter_recovery(flight_before, now);
}

void Connection::Impl::undo_arm() {
    // The first retransmission of an episode goes out in this call with
    // TSval ts_now(). Only with timestamps (the echo is the evidence).
    if (!ts_ok || undo_tsval) return;
    undo_tsval = ts_now();
    undo_seq = snd.una();
    undo_cwnd = cc->cwnd();
    undo_ssthresh = cc->ssthresh();
}

void Connection::Impl::undo_check(const Segment& seg) {
    if (!undo_tsval || !(snd.una() > undo_seq)) return;
    uint32_t first = *undo_tsval;
    undo_tsval.reset();
    // Without SACK a timeout goes back N from SND.UNA (RFC 6298 §5.4) and
    // sets no recovery state: that resend is not undone.
    if (!in_recovery && !rto_recovery) return;
    // RFC 3522 §3.2: the first ACK for the retransmitted segment echoes a
    // TSval older than the retransmission's: the original arrived, the
    // retransmission was spurious (reordering, or a delayed ACK outlasting
    // the RTO). Response (as Linux's tcp_undo_cwnd_reduction, RFC 4015's
    // aim): the window before the reduction comes back and recovery ends;
    // segments still missing are judged again by RACK.
    if (!seg.options.timestamps || seg.options.timestamps->ecr == 0) return;
    if (int32_t(seg.options.timestamps->ecr - first) >= 0) return;
    cc->undo(undo_cwnd, undo_ssthresh);
    in_recovery = false;
    rto_recovery = false;
    rack.unmark_all_lost();
    if (undo_counter) ++*undo_counter;
}

void Connection::Impl::enter_recovery(uint32_t flight, Instant now) {
    undo_arm();
    in_recovery = true;
    tlp_deadline.reset();
    rto_recovery = false;
    recovery_point = snd.max();  // (4.1) RecoveryPoint = HighData
    high_rxt = snd.una();
    cc->on_loss(flight, now);    // (4.2) ssthresh = cwnd = reduced window
    if (!sack_ok) {
        // RFC 6582 §3.2 step 2: cwnd = ssthresh + 3*SMSS, retransmit the head.
        cc->set_cwnd(cc->ssthresh() + 3 * snd.mss());
        retransmit_head(now);
        return;
    }
    // (4.3) retransmit the first segment presumed lost, whatever the pipe.
    send_lost(now, true);
}

bool Connection::Impl::send_lost(Instant now, bool head_if_untracked) {
    // NextSeg (1) with RACK: the first segment marked lost, less what the peer
    // SACKed of it since. Nothing tracked (a probe byte): the hole at SND.UNA.
    SeqNum l = snd.una(), r = snd.max();
    if (rack.size() == 0 ? !head_if_untracked : !rack.first_lost(l, r)) return false;
    for (;;) {
        if (auto h = scoreboard.next_hole(wire::max(l, snd.una()), r)) return send_hole(h->left, h->right, now);
        rack.unmark_lost(l);  // all SACKed meanwhile: nothing to resend
        if (!rack.first_lost(l, r)) return false;
    }
}

bool Connection::Impl::send_hole(SeqNum left, SeqNum right, Instant now) {
    uint32_t len = std::min(uint32_t(right - left), uint32_t(snd.mss()));
    // A hole that ends at the FIN: the payload stops before it and the FIN rides along.
    if (!send_data_segment(left, len, true, now)) return false;
    high_rxt = wire::max(high_rxt, sent_end);
    return true;
}

void Connection::Impl::output_sack_recovery(Instant now) {
    const uint32_t mss = snd.mss();
    for (int guard = 0; guard < 4096; ++guard) {
        // (C): transmit while cwnd - pipe >= 1 SMSS.
        if (cc->cwnd() < pipe() + mss) return;
        // NextSeg (1): a segment RACK marked lost (RFC 8985 §6.2 replaces IsLost()).
        if (send_lost(now)) continue;
        // (2): new data, as the peer's window allows.
        uint32_t unsent = snd.unsent();
        SeqNum wnd_end = snd.una() + snd.wnd();
        uint32_t room = wnd_end > snd.nxt() ? uint32_t(wnd_end - snd.nxt()) : 0;
        uint32_t len = std::min({mss, unsent, room});
        if (unsent > 0 && len > 0 && (len == mss || len == unsent)) {
            if (!send_data_segment(snd.nxt(), len, false, now)) return;
            continue;
        }
        if (unsent == 0 && snd.fin_due() && !snd.fin_sent()) {
            if (!send_data_segment(snd.nxt(), 0, false, now)) return;
            continue;
        }
        // (3) speculative retransmission of holes not yet lost and (4) rescue
        // retransmission are not used: RACK marks them lost in time, and a
        // tail loss is repaired by the timeout.
        return;
    }
}

void Connection::Impl::recovery_on_timeout(Instant now) {
    if (!rto_recovery && !in_recovery) undo_tsval.reset();  // a new episode
    undo_arm();
    cc->on_retransmit_timeout(snd.flight_size(), now);
    dup_acks = 0;
    in_recovery = false;
    recovery_point = snd.max();  // RFC 6675 §5.1 / RFC 6582 §3.2 step 1
    if (!sack_ok) {
        // §5.4 of RFC 6298: retransmit the earliest unacknowledged segment;
        // the rest follows as the window opens: go-back-N from SND.UNA.
        snd.rewind();
        send_data_segment(snd.una(), snd.mss(), true, now);
        return;
    }
    // RFC 6675 §5.1: keep the scoreboard and resend only what was not SACKed.
    // A SACKed range at SND.UNA itself means the peer reneged (RFC 2018 §8):
    // forget the scoreboard. The segment at SND.UNA goes again in any case.
    bool reneged = !scoreboard.empty() && scoreboard.at(0).left <= snd.una();
    if (reneged) scoreboard.clear();
    rto_recovery = true;
    high_rxt = snd.una();
    tlp_deadline.reset();
    tlp_end_seq.reset();
    // Every outstanding segment not SACKed is lost (RFC 6675 §5.1, RFC 8985 §6.3 as Linux).
    rack.mark_all_lost(reneged);
    rack_deadline.reset();
    send_lost(now, true);
}

void Connection::Impl::set_congestion(CongestionAlgorithm algo) {
    if (cc && cc->algorithm() == algo) return;
    auto next = make_congestion_control(algo, cfg.initial_window_segments);
    if (cc && cc->cwnd() > 0) next->resume(cc->smss(), cc->cwnd(), cc->ssthresh());
    cc = std::move(next);
}

}  // namespace ustack::tcp
