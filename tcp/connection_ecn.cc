// Explicit Congestion Notification in TCP (RFC 3168 §6.1; RFC 9293 §3.8.2,
// SHLD-8): negotiation on the SYNs, the receiver's ECE echo, the sender's
// once-per-window reduction and CWR. The IP side (ECT(0) on new data) is in emit().
#include "tcp/connection_impl.h"

namespace ustack::tcp {

void Connection::Impl::ecn_take_syn(const Segment& syn) {
    received_tos = syn.tos;
    uint8_t bits = syn.flags & (flags::ECE | flags::CWR);
    if (syn.ack_flag()) {
        // §6.1.1: our ECN-setup SYN (ECE,CWR) is accepted by a SYN-ACK with
        // ECE alone; ECE with CWR comes from a host that only reflects flags.
        ecn_ok = cfg.ecn == EcnMode::On && bits == flags::ECE;
    } else {
        // An ECN-setup SYN from the peer; a crossing SYN (simultaneous open) never agrees.
        ecn_ok = passive && cfg.ecn != EcnMode::Off && bits == (flags::ECE | flags::CWR);
    }
}

uint8_t Connection::Impl::ecn_syn_flags(bool with_ack) const {
    if (with_ack) return ecn_ok ? flags::ECE : 0;
    // A retransmitted SYN goes without ECN setup, in case a middlebox drops
    // ECN-setup SYNs (§6.1.1.1; Linux's tcp_ecn_fallback).
    return cfg.ecn == EcnMode::On && !syn_retransmitted ? uint8_t(flags::ECE | flags::CWR) : uint8_t(0);
}

void Connection::Impl::ecn_on_segment(const Segment& seg) {
    received_tos = seg.tos;
    if (!ecn_ok) return;
    // §6.1.3: CWR says the sender has reduced; CE (a congested router's mark
    // on ECT traffic) starts the echo, at once rather than after a delayed ACK.
    if (seg.has(flags::CWR)) ecn_echo = false;
    if ((seg.tos & 0x03) == 0x03) {
        if (!ecn_echo) ack_now = true;
        ecn_echo = true;
    }
}

void Connection::Impl::ecn_on_ack(const Segment& seg, uint32_t flight_before, uint32_t cwnd_before, Instant now) {
    if (!ecn_ok || !seg.has(flags::ECE) || seg.syn() || !snd.syn_acked()) return;
    // Loss recovery already reduced the window for this flight (§6.1.2: at
    // most one reduction per window, whether for loss or for ECN).
    if (in_recovery || (recovery_point && snd.una() < *recovery_point)) return;
    // §6.1.2: an ECN-Echo ACK never increases the congestion window.
    if (cc->cwnd() > cwnd_before) cc->set_cwnd(cwnd_before);
    // Echoes keep coming until the peer sees our CWR, which rides on the
    // first data sent after the reduction: ACKs up to that point are not new congestion.
    if (ecn_recover && snd.una() <= *ecn_recover) return;
    cc->on_ecn_echo(flight_before, now);
    ecn_recover = snd.max();
    ecn_cwr_due = true;
}

uint8_t Connection::received_tos() const { return impl_->received_tos; }

}  // namespace ustack::tcp
