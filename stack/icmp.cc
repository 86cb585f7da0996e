// ICMP (RFC 792, RFC 1122 §3.2.2): echo reply, destination unreachable; every
// other message is counted and dropped.
#include <algorithm>

#include "stack/stack_impl.h"
#include "stack/wire/icmp.h"

namespace ustack {

void Stack::Impl::input_icmp(const wire::Ipv4View& ip) {
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
    if (icmp.type() != wire::ICMP_ECHO_REQUEST || icmp.code() != 0) {
        ++counters.icmp_other;
        return;
    }
    // RFC 1122 §3.2.2.6: every host MUST answer an echo request; the reply
    // carries the same identifier, sequence number and data.
    size_t n = wire::emit_icmp(ip_payload_area(), wire::ICMP_ECHO_REPLY, 0, icmp.rest_of_header(), icmp.payload());
    if (n == 0) return;
    ++counters.icmp_echo_replies;
    ++counters.icmp_out;
    emit_ip(ip.src(), wire::IP_PROTO_ICMP, false, n);
}

void Stack::Impl::send_unreachable(const wire::Ipv4View& ip, uint8_t code) {
    // The error quotes the offending IP header and the first 8 data octets
    // (RFC 792). Never sent for fragments or non-unicast addresses, which
    // input() has already dropped (RFC 1122 §3.2.2).
    auto whole = ip.header();
    size_t quoted = std::min<size_t>(ip.header_len() + 8, ip.total_len());
    std::span<const uint8_t> quote(whole.data(), quoted);
    size_t n = wire::emit_icmp(ip_payload_area(), wire::ICMP_DEST_UNREACHABLE, code, 0, quote);
    if (n == 0) return;
    ++counters.icmp_out;
    emit_ip(ip.src(), wire::IP_PROTO_ICMP, false, n);
}

}  // namespace ustack
