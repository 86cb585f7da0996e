// The inside of a Stack (private to stack/*.cc): IPv4 input (RFC 791,
// RFC 1122 §3.2.1), ICMP (RFC 792, RFC 1122 §3.2.2), and the TCP Outbox that
// wraps each segment in one IPv4 header in a preallocated buffer.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "stack/stack.h"
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
    void input_tcp(const wire::Ipv4View& ip, Instant now);

    // icmp.cc
    void input_icmp(const wire::Ipv4View& ip);
    // Destination unreachable quoting the offending header + 8 bytes (RFC 792, RFC 1122 §3.2.2).
    void send_unreachable(const wire::Ipv4View& ip, uint8_t code);

    // tcp::Outbox: one IPv4 packet per segment, DF set, built in tx_buf_ (no allocation).
    void send(const tcp::FourTuple& tuple, const tcp::Segment& seg) override;

    // Writes an IPv4 header for `payload_len` bytes already placed at
    // tx_buf_[20..] and hands the packet to the sink.
    void emit_ip(wire::Ipv4Address dst, uint8_t protocol, bool dont_fragment, size_t payload_len);
    std::span<uint8_t> ip_payload_area() { return std::span<uint8_t>(tx_buf_).subspan(wire::IPV4_MIN_HEADER_LEN); }

    StackConfig config;
    PacketSink& tx;
    StackCounters counters;
    uint16_t next_ident = 1;
    std::vector<uint8_t> tx_buf_;  // allocated once; every outbound packet is built here
    tcp::TcpLayer tcp;
};

}  // namespace ustack
