// One network stack instance: an IPv4 address, ICMP, and a TCP layer, fed
// whole IPv4 packets and producing whole IPv4 packets. Sans-I/O: the Asio
// shell or a test moves packets between a Link and this object.
//
// PUBLIC API CONTRACT (used by the Asio event loop, the harness and tools).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>

#include "base/time.h"
#include "stack/wire/ipv4_address.h"
#include "tcp/isn.h"
#include "tcp/tcp_layer.h"

namespace ustack {

// Where outbound IPv4 packets go (a Link, or a batch queue in front of one).
class PacketSink {
public:
    virtual ~PacketSink() = default;
    virtual void send_packet(std::span<const uint8_t> packet) = 0;
};

struct StackConfig {
    wire::Ipv4Address addr;       // our address
    size_t mtu = 1500;            // link MTU; tcp.mss becomes mtu - 40 (MUST-67), capped by a non-default tcp.mss
    tcp::TcpConfig tcp;
};

// Why inbound packets were dropped or answered, one counter per cause.
struct StackCounters {
    uint64_t ip_in = 0;
    uint64_t ip_out = 0;
    uint64_t ip_bad_version = 0;
    uint64_t ip_bad_header_len = 0;
    uint64_t ip_bad_total_len = 0;
    uint64_t ip_bad_checksum = 0;
    uint64_t ip_ttl_zero = 0;        // arrived with TTL 0
    uint64_t ip_not_for_us = 0;      // destination is not our address
    uint64_t ip_bad_source = 0;      // broadcast/multicast source (MUST-63)
    uint64_t ip_fragments = 0;       // counted and dropped until reassembly lands
    uint64_t ip_unknown_protocol = 0;  // answered with ICMP protocol unreachable
    uint64_t icmp_in = 0;
    uint64_t icmp_bad_checksum = 0;
    uint64_t icmp_echo_replies = 0;
    uint64_t icmp_out = 0;
    uint64_t tcp_bad_checksum = 0;
    uint64_t tcp_malformed = 0;
    uint64_t icmp_malformed = 0;     // shorter than the 8-byte ICMP header
    uint64_t icmp_other = 0;         // ICMP types we do not act on (counted, dropped)
    uint64_t tcp_in = 0;             // segments handed to the TCP layer
    uint64_t tcp_oversize_out = 0;   // outbound segment did not fit the MTU (dropped, never fragmented)
};

class Stack {
public:
    Stack(const StackConfig& config, tcp::IsnGenerator& isn, PacketSink& tx);
    ~Stack();
    Stack(const Stack&) = delete;
    Stack& operator=(const Stack&) = delete;

    // One inbound IPv4 packet (no link header). Replies go to the sink.
    void receive(std::span<const uint8_t> packet, Instant now);
    // Fires due timers.
    void poll(Instant now);
    // Earliest time poll() has work.
    std::optional<Instant> next_deadline() const;

    tcp::TcpLayer& tcp();
    wire::Ipv4Address address() const;
    const StackConfig& config() const;
    const StackCounters& counters() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace ustack
