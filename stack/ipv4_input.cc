// IPv4 input (RFC 791 §3.1, §3.2, RFC 1122 §3.2.1): validate, drop with a
// counter per cause, reassemble fragments, honour or drop source routes, and
// demultiplex to ICMP or TCP; unknown protocols get ICMP protocol unreachable.
#include "stack/stack_impl.h"

#include "stack/wire/icmp.h"
#include "stack/wire/bytes.h"
#include "stack/wire/ipv4_options.h"
#include "tcp/segment_codec.h"

namespace ustack {

namespace {

// RFC 1122 §3.2.1.8 (c): the return route is the recorded route reversed;
// its first address becomes the IP destination, the source comes last. A
// first recorded hop equal to the source is dropped (as Linux does).
tcp::SourceRoute reverse_route(const wire::SourceRouteOption& opt, wire::Ipv4Address source) {
    tcp::SourceRoute r;
    r.strict = opt.strict;
    size_t n = opt.addresses.size() / 4;
    size_t first = 0;
    auto addr = [&](size_t i) { return wire::Ipv4Address(wire::load_be32(opt.addresses.data() + 4 * i)); };
    if (n > 0 && addr(0) == source) first = 1;
    for (size_t i = n; i > first && r.n < tcp::MAX_ROUTE_HOPS; --i) r.hops[r.n++] = addr(i - 1);
    return r;
}

}  // namespace

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
    if (!ip.is_fragment()) {
        deliver(ip, now);
        return;
    }
    ++counters.ip_fragments;
    std::span<const uint8_t> whole;
    switch (reassembly.add(ip, now, whole)) {
    case Ipv4Reassembly::Result::Complete: break;
    case Ipv4Reassembly::Result::Incomplete: return;
    case Ipv4Reassembly::Result::Duplicate: ++counters.ip_frag_duplicate; return;
    case Ipv4Reassembly::Result::Overlap: ++counters.ip_frag_overlap; return;
    case Ipv4Reassembly::Result::NoRoom: ++counters.ip_frag_no_room; return;
    case Ipv4Reassembly::Result::Invalid: ++counters.ip_frag_invalid; return;
    }
    ++counters.ip_reassembled;
    deliver(wire::Ipv4View(whole), now);
}

void Stack::Impl::deliver(const wire::Ipv4View& ip, Instant now) {
    // Options are ignored except a source route (RFC 9293 MUST-50).
    tcp::SourceRoute route;
    bool routed = false;
    if (ip.header_len() > wire::IPV4_MIN_HEADER_LEN) {
        wire::SourceRouteOption sr = wire::find_source_route(ip.options());
        if (sr.present) {
            // Off (the default, as Linux): drop it (RFC 7126 §4.3, §4.4). On:
            // only a finished route is for us; a host does not forward.
            if (!config.accept_source_route || sr.malformed || !sr.complete) {
                ++counters.ip_source_routed;
                return;
            }
            route = reverse_route(sr, ip.src());
            routed = !route.empty();
        }
    }
    switch (ip.protocol()) {
    case wire::IP_PROTO_ICMP: input_icmp(ip, now); return;
    case wire::IP_PROTO_TCP: input_tcp(ip, now, routed ? &route : nullptr); return;
    default:
        // RFC 1122 §3.2.2.1: a host SHOULD answer an unknown transport
        // protocol with Destination Unreachable, code 2.
        ++counters.ip_unknown_protocol;
        send_unreachable(ip, wire::ICMP_PROTO_UNREACHABLE);
        return;
    }
}

void Stack::Impl::input_tcp(const wire::Ipv4View& ip, Instant now, const tcp::SourceRoute* route) {
    tcp::ParsedSegment parsed;
    switch (tcp::parse_segment(ip.payload(), ip.src(), ip.dst(), true, parsed)) {
    case tcp::ParseError::None: break;
    case tcp::ParseError::BadChecksum: ++counters.tcp_bad_checksum; return;  // MUST-3: discard silently
    case tcp::ParseError::Truncated:
    case tcp::ParseError::BadDataOffset: ++counters.tcp_malformed; return;
    }
    ++counters.tcp_in;
    parsed.seg.tos = ip.dscp_ecn();  // MAY-9, RFC 3168 §5: the ECN field reaches TCP
    tcp.input(ip.src(), ip.dst(), parsed, now, route);
}

}  // namespace ustack
