// What to send now (RFC 9293 §3.8.6 windows, §3.10.7 ACK rules, §3.5.2 resets;
// RFC 5681 cwnd; sender SWS avoidance §3.8.6.2.1, MUST-38; Nagle §3.7.4, SHLD-7;
// the urgent pointer §3.8.5 with RFC 6093 semantics; PUSH §3.9.1.2, MAY-15, SHLD-27).
#include <algorithm>

#include "tcp/connection_impl.h"
#include "tcp/segment_codec.h"

namespace ustack::tcp {

void Connection::Impl::emit(const Segment& seg, bool ect) {
    if (seg.ack_flag()) {
        last_ack_sent = seg.ack;
        // Any ACK we send carries RCV.NXT: a delayed ACK is no longer owed.
        delack_deadline.reset();
        delack_segments = 0;
    }
    IpParams params = self.ip_params();
    // RFC 3168 §6.1.1, §6.1.4-6.1.6: on an ECN connection only new data is
    // ECT(0); SYNs, pure ACKs, retransmissions and window probes are Not-ECT.
    if (ecn_ok) params.tos = uint8_t((params.tos & ~0x03) | (ect ? 0x02 : 0x00));
    outbox.send_ip(tuple, seg, params);
}

Segment Connection::Impl::make_segment(SeqNum seq, uint8_t flags) {
    Segment s;
    s.seq = seq;
    s.flags = flags;
    if (flags & flags::ACK) s.ack = rcv.nxt();
    s.window = rcv.advertise((flags & flags::SYN) != 0);
    // RFC 7323 §3.2: once negotiated, Timestamps on every segment but RSTs.
    if (ts_ok && !(flags & flags::RST)) s.options.timestamps = Timestamps{ts_now(), ts_recent};
    if (!(flags & (flags::SYN | flags::RST))) set_urgent_pointer(s);
    // RFC 3168 §6.1.3: every ACK carries ECE from a CE mark until CWR arrives.
    if (ecn_echo && (flags & flags::ACK) && !(flags & (flags::SYN | flags::RST))) s.flags |= flags::ECE;
    // RFC 2018 §3-4: SACK blocks on every ACK while data is held out of
    // order (codec: as many as fit, 3 next to timestamps); RFC 2883 D-SACK once.
    if (sack_ok && (flags & flags::ACK) && !(flags & (flags::SYN | flags::RST))) {
        // 40 octets of option space: 4 blocks alone, 3 beside the 12 of timestamps.
        size_t room = s.options.timestamps ? 3 : 4;
        s.options.sack_count = uint8_t(rcv.sack_blocks(std::span<SackBlock>(s.options.sack.data(), room)));
        rcv.clear_dsack();
    }
    return s;
}

void Connection::Impl::set_urgent_pointer(Segment& s) const {
    // §3.8.5, RFC 6093 §4: while SEG.SEQ < SND.UP every segment (new data,
    // retransmissions, probes, bare ACKs: the peer learns of urgent data even
    // across a zero window) carries URG with SEG.UP = SND.UP - SEG.SEQ, the
    // offset of the first non-urgent octet (MUST-62). A pointer beyond 16 bits
    // is sent as 0xFFFF while SEG.SEQ is within 0xFFFF of SND.NXT, and not at
    // all otherwise, as Linux does (tcp_output.c, __tcp_transmit_skb).
    if (!snd.urgent_mode() || !(s.seq < snd.up())) return;
    uint32_t offset = uint32_t(snd.up() - s.seq);
    if (offset <= 0xFFFF) {
        s.flags |= flags::URG;
        s.urgent_ptr = uint16_t(offset);
    } else if (s.seq + 0xFFFFu > snd.nxt()) {
        s.flags |= flags::URG;
        s.urgent_ptr = 0xFFFF;
    }
}

void Connection::Impl::send_syn(bool with_ack, Instant now) {
    // <SEQ=ISS><CTL=SYN> or <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>, with our MSS (§3.7.1, MUST-14).
    Segment s = make_segment(snd.iss(), with_ack ? uint8_t(flags::SYN | flags::ACK) : flags::SYN);
    s.options.mss = cfg.mss;
    // RFC 7323 §2.2: Window Scale on a SYN when enabled; on a SYN-ACK only
    // when the peer's SYN carried it.
    if (with_ack ? ws_ok : cfg.window_scaling) s.options.window_scale = window_scale_for(recv_buffer_ceiling(cfg));
    // RFC 7323 §3.2: Timestamps on a SYN when enabled (TSecr 0, no ACK);
    // on a SYN-ACK only when the peer's SYN carried them (make_segment did it).
    if (!with_ack && cfg.timestamps) s.options.timestamps = Timestamps{ts_now(), 0};
    // RFC 2018 §2: SACK-permitted on a SYN when enabled; on a SYN-ACK only
    // when the peer's SYN carried it.
    if (with_ack ? sack_ok : cfg.sack) s.options.sack_permitted = true;
    s.flags |= ecn_syn_flags(with_ack);  // RFC 3168 §6.1.1
    bool first = snd.max() == snd.iss();
    if (first) rtt.start_timing(snd.iss() + 1, now);
    snd.on_sent(snd.iss(), 1);
    emit(s);
    if (!retransmit_deadline) arm_retransmit(now);
    if (with_ack) ack_now = false;
}

void Connection::Impl::send_ack() {
    // <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>, SND.NXT in the RFC's sense (Sender::ack_seq).
    emit(make_segment(snd.ack_seq(), flags::ACK));
    ack_now = false;
}

void Connection::Impl::send_rst(SeqNum seq) {
    Segment s;
    s.seq = seq;
    s.flags = flags::RST;
    emit(s);
}

void Connection::Impl::send_reset_for(const Segment& seg) {
    // §3.10.7.1: never answer a RST. If ACK: <SEQ=SEG.ACK><CTL=RST>;
    // otherwise <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>.
    if (seg.rst()) return;
    Segment s;
    if (seg.ack_flag()) {
        s.seq = seg.ack;
        s.flags = flags::RST;
    } else {
        s.seq = SeqNum(0);
        s.ack = seg.seq + seg.len();
        s.flags = flags::RST | flags::ACK;
    }
    emit(s);
}

bool Connection::Impl::send_data_segment(SeqNum seq, uint32_t max_len, bool retransmission, Instant now) {
    // Payload from the send buffer starting at `seq`; a FIN rides along when
    // the segment reaches the end of the queued data.
    uint32_t avail = seq < snd.data_end() ? uint32_t(snd.data_end() - seq) : 0;
    uint32_t len = std::min({max_len, avail, uint32_t(snd.mss()), uint32_t(scratch.size())});
    bool fin = snd.fin_queued() && seq + len == snd.fin_seq();
    if (len == 0 && !fin) return false;
    Segment s = make_segment(seq, flags::ACK);
    // SACK blocks beyond the timestamps the MSS already allows for come out
    // of the payload, so the segment still fits the path (RFC 9293 §3.7.1).
    uint32_t extra = uint32_t(options_wire_size(s)) - (s.options.timestamps ? 12u : 0u);
    if (extra > 0 && len + extra > snd.mss()) {
        len = snd.mss() > extra ? snd.mss() - extra : 1;
        fin = snd.fin_queued() && seq + len == snd.fin_seq();
    }
    if (len > 0) {
        size_t copied = snd.copy(seq, std::span<uint8_t>(scratch.data(), len));
        s.payload = std::span<const uint8_t>(scratch.data(), copied);
        // SHLD-27: PSH on the segment that ends the queued data, collapsing
        // successive pushes; not when the last SEND was unpushed (MAY-15).
        if (seq + len == snd.data_end() && tail_pushed) s.flags |= flags::PSH;
    }
    if (fin) s.flags |= flags::FIN;
    // RFC 3168 §6.1.2, §6.1.5-6.1.6: new data (not a retransmission, not a
    // probe into a zero window) is ECN-capable; the first after a reduction carries CWR.
    bool ect = ecn_ok && len > 0 && !retransmission && snd.wnd() > 0;
    if (ect && ecn_cwr_due) {
        s.flags |= flags::CWR;
        ecn_cwr_due = false;
    }
    uint32_t seg_len = s.len();
    if (!retransmission && len > 0 && len < snd.mss()) small_end = seq + seg_len;
    if (retransmission) {
        rtt.on_retransmit();  // Karn: no sample from this range
        if (ts_ok) ts_last_retransmit = ts_now();
        if (retransmit_counter) ++*retransmit_counter;
    } else if (!rtt.timing() && seq >= snd.max()) {
        rtt.start_timing(seq + seg_len, now);
    }
    if (!retransmission) tlp_deadline.reset();  // new data restarts the PTO (RFC 8985 §7.2)
    snd.on_sent(seq, seg_len);
    // RFC 1191 §6.4: each segment's size, for a later drop of the path MTU:
    // RACK's records with SACK, the table of short segments without.
    if (sack_ok) {
        rack.on_sent(seq, seq + seg_len, uint16_t(len + extra), retransmission, now);
    } else {
        note_sent_segment(seq, seq + seg_len, len + extra, retransmission);
    }
    sent_end = seq + seg_len;
    emit(s, ect);
    ack_now = false;
    if (!retransmit_deadline) arm_retransmit(now);
    return true;
}

void Connection::Impl::retransmit_head(Instant now) {
    // Fast retransmit / partial ACK: the segment at SND.UNA, SND.NXT unchanged.
    if (!snd.syn_acked()) return;
    send_data_segment(snd.una(), snd.mss(), true, now);  // on_sent never moves SND.NXT back
}

void Connection::Impl::output(Instant now) {
    bool held = false;  // a sub-MSS tail waits for more (MAY-15)
    bool sending_state = state == State::Established || state == State::CloseWait ||
                         state == State::FinWait1 || state == State::LastAck || state == State::Closing;
    if (sending_state && snd.syn_acked() && sack_recovery()) {
        output_sack_recovery(now);
    } else if (sending_state && snd.syn_acked()) {
        for (;;) {
            uint32_t window = std::min(snd.wnd(), cc->cwnd() + limited_transmit());
            uint32_t flight = snd.in_flight();
            uint32_t usable = window > flight ? window - flight : 0;
            uint32_t unsent = snd.unsent();
            if (unsent > 0) {
                uint32_t len = std::min({usable, unsent, uint32_t(snd.mss())});
                if (len == 0) break;
                // Nagle (§3.7.4, SHLD-7) in Minshall's form (as Linux): a short
                // segment of new data waits while an earlier short segment is
                // unacknowledged, until a full segment can go; not once the FIN
                // is queued (nothing more will come), nor with set_nodelay (MUST-17).
                bool fresh = snd.nxt() >= snd.max();
                bool small_unacked = small_end && *small_end > snd.una();
                // Nor in urgent mode: urgent data goes at once (Linux tcp_nagle_check).
                if (!nodelay && !snd.urgent_mode() && fresh && unsent < snd.mss() && small_unacked &&
                    !snd.fin_queued())
                    break;
                if (fresh && tail_held(unsent)) {
                    held = true;
                    break;
                }
                // Sender SWS avoidance (§3.8.6.2.1): send a full segment, or all
                // that is queued, or at least half the largest window seen, or
                // anything when nothing is in flight (no ACK would come to wake us).
                bool worth = len == snd.mss() || len == unsent || len >= snd.max_wnd() / 2 ||
                             snd.flight_size() == 0;
                if (!worth) break;
                bool rtx = snd.nxt() < snd.max();
                if (!send_data_segment(snd.nxt(), len, rtx, now)) break;
                continue;
            }
            if (snd.fin_due()) {
                // The FIN goes out after the last byte, window or not: it is
                // acknowledged even when the peer's window is zero.
                send_data_segment(snd.nxt(), 0, snd.fin_sent(), now);
            }
            break;
        }
    }
    // MAY-15: the ceiling counts from when the tail was first held (Linux
    // arms its probe timer then); nothing held, no ceiling.
    if (!held) cork_deadline.reset();
    else if (!cork_deadline) cork_deadline = now + kCorkCeiling;
    if (ack_now) send_ack();
    update_timers(now);
}

bool Connection::Impl::tail_held(uint32_t unsent) const {
    // Linux tcp_nagle_test() with TCP_NAGLE_CORK: a partial segment waits;
    // not once the FIN is queued, nor in urgent mode, nor when the ceiling
    // releases it. Full segments are never held.
    return (corked || unpushed_call) && !cork_release && unsent < snd.mss() && !snd.fin_queued() &&
           !snd.urgent_mode();
}

void Connection::Impl::on_cork_timeout(Instant now) {
    // Linux sends the held tail from its probe timer (tcp_write_wakeup), with PSH.
    tail_pushed = true;
    cork_release = true;
    output(now);
    cork_release = false;
}

void Connection::Impl::update_timers(Instant now) {
    // RFC 6298 §5.2: stop the retransmission timer when everything is acknowledged.
    bool outstanding = snd.max() > snd.una();
    if (!outstanding) {
        retransmit_deadline.reset();
        rack_deadline.reset();
        tlp_deadline.reset();
    } else {
        if (!retransmit_deadline) arm_retransmit(now);
        arm_tlp(now);  // RFC 8985 §7.2
    }
    // §3.8.6.1: probe a zero window while data waits and nothing is in flight.
    bool waiting = snd.syn_acked() && snd.unsent() > 0 && !outstanding &&
                   snd.wnd() == 0 && state != State::Closed && state != State::TimeWait;
    if (!waiting) {
        persist_deadline.reset();
        persist_interval = Duration::zero();
        probe_series_start.reset();
    } else if (!persist_deadline) {
        persist_interval = rtt.rto();
        persist_deadline = now + persist_interval;
    }
    update_keepalive();
}

}  // namespace ustack::tcp
