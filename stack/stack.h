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
#include "stack/reassembly.h"
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
    // Fragment reassembly limits and timeout (RFC 791 §3.2, RFC 1122 §3.3.2).
    ReassemblyConfig reassembly;
    // Datagrams carrying a source route option (LSRR/SSRR) are dropped, as
    // Linux does by default (accept_source_route=0; RFC 7126 §4.3-4.4). When
    // true, a completed route is accepted and TCP replies along its reverse
    // (RFC 9293 §3.9.2.1 MUST-53, RFC 1122 §3.2.1.8).
    bool accept_source_route = false;
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
    uint64_t ip_fragments = 0;       // fragments received (RFC 791 §3.2)
    uint64_t ip_reassembled = 0;     // datagrams rebuilt from fragments
    uint64_t ip_frag_duplicate = 0;  // exact duplicate fragments, ignored
    uint64_t ip_frag_overlap = 0;    // overlapping fragments: datagram discarded (RFC 5722 §4)
    uint64_t ip_frag_no_room = 0;    // reassembly pool or byte budget full
    uint64_t ip_frag_invalid = 0;    // oversize datagram, bad fragment length
    uint64_t ip_frag_timeout = 0;    // reassembly timed out (Time Exceeded sent when fragment 0 came)
    uint64_t ip_source_routed = 0;   // source-routed datagrams dropped (accept_source_route off, or unfinished route)
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
    uint64_t icmp_errors_in = 0;     // Dest Unreachable, Source Quench, Time Exceeded, Param Problem received
    uint64_t icmp_errors_to_tcp = 0; // of those, quoting a TCP segment from us, handed to the TCP layer
    uint64_t ip_fragments_out = 0;   // fragments sent for a datagram larger than the MTU (never TCP)
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
    // Active OPEN (RFC 9293 §3.9.1.1): from `local` when given (MUST-43;
    // AddressNotAvailable when it is not this stack's address), else from the
    // stack's own address (MUST-44, MUST-45). `ip` sets TOS and IP options (MUST-48, MUST-51).
    std::shared_ptr<tcp::Connection> connect(std::optional<wire::Ipv4Address> local, tcp::Endpoint remote,
                                             Instant now, tcp::TcpError* error = nullptr,
                                             const tcp::IpSettings& ip = {});
    wire::Ipv4Address address() const;
    const StackConfig& config() const;
    const StackCounters& counters() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace ustack
