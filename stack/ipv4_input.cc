// IPv4 input (RFC 791 §3.1, RFC 1122 §3.2.1): validate, drop with a counter
// per cause, and demultiplex to ICMP or TCP. Fragments are dropped until
// reassembly exists; unknown protocols get ICMP protocol unreachable.
#include "stack/stack_impl.h"

#include "stack/wire/icmp.h"
#include "tcp/segment_codec.h"

namespace ustack {

void Stack::Impl::input(std::span<const uint8_t> packet, Instant now) {
    ++counters.ip_in;
    wire::Ipv4View ip(packet);
    switch (ip.check()) {
    case wire::Ipv4Error::None: break;
    case wire::Ipv4Error::Truncated:
    case wire::Ipv4Error::BadHeaderLength: ++counters.ip_bad_header_len; return;
    case wire::Ipv4Error::BadVersion: ++counters.ip_bad_version; return;
    case wire::Ipv4Error::BadTotalLength: ++counters.ip_bad_total_len; return;
    case wire::Ipv4Error::BadChecksum: ++counters.ip_bad_checksum; return;  // RFC 1122 §3.2.1.2 MUST verify
    }
    if (ip.ttl() == 0) {
        ++counters.ip_ttl_zero;
        return;
    }
    // A host accepts only datagrams addressed to it (RFC 1122 §3.2.1.3);
    // TCP has no broadcast or multicast (RFC 9293 MUST-57).
    if (ip.dst() != config.addr) {
        ++counters.ip_not_for_us;
        return;
    }
    // A broadcast or multicast source is never a real sender (RFC 1122
    // §3.2.1.3; RFC 9293 MUST-63 for SYNs): drop silently, never answer.
    if (ip.src().is_broadcast() || ip.src().is_multicast()) {
        ++counters.ip_bad_source;
        return;
    }
    if (ip.is_fragment()) {
        ++counters.ip_fragments;
        return;
    }
    switch (ip.protocol()) {
    case wire::IP_PROTO_ICMP: input_icmp(ip); return;
    case wire::IP_PROTO_TCP: input_tcp(ip, now); return;
    default:
        // RFC 1122 §3.2.2.1: a host SHOULD answer an unknown transport
        // protocol with Destination Unreachable, code 2.
        ++counters.ip_unknown_protocol;
        send_unreachable(ip, wire::ICMP_PROTO_UNREACHABLE);
        return;
    }
}

void Stack::Impl::input_tcp(const wire::Ipv4View& ip, Instant now) {
    tcp::ParsedSegment parsed;
    switch (tcp::parse_segment(ip.payload(), ip.src(), ip.dst(), true, parsed)) {
    case tcp::ParseError::None: break;
    case tcp::ParseError::BadChecksum: ++counters.tcp_bad_checksum; return;  // MUST-3: discard silently
    case tcp::ParseError::Truncated:
    case tcp::ParseError::BadDataOffset: ++counters.tcp_malformed; return;
    }
    ++counters.tcp_in;
    tcp.input(ip.src(), ip.dst(), parsed, now);
}

}  // namespace ustack
