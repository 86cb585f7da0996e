// Bytes <-> Segment for TCP (RFC 9293 §3.1 header and options, §3.2 option
// rules, RFC 7323 window scale and timestamps, RFC 2018 SACK).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "stack/wire/ipv4_address.h"
#include "tcp/segment.h"

namespace ustack::tcp {

enum class ParseError { None, Truncated, BadDataOffset, BadChecksum };

const char* to_string(ParseError e);

struct ParsedSegment {
    uint16_t src_port = 0;
    uint16_t dst_port = 0;
    Segment seg;
    // An option had an illegal length (MUST-7): option parsing stopped there,
    // the options before it are in seg.options and the segment is kept.
    bool bad_options = false;
};

// Parses one TCP segment (the IPv4 payload, bounded by the IP total length).
// With verify_checksum, a wrong checksum over the pseudo-header from src/dst
// gives BadChecksum (MUST-3). Known options are decoded into out.seg.options;
// unknown ones, and known ones with the wrong length, are skipped (MUST-5,
// MUST-6). out.seg.payload views tcp_bytes. No allocation.
ParseError parse_segment(std::span<const uint8_t> tcp_bytes, wire::Ipv4Address src,
                         wire::Ipv4Address dst, bool verify_checksum, ParsedSegment& out);

// Bytes of options emit_segment writes for `seg` (a multiple of 4, at most 40).
size_t options_wire_size(const Segment& seg);

// Header + options + payload: the bytes emit_segment writes.
size_t segment_wire_size(const Segment& seg);

// Writes the segment: header, options (MSS, window scale, SACK-permitted,
// timestamps, SACK blocks as fit in 40 bytes; NOP-aligned, zero-padded to a
// 4-byte boundary, MUST-68/MUST-69), payload, and the checksum over the
// pseudo-header (MUST-2). Returns the bytes written, or 0 if buf is too small.
size_t emit_segment(std::span<uint8_t> buf, wire::Ipv4Address src, uint16_t src_port,
                    wire::Ipv4Address dst, uint16_t dst_port, const Segment& seg);

// One tcpdump-like line, e.g. "S 1000:1000(0) win 65535 <mss 1460>", for logs
// and test failure messages (allocates).
std::string describe(const Segment& seg);

}  // namespace ustack::tcp
