// What TCP exchanges with IP besides segments (RFC 9293 §3.9.1.9, §3.9.2,
// §3.9.2.1, §3.9.2.2): per-connection TOS and IP options chosen by the
// application, a source route to reply along, and ICMP errors about our segments.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "stack/wire/ipv4_address.h"
#include "stack/wire/seq_num.h"

namespace ustack::tcp {

// Most IPv4 option bytes a header can carry (IHL 15 words minus 5).
inline constexpr size_t MAX_IP_OPTIONS = 40;
// Most addresses a source route option holds (3 + 4*9 = 39 bytes).
inline constexpr size_t MAX_ROUTE_HOPS = 9;

// A source route in sending order: hops[0] is the first router (the IP
// destination of the datagram), the connection's remote address comes after
// hops[n-1] (RFC 791 §3.1 "Loose/Strict Source and Record Route").
struct SourceRoute {
    std::array<wire::Ipv4Address, MAX_ROUTE_HOPS> hops{};
    uint8_t n = 0;
    bool strict = false;  // SSRR (type 137) instead of LSRR (type 131)
    bool empty() const { return n == 0; }
};

// What the application may set for a connection's outgoing datagrams.
struct IpSettings {
    uint8_t tos = 0;  // the whole Diffserv/ECN byte (MUST-48)
    // Raw option bytes (MUST-51), copied as given and padded with EOL to a
    // multiple of 4; a source route goes in `route`, not here.
    std::array<uint8_t, MAX_IP_OPTIONS> options{};
    uint8_t options_len = 0;
    SourceRoute route;  // set by the application: wins over a received one (MUST-52)
};

// How one segment should leave: the IPv4 header fields the stack cannot
// derive from the 4-tuple. `options` is ready for the wire (length a
// multiple of 4); `next_hop` is the IP destination when a source route is
// used (unspecified: the remote address).
struct IpParams {
    uint8_t tos = 0;
    std::span<const uint8_t> options;
    wire::Ipv4Address next_hop;
};

// An ICMP error about a segment we sent (RFC 792; RFC 1122 §4.2.3.9), with
// what the quoted TCP header says about it.
struct IcmpError {
    enum class Kind { DestUnreachable, SourceQuench, TimeExceeded, ParameterProblem };
    Kind kind = Kind::DestUnreachable;
    uint8_t code = 0;
    wire::SeqNum seq;           // the quoted segment's SEG.SEQ
    uint16_t next_hop_mtu = 0;  // Fragmentation Needed (RFC 1191 §4); 0 from old routers
    uint16_t quoted_total_len = 0;  // total length of the datagram that was too big (RFC 1191 §5)
};

}  // namespace ustack::tcp
