// The Internet checksum (RFC 1071) and the TCP/UDP pseudo-header (RFC 9293 §3.1).
#pragma once

#include <cstdint>
#include <span>

#include "stack/wire/ipv4_address.h"

namespace ustack::wire {

// Accumulates the 16-bit one's complement sum incrementally. Spans may have
// odd lengths: a following add() continues at the right byte position, so
// summing a buffer in pieces equals summing it whole (RFC 1071 §2).
class Checksum {
public:
    void add(std::span<const uint8_t> bytes);
    void add_u16(uint16_t v);
    void add_u32(uint32_t v);
    // Adds the IPv4 pseudo-header: src, dst, zero, protocol, length (RFC 9293 §3.1).
    void add_pseudo_header(Ipv4Address src, Ipv4Address dst, uint8_t protocol, uint16_t length);
    // One's complement of the folded sum: the value to put in a checksum field.
    // Over data that already holds a correct checksum it yields 0.
    uint16_t finish() const;

private:
    uint64_t sum_ = 0;
    bool odd_ = false;  // an odd number of bytes was added: the next byte is a low byte
};

// Checksum of one buffer (finish() of a fresh Checksum after add(bytes)).
uint16_t internet_checksum(std::span<const uint8_t> bytes);

}  // namespace ustack::wire
