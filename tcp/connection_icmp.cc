// TCP and IP (RFC 9293 §3.9.2): ICMP errors about our segments (§3.9.2.2,
// RFC 1122 §4.2.3.9, RFC 5927 §4), path MTU discovery (RFC 1191 §6), and the
// TOS byte, IP options and source routes of outgoing datagrams (§3.9.1.9, §3.9.2.1).
#include <algorithm>

#include "tcp/connection_impl.h"

namespace ustack::tcp {

namespace {

constexpr uint16_t MIN_IP_MTU = 68;  // RFC 791 §3.2: every module forwards 68 octets

// RFC 1191 §7 table of MTU plateaus, for routers that send no next-hop MTU.
uint16_t plateau_below(uint16_t total_len) {
    static constexpr uint16_t PLATEAUS[] = {32000, 17914, 8166, 4352, 2002, 1492, 1006, 508, 296, 68};
    for (uint16_t p : PLATEAUS) {
        if (p < total_len) return p;
    }
    return MIN_IP_MTU;
}

bool is_source_route(uint8_t type) { return type == IPOPT_LSRR || type == IPOPT_SSRR; }

// Does `opts` carry a source route option? Malformed lists count as "no".
bool contains_source_route(std::span<const uint8_t> opts) {
    size_t i = 0;
    while (i < opts.size()) {
        uint8_t type = opts[i];
        if (type == 0) return false;  // End of Option List
        if (type == 1) { ++i; continue; }  // No Operation
        if (i + 1 >= opts.size() || opts[i + 1] < 2) return false;
        if (is_source_route(type)) return true;
        i += opts[i + 1];
    }
    return false;
}

// Destination Unreachable codes (RFC 792, RFC 1122 §3.2.2.1) as the error an
// application sees; codes 2 and 3 are hard errors, the rest soft.
TcpError unreachable_error(uint8_t code) {
    switch (code) {
    case 0: case 6: case 9: case 11: return TcpError::NetworkUnreachable;
    case 2: return TcpError::ProtocolUnreachable;
    case 3: return TcpError::ConnectionRefused;
    default: return TcpError::HostUnreachable;
    }
}

}  // namespace

bool Connection::Impl::build_ip_options(const IpSettings& s, const SourceRoute& route) {
    if (s.options_len > MAX_IP_OPTIONS) return false;
    return encode_ip_options(std::span<const uint8_t>(s.options.data(), s.options_len), route, tuple.remote.addr, ip_wire);
}

void Connection::Impl::clamp_mss() {
    // RFC 9293 §3.7.1: Eff.snd.MSS = min(SendMSS+20, MMS_S) - TCPhdrsize - IPoptionsize,
    // with MMS_S here the path MTU (else the link MTU, which our MSS came
    // from: MUST-67) less the 20-byte IP header.
    if (path_mtu == 0 && ip_wire.len == 0) return;
    int mtu = path_mtu != 0 ? path_mtu : int(cfg.mss) + 40;
    int limit = mtu - 40 - int(ip_wire.len) - (ts_ok ? 12 : 0);
    limit = std::max(limit, 8);  // RFC 791: 68 = 60 header octets + 8 data octets
    if (limit < snd.mss()) snd.set_mss(uint16_t(limit));
}

bool Connection::Impl::on_icmp_error(const IcmpError& e, Instant now) {
    if (state == State::Closed || state == State::Listen) return false;
    // RFC 5927 §4.1: act only on an error quoting a segment that is still
    // unacknowledged: SND.UNA <= SEG.SEQ < SND.MAX, or a zero-window probe's
    // octet at SND.NXT (ack_limit). Anything else is stale or forged (a blind
    // attacker must guess the sequence space).
    if (!(snd.una() <= e.seq && e.seq < snd.ack_limit())) return false;
    switch (e.kind) {
    case IcmpError::Kind::SourceQuench:
        return false;  // MUST-55 (RFC 6633): silently discarded
    case IcmpError::Kind::TimeExceeded:
        soft_error = TcpError::HostUnreachable;  // MUST-56: soft, never abort
        break;
    case IcmpError::Kind::ParameterProblem:
        soft_error = TcpError::ParameterProblem;  // MUST-56: soft, never abort
        break;
    case IcmpError::Kind::DestUnreachable:
        if (e.code == 4) return on_fragmentation_needed(e, now);
        if (e.code == 2 || e.code == 3) {
            // SHLD-26: protocol and port unreachable are hard errors. RFC 5927
            // §4.2 (and Linux): abort only while the connection is being
            // established; in synchronized states they count as soft errors,
            // so a forged ICMP cannot reset an established connection.
            if (state == State::SynSent || state == State::SynReceived) {
                if (state == State::SynReceived && passive) {
                    to_closed("ICMP destination unreachable (hard) for our SYN-ACK");  // never accepted
                } else {
                    fail(unreachable_error(e.code), "ICMP destination unreachable (hard) for our SYN");
                }
                return true;
            }
        }
        // MUST-56: codes 0, 1, 5 (and the others) never abort; SHLD-25: the
        // application can read it (soft_error(), a status event).
        soft_error = unreachable_error(e.code);
        break;
    }
    if (error_reports) pending_events |= Status;  // SHLD-20: the application may turn it off
    return true;
}

bool Connection::Impl::on_fragmentation_needed(const IcmpError& e, Instant now) {
    // RFC 1191 §6: the path MTU is the next-hop MTU the router reported, or
    // (old routers report 0) the plateau below the datagram's length; never
    // below the configured floor, never raised by this message.
    uint16_t mtu = e.next_hop_mtu != 0 ? e.next_hop_mtu : plateau_below(e.quoted_total_len);
    mtu = std::max({mtu, cfg.min_path_mtu, MIN_IP_MTU});
    if (path_mtu != 0 && mtu >= path_mtu) return false;
    uint16_t before = snd.mss();
    path_mtu = mtu;
    clamp_mss();
    if (snd.mss() >= before) return true;  // segments already fit
    // RFC 1191 §6.4: the segments too big for the path are lost; resend them
    // now rather than after a retransmission timeout.
    if (snd.syn_acked() && snd.max() > snd.una() &&
        (state == State::Established || state == State::CloseWait || state == State::FinWait1 ||
         state == State::LastAck || state == State::Closing)) {
        retransmit_too_big(now);
        output(now);
    }
    return true;
}

void Connection::Impl::note_sent_segment(SeqNum seq, SeqNum end, uint32_t size, bool retransmission) {
    // A retransmission is now what the network carries for the octets it
    // covers: a short segment recorded there no longer vouches for them.
    if (retransmission) {
        uint8_t kept = 0;
        for (uint8_t i = 0; i < short_sent_n; ++i) {
            if (short_sent[i].end <= seq || end <= short_sent[i].seq) short_sent[kept++] = short_sent[i];
        }
        short_sent_n = kept;
    }
    if (size >= snd.mss() || short_sent_n == short_sent.size()) return;  // size 0: a bare FIN
    short_sent[short_sent_n++] = ShortSegment{seq, end, uint16_t(size)};
}

void Connection::Impl::forget_short_segments_below(SeqNum una) {
    // An entry never outlives its octets, so a wrapped sequence space cannot match it.
    uint8_t kept = 0;
    for (uint8_t i = 0; i < short_sent_n; ++i) {
        if (short_sent[i].end > una) short_sent[kept++] = short_sent[i];
    }
    short_sent_n = kept;
}

void Connection::Impl::retransmit_too_big(Instant now) {
    // RFC 1191 §6.4, as Linux's tcp_simple_retransmit: the segments in flight
    // larger than the new MSS were dropped on the way, the others went
    // through. Walk [SND.UNA, SND.NXT) and resend, at once and re-segmented,
    // every octet that is neither in a segment that fits (RACK's records with
    // SACK, every one in flight; the short-segment table without) nor SACKed. Not a congestion signal: cwnd and ssthresh stay (the data in
    // the network did not grow, only its units shrank), and so does SND.NXT.
    SeqNum seq = snd.una(), end = snd.nxt();
    bool head_resent = false;
    while (seq < end) {
        std::optional<SeqNum> skip_to;  // seq lies in a range the peer has (or will have)
        SeqNum stop = end;              // the next such range starts there
        auto skip_or_stop = [&](SeqNum left, SeqNum right) {
            if (left <= seq && seq < right) skip_to = right;
            else if (seq < left && left < stop) stop = left;
        };
        if (sack_ok) {
            rack.each_fitting(snd.mss(), skip_or_stop);
        } else {
            for (uint8_t i = 0; i < short_sent_n; ++i) {
                if (short_sent[i].size <= snd.mss()) skip_or_stop(short_sent[i].seq, short_sent[i].end);
            }
        }
        for (size_t i = 0; i < scoreboard.size(); ++i) skip_or_stop(scoreboard.at(i).left, scoreboard.at(i).right);
        if (skip_to) {
            seq = *skip_to;
            continue;
        }
        if (!send_data_segment(seq, uint32_t(stop - seq), true, now)) break;
        head_resent = head_resent || seq == snd.una();
        seq = sent_end;
    }
    if (head_resent) {
        retransmit_deadline.reset();  // RFC 6298 §5.3: the oldest segment was just sent again
        arm_retransmit(now);
    }
}

// ---- Connection ----

bool Connection::on_icmp_error(const IcmpError& err, Instant now) {
    // Same discipline as the other calls (CallScope): observers hear of it
    // afterwards, then the layer learns where the deadline went.
    ++impl_->call_depth;
    impl_->clock = now;
    bool acted = impl_->on_icmp_error(err, now);
    if (--impl_->call_depth == 0) {
        impl_->fire_events();
        impl_->report_deadline();
    }
    return acted;
}

TcpError Connection::soft_error() const { return impl_->soft_error; }

bool Connection::set_ip_settings(const IpSettings& settings) {
    Impl& c = *impl_;
    std::span<const uint8_t> raw(settings.options.data(), std::min<size_t>(settings.options_len, MAX_IP_OPTIONS));
    if (settings.options_len > MAX_IP_OPTIONS || contains_source_route(raw)) return false;
    // MUST-52: the application's route wins over one that arrived.
    const SourceRoute& route = settings.route.empty() ? c.return_route : settings.route;
    if (!c.build_ip_options(settings, route)) return false;
    c.ip = settings;
    c.clamp_mss();
    return true;
}

const IpSettings& Connection::ip_settings() const { return impl_->ip; }

void Connection::set_tos(uint8_t tos) { impl_->ip.tos = tos; }

void Connection::set_return_route(const SourceRoute& route) {
    Impl& c = *impl_;
    SourceRoute before = c.return_route;
    c.return_route = route;
    if (!c.ip.route.empty()) return;  // MUST-52: the application's route stays
    if (!c.build_ip_options(c.ip, route)) {
        c.return_route = before;  // with the application's options it does not fit: keep the old one
        return;
    }
    c.clamp_mss();
}

IpParams Connection::ip_params() const {
    const Impl& c = *impl_;
    return c.ip_wire.params(c.ip.tos);
}

}  // namespace ustack::tcp
