// IPv4 options (RFC 791 §3.1): finding a Loose or Strict Source and Record
// Route option in a received header. Every other option is skipped (RFC 9293 MUST-50).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace ustack::wire {

inline constexpr uint8_t IPOPT_EOL = 0;
inline constexpr uint8_t IPOPT_NOP = 1;
inline constexpr uint8_t IPOPT_LSRR = 131;
inline constexpr uint8_t IPOPT_SSRR = 137;

struct SourceRouteOption {
    bool present = false;
    bool malformed = false;   // length or pointer out of range
    bool strict = false;      // SSRR
    bool complete = false;    // pointer past the last address: we are the final destination
    std::span<const uint8_t> addresses;  // the route data, 4 bytes per address, in the order recorded
};

// Scans the option bytes (IPv4 header bytes 20..IHL*4); a malformed option
// list ends the scan (the remaining bytes are ignored).
SourceRouteOption find_source_route(std::span<const uint8_t> options);

}  // namespace ustack::wire
