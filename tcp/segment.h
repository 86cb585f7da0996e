// The semantic TCP segment the core works on (RFC 9293 §3.1), separate from
// its bytes: tcp/segment_codec.h parses and emits it.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>

#include "stack/wire/seq_num.h"

namespace ustack::tcp {

using wire::SeqNum;

namespace flags {
inline constexpr uint8_t FIN = 0x01;
inline constexpr uint8_t SYN = 0x02;
inline constexpr uint8_t RST = 0x04;
inline constexpr uint8_t PSH = 0x08;
inline constexpr uint8_t ACK = 0x10;
inline constexpr uint8_t URG = 0x20;
inline constexpr uint8_t ECE = 0x40;
inline constexpr uint8_t CWR = 0x80;
}  // namespace flags

struct SackBlock {
    SeqNum left;   // first sequence number of the block
    SeqNum right;  // one past the last
};

struct Timestamps {
    uint32_t val = 0;
    uint32_t ecr = 0;
};

// The options ustack understands. Unknown options are skipped by the codec
// (MUST-6); what is absent stays empty.
struct TcpOptions {
    std::optional<uint16_t> mss;           // RFC 9293 §3.7.1, SYN only
    std::optional<uint8_t> window_scale;   // RFC 7323 §2, SYN only
    bool sack_permitted = false;           // RFC 2018, SYN only
    std::optional<Timestamps> timestamps;  // RFC 7323 §3
    uint8_t sack_count = 0;                // RFC 2018 §3
    std::array<SackBlock, 4> sack{};

    friend bool operator==(const TcpOptions&, const TcpOptions&) = default;
};

inline bool operator==(const SackBlock& a, const SackBlock& b) { return a.left == b.left && a.right == b.right; }
inline bool operator==(const Timestamps& a, const Timestamps& b) { return a.val == b.val && a.ecr == b.ecr; }

// One segment. `payload` views bytes owned by someone else (the received
// packet, or the sender's buffer); it is valid only during the call that
// hands the segment over.
struct Segment {
    SeqNum seq;
    SeqNum ack;
    uint8_t flags = 0;
    uint16_t window = 0;      // the raw 16-bit field; scaling is the connection's business
    uint16_t urgent_ptr = 0;
    TcpOptions options;
    std::span<const uint8_t> payload;
    // The TOS byte (DSCP and ECN field) of the IP datagram the segment arrived
    // in, set by the IP layer on input (RFC 9293 §3.9.1.9 MAY-9, RFC 3168 §5);
    // ignored on output, where IpParams::tos rules.
    uint8_t tos = 0;

    bool has(uint8_t f) const { return (flags & f) != 0; }
    bool syn() const { return has(flags::SYN); }
    bool fin() const { return has(flags::FIN); }
    bool rst() const { return has(flags::RST); }
    bool ack_flag() const { return has(flags::ACK); }
    // SEG.LEN: payload octets plus one each for SYN and FIN (RFC 9293 §3.4).
    uint32_t len() const { return uint32_t(payload.size()) + (syn() ? 1 : 0) + (fin() ? 1 : 0); }
};

}  // namespace ustack::tcp
