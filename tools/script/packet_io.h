// Packets of a script run: building injected IPv4+TCP bytes from a packet
// line, comparing ustack's segments with an expected line, and printing both
// in the script's own notation (sequence numbers relative to the ISNs).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/time.h"
#include "tcp/four_tuple.h"
#include "tcp/segment.h"
#include "tools/script/ast.h"

namespace ustack::script {

// One packet on the wire, either direction, as captured for the pcap.
struct WirePacket {
    Instant at;
    bool inbound = false;          // peer -> ustack
    tcp::FourTuple tuple;          // local = ustack's side
    tcp::Segment seg;              // header fields; payload left empty
    uint32_t payload_len = 0;
    std::vector<uint8_t> bytes;    // IPv4 header + TCP header + options + payload
    bool checksum_ok = true;       // the TCP checksum verifies over the pseudo-header (MUST-2)
};

// The ISNs that make a script's numbers relative (packetdrill semantics):
// inbound seq and outbound ack/SACK count from remote_isn, outbound seq and
// inbound ack/SACK from local_isn (learned from ustack's SYN).
struct IsnPair {
    uint32_t local = 0;
    uint32_t remote = 0;
};

// Builds the bytes of an injected packet exactly as the line says (options in
// script order; packetdrill requires the option list to fill whole 32-bit words).
// Throws ScriptError(line) when the options are not 4-byte aligned or exceed 40 bytes.
WirePacket build_inbound(const PacketSpec& spec, const tcp::FourTuple& tuple, const IsnPair& isn, Instant at,
                         int line);

// Serialises a segment ustack sent (with its payload) into a WirePacket.
WirePacket capture_outbound(const tcp::FourTuple& tuple, const tcp::Segment& seg, Instant at);

// Empty when `actual` matches the expected line, else what differs, e.g.
// "ack: expected 1, actual 2". A win left out, and <...>, are not checked; a urg
// left out must be 0 (only URG segments carry a pointer);
// options are compared by meaning (NOP/EOL layout and TS val are not checked).
std::string compare_outbound(const PacketSpec& expected, const WirePacket& actual, const IsnPair& isn,
                             const tcp::FourTuple* live);

// "> S. 0:0(0) ack 1 win 65535 <mss 1460,nop,wscale 7>": the line as written.
std::string format_spec(const PacketSpec& spec);
// The same notation for a packet seen on the wire, numbers relative to `isn`.
std::string format_wire(const WirePacket& p, const IsnPair& isn);

std::string format_flags(uint8_t flags);
// Seconds with 6 decimals, e.g. "1.000250".
std::string format_usecs(int64_t usecs);

}  // namespace ustack::script
