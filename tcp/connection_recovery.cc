// Loss recovery (RFC 5681 §3.2): with SACK, RFC 6675 §5 (DupAcks, IsLost,
// pipe, NextSeg) and §5.1 after a timeout; without SACK, NewReno (RFC 6582
// §3.2); limited transmit for the first two duplicate ACKs (RFC 3042 §2).
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
    SeqNum lost_below = rto_recovery && recovery_point ? *recovery_point : snd.una();
    return scoreboard.pipe(snd.una(), snd.max(), wire::max(high_rxt, snd.una()), snd.mss(), lost_below);
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
    if (in_recovery) {
        if (snd.una() >= *recovery_point) {
            // RFC 6675 §5 / RFC 6582 §3.2 step 3: recovery ends; continue at
            // ssthresh (NewReno: no more than FlightSize + SMSS, avoiding a burst).
            in_recovery = false;
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
    if (rto_recovery && snd.una() >= *recovery_point) rto_recovery = false;
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
    // RFC 6675 §5 (4): DupThresh duplicates, or IsLost(HighACK + 1).
    bool loss = dup_acks >= SackScoreboard::DUP_THRESH || (sack_ok && scoreboard.is_lost(snd.una(), snd.mss()));
    if (!loss) return;  // limited transmit (RFC 3042) lets output() send new data
    // RFC 6582 §3.2 step 2 / RFC 6675 §5.1: no second reduction for losses
    // from the window already being recovered.
    if (recovery_point && snd.una() < *recovery_point) return;
    enter_recovery(flight_before, now);
}

void Connection::Impl::enter_recovery(uint32_t flight, Instant now) {
    in_recovery = true;
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
    if (auto h = scoreboard.next_hole(snd.una(), snd.max())) send_hole(h->left, h->right, now);
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
        SeqNum from = wire::max(high_rxt, snd.una());
        SeqNum limit = scoreboard.empty() ? snd.una() : scoreboard.highest();
        if (rto_recovery) limit = wire::max(limit, wire::min(*recovery_point, snd.max()));
        auto hole = scoreboard.next_hole(from, limit);
        // NextSeg (1): the first unSACKed octet above HighRxt that IsLost()
        // (IsLost falls with the sequence number, so only the first hole can be).
        if (hole && ((rto_recovery && hole->left < *recovery_point) || scoreboard.is_lost(hole->left, mss))) {
            if (!send_hole(hole->left, hole->right, now)) return;
            continue;
        }
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
        // (3): an unSACKed octet below the highest SACKed one, not yet lost.
        if (hole) {
            if (!send_hole(hole->left, hole->right, now)) return;
            continue;
        }
        return;  // (4) rescue retransmission is not used
    }
}

void Connection::Impl::recovery_on_timeout(Instant now) {
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
    if (!scoreboard.empty() && scoreboard.at(0).left <= snd.una()) scoreboard.clear();
    rto_recovery = true;
    high_rxt = snd.una();
    if (auto h = scoreboard.next_hole(snd.una(), snd.max())) send_hole(h->left, h->right, now);
}

void Connection::Impl::set_congestion(CongestionAlgorithm algo) {
    if (cc && cc->algorithm() == algo) return;
    auto next = make_congestion_control(algo, cfg.initial_window_segments);
    if (cc && cc->cwnd() > 0) next->resume(cc->smss(), cc->cwnd(), cc->ssthresh());
    cc = std::move(next);
}

}  // namespace ustack::tcp
