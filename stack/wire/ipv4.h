// IPv4 header (RFC 791 §3.1): a checked read-only view and an emitter.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "stack/wire/ipv4_address.h"

namespace ustack::wire {

inline constexpr size_t IPV4_MIN_HEADER_LEN = 20;
inline constexpr uint8_t IP_PROTO_ICMP = 1;
inline constexpr uint8_t IP_PROTO_TCP = 6;
inline constexpr uint8_t IP_PROTO_UDP = 17;

enum class Ipv4Error { None, Truncated, BadVersion, BadHeaderLength, BadTotalLength, BadChecksum };

const char* to_string(Ipv4Error e);

// A view over the bytes of one IPv4 packet. Call check() first: only when it
// returns None are the getters guaranteed to stay inside the buffer.
class Ipv4View {
public:
    explicit Ipv4View(std::span<const uint8_t> bytes) : b_(bytes) {}

    // Validates version == 4, 5 <= IHL, header within the buffer,
    // IHL*4 <= total length <= buffer size, and the header checksum (RFC 791 §3.1).
    Ipv4Error check() const;

    uint8_t version() const;
    size_t header_len() const;  // IHL * 4
    uint8_t dscp_ecn() const;
    uint16_t total_len() const;
    uint16_t ident() const;
    bool dont_fragment() const;
    bool more_fragments() const;
    uint32_t frag_offset() const;  // in bytes (the field counts 8-byte units)
    bool is_fragment() const { return more_fragments() || frag_offset() != 0; }
    uint8_t ttl() const;
    uint8_t protocol() const;
    uint16_t header_checksum() const;
    Ipv4Address src() const;
    Ipv4Address dst() const;
    std::span<const uint8_t> options() const;  // bytes 20 .. header_len
    std::span<const uint8_t> header() const;   // bytes 0 .. header_len
    // Bytes header_len .. total_len: link padding after total_len is excluded.
    std::span<const uint8_t> payload() const;

private:
    std::span<const uint8_t> b_;
};

struct Ipv4Header {
    Ipv4Address src, dst;
    uint8_t protocol = 0;
    uint8_t ttl = 64;
    uint8_t dscp_ecn = 0;
    uint16_t ident = 0;
    bool dont_fragment = true;
    uint16_t payload_len = 0;
    uint16_t frag_offset = 0;     // in bytes, a multiple of 8 (RFC 791 §3.2 fragmentation)
    bool more_fragments = false;
    std::span<const uint8_t> options;  // a multiple of 4, at most 40 bytes (RFC 791 §3.1)
};

// Writes the header (20 bytes plus options) with its checksum into buf.
// Returns its length, or 0 when buf is too short or the options are not a
// multiple of 4 or longer than 40 bytes.
size_t emit_ipv4_header(std::span<uint8_t> buf, const Ipv4Header& h);

}  // namespace ustack::wire
