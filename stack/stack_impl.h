// The inside of a Stack (private to stack/*.cc): IPv4 input (RFC 791,
// RFC 1122 §3.2.1), ICMP (RFC 792, RFC 1122 §3.2.2), and the TCP Outbox that
// wraps each segment in one IPv4 header in a preallocated buffer.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "stack/reassembly.h"
#include "stack/stack.h"
#include "stack/wire/icmp.h"
#include "stack/wire/ipv4.h"
#include "tcp/outbox.h"
#include "tcp/tcp_layer.h"

namespace ustack {

// Largest IPv4 packet (total length is 16 bits).
inline constexpr size_t MAX_IPV4_PACKET = 65535;

struct Stack::Impl final : tcp::Outbox {
    Impl(const StackConfig& config, tcp::IsnGenerator& isn, PacketSink& tx);

    // ipv4_input.cc: validate, count, and hand the payload to ICMP or TCP.
    void input(std::span<const uint8_t> packet, Instant now);
    // A whole datagram for us (reassembled if need be): options, then ICMP or TCP.
    void deliver(const wire::Ipv4View& ip, Instant now);
    void input_tcp(const wire::Ipv4View& ip, Instant now, const tcp::SourceRoute* route);

    // icmp.cc
    void input_icmp(const wire::Ipv4View& ip, Instant now);
    // An ICMP error: hand it to TCP when it quotes a TCP segment we sent (RFC 1122 §4.2.3.9).
    void icmp_error_to_tcp(const wire::IcmpView& icmp, Instant now);
    // Time Exceeded, fragment reassembly time exceeded (RFC 792 type 11 code 1).
    void send_reassembly_timeout(std::span<const uint8_t> quote);
    // Destination unreachable quoting the offending header + 8 bytes (RFC 792, RFC 1122 §3.2.2).
    void send_unreachable(const wire::Ipv4View& ip, uint8_t code);

    // tcp::Outbox: one IPv4 packet per segment, DF set, built in tx_buf_ (no allocation).
    void send(const tcp::FourTuple& tuple, const tcp::Segment& seg) override;
    // Same with the connection's TOS, IP options and source route (MUST-48, MUST-51, MUST-53).
    void send_ip(const tcp::FourTuple& tuple, const tcp::Segment& seg, const tcp::IpParams& ip) override;

    // Writes an IPv4 header for `payload_len` bytes already placed at
    // tx_buf_[20..] and hands the packet to the sink; a datagram larger than
    // the MTU without DF leaves in fragments (RFC 791 §3.2).
    void emit_ip(wire::Ipv4Address dst, uint8_t protocol, bool dont_fragment, size_t payload_len);
    void emit_fragments(const wire::Ipv4Header& h);
    std::span<uint8_t> ip_payload_area() { return std::span<uint8_t>(tx_buf_).subspan(wire::IPV4_MIN_HEADER_LEN); }

    StackConfig config;
    PacketSink& tx;
    StackCounters counters;
    uint16_t next_ident = 1;
    std::vector<uint8_t> tx_buf_;  // allocated once; every outbound packet is built here
    std::vector<uint8_t> frag_buf_;  // one outbound fragment, allocated once
    Ipv4Reassembly reassembly;
    tcp::TcpLayer tcp;
};

}  // namespace ustack
