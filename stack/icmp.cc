// ICMP (RFC 792, RFC 1122 §3.2.2): echo reply, destination unreachable and
// reassembly Time Exceeded out; errors quoting our TCP segments handed to
// TCP (RFC 1122 §4.2.3.9, RFC 9293 §3.9.2.2, RFC 5927 §4); the rest counted.
#include <algorithm>

#include "stack/stack_impl.h"
#include "stack/wire/bytes.h"
#include "stack/wire/icmp.h"

namespace ustack {

namespace {

bool is_error_type(uint8_t type) {
    return type == wire::ICMP_DEST_UNREACHABLE || type == wire::ICMP_SOURCE_QUENCH ||
           type == wire::ICMP_TIME_EXCEEDED || type == wire::ICMP_PARAM_PROBLEM || type == 5 /* redirect */;
}

}  // namespace

void Stack::Impl::input_icmp(const wire::Ipv4View& ip, Instant now) {
    ++counters.icmp_in;
    wire::IcmpView icmp(ip.payload());
    if (!icmp.check()) {
        ++counters.icmp_malformed;
        return;
    }
    if (!icmp.verify_checksum()) {
        ++counters.icmp_bad_checksum;
        return;
    }
    if (is_error_type(icmp.type()) && icmp.type() != 5) {  // redirects are for routers
        ++counters.icmp_errors_in;
        icmp_error_to_tcp(icmp, now);
        return;
    }
    if (icmp.type() != wire::ICMP_ECHO_REQUEST || icmp.code() != 0) {
        ++counters.icmp_other;
        return;
    }
    // RFC 1122 §3.2.2.6: every host MUST answer an echo request; the reply
    // carries the same identifier, sequence number and data. A reply larger
    // than the MTU leaves in fragments (it has no DF).
    size_t n = wire::emit_icmp(ip_payload_area(), wire::ICMP_ECHO_REPLY, 0, icmp.rest_of_header(), icmp.payload());
    if (n == 0) return;
    ++counters.icmp_echo_replies;
    ++counters.icmp_out;
    emit_ip(ip.src(), wire::IP_PROTO_ICMP, false, n);
}

void Stack::Impl::icmp_error_to_tcp(const wire::IcmpView& icmp, Instant now) {
    // The message quotes the IP header of our datagram and at least its first
    // 8 data octets (RFC 792): for TCP the ports and SEG.SEQ. The quoted
    // datagram is truncated, so only its header fields are read, not checked
    // like a received datagram.
    auto q = icmp.payload();
    if (q.size() < wire::IPV4_MIN_HEADER_LEN || (q[0] >> 4) != 4) {
        ++counters.icmp_other;
        return;
    }
    size_t hlen = size_t(q[0] & 0x0f) * 4;
    if (hlen < wire::IPV4_MIN_HEADER_LEN || q.size() < hlen + 8 || q[9] != wire::IP_PROTO_TCP) {
        ++counters.icmp_other;
        return;
    }
    wire::Ipv4Address src(wire::load_be32(&q[12])), dst(wire::load_be32(&q[16]));
    if (src != config.addr) {  // about a datagram we never sent
        ++counters.icmp_other;
        return;
    }
    const uint8_t* th = &q[hlen];
    tcp::FourTuple tuple{tcp::Endpoint{src, wire::load_be16(th)}, tcp::Endpoint{dst, wire::load_be16(th + 2)}};
    tcp::IcmpError err;
    switch (icmp.type()) {
    case wire::ICMP_DEST_UNREACHABLE: err.kind = tcp::IcmpError::Kind::DestUnreachable; break;
    case wire::ICMP_SOURCE_QUENCH: err.kind = tcp::IcmpError::Kind::SourceQuench; break;
    case wire::ICMP_TIME_EXCEEDED: err.kind = tcp::IcmpError::Kind::TimeExceeded; break;
    default: err.kind = tcp::IcmpError::Kind::ParameterProblem; break;
    }
    err.code = icmp.code();
    err.seq = wire::SeqNum(wire::load_be32(th + 4));
    err.next_hop_mtu = uint16_t(icmp.rest_of_header() & 0xffff);  // RFC 1191 §4
    err.quoted_total_len = wire::load_be16(&q[2]);
    ++counters.icmp_errors_to_tcp;
    tcp.icmp_error(tuple, err, now);
}

void Stack::Impl::send_unreachable(const wire::Ipv4View& ip, uint8_t code) {
    // The error quotes the offending IP header and the first 8 data octets
    // (RFC 792). Never sent for non-unicast addresses, which input() has
    // already dropped (RFC 1122 §3.2.2).
    auto whole = ip.header();
    size_t quoted = std::min<size_t>(ip.header_len() + 8, ip.total_len());
    std::span<const uint8_t> quote(whole.data(), quoted);
    size_t n = wire::emit_icmp(ip_payload_area(), wire::ICMP_DEST_UNREACHABLE, code, 0, quote);
    if (n == 0) return;
    ++counters.icmp_out;
    emit_ip(ip.src(), wire::IP_PROTO_ICMP, false, n);
}

void Stack::Impl::send_reassembly_timeout(std::span<const uint8_t> quote) {
    // RFC 792: Time Exceeded code 1 when fragment 0 arrived but reassembly
    // timed out; never about an ICMP error message (RFC 1122 §3.2.2).
    size_t hlen = size_t(quote[0] & 0x0f) * 4;
    if (quote[9] == wire::IP_PROTO_ICMP && is_error_type(quote[hlen])) return;
    wire::Ipv4Address dst(wire::load_be32(&quote[12]));
    size_t n = wire::emit_icmp(ip_payload_area(), wire::ICMP_TIME_EXCEEDED, 1, 0, quote);
    if (n == 0) return;
    ++counters.icmp_out;
    emit_ip(dst, wire::IP_PROTO_ICMP, false, n);
}

}  // namespace ustack
