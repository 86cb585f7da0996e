// ICMP messages (RFC 792): a checked view and an emitter.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace ustack::wire {

inline constexpr uint8_t ICMP_ECHO_REPLY = 0;
inline constexpr uint8_t ICMP_DEST_UNREACHABLE = 3;
inline constexpr uint8_t ICMP_SOURCE_QUENCH = 4;
inline constexpr uint8_t ICMP_ECHO_REQUEST = 8;
inline constexpr uint8_t ICMP_TIME_EXCEEDED = 11;
inline constexpr uint8_t ICMP_PARAM_PROBLEM = 12;

// Destination Unreachable codes (RFC 792, RFC 1191).
inline constexpr uint8_t ICMP_PROTO_UNREACHABLE = 2;
inline constexpr uint8_t ICMP_PORT_UNREACHABLE = 3;
inline constexpr uint8_t ICMP_FRAG_NEEDED = 4;

inline constexpr size_t ICMP_HEADER_LEN = 8;

// A view over one ICMP message (the IPv4 payload). Call check() first.
class IcmpView {
public:
    explicit IcmpView(std::span<const uint8_t> bytes) : b_(bytes) {}

    bool check() const { return b_.size() >= ICMP_HEADER_LEN; }
    // The checksum covers the whole message (RFC 792).
    bool verify_checksum() const;

    uint8_t type() const { return b_[0]; }
    uint8_t code() const { return b_[1]; }
    uint16_t checksum() const;
    uint16_t echo_id() const;          // echo / echo reply: identifier
    uint16_t echo_seq() const;         // echo / echo reply: sequence number
    uint32_t rest_of_header() const;   // bytes 4..8 (for Frag Needed: next-hop MTU in the low 16 bits)
    std::span<const uint8_t> payload() const { return b_.subspan(ICMP_HEADER_LEN); }

private:
    std::span<const uint8_t> b_;
};

// Writes type, code, checksum, rest_of_header and payload into buf.
// Returns the bytes written (8 + payload), or 0 when buf is too small.
size_t emit_icmp(std::span<uint8_t> buf, uint8_t type, uint8_t code, uint32_t rest_of_header,
                 std::span<const uint8_t> payload);

}  // namespace ustack::wire
