// IPv4 options as TCP sends them (RFC 791 §3.1 source routes; RFC 9293
// §3.9.2.1: the application's options, MUST-51, and a reversed route, MUST-53).
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "stack/wire/ipv4_address.h"
#include "tcp/ip_params.h"

namespace ustack::tcp {

inline constexpr uint8_t IPOPT_LSRR = 131;  // Loose Source and Record Route (RFC 791 §3.1)
inline constexpr uint8_t IPOPT_SSRR = 137;  // Strict Source and Record Route

// Options ready for the wire, and where the datagram goes first.
struct IpOptions {
    std::array<uint8_t, MAX_IP_OPTIONS> bytes{};
    uint8_t len = 0;              // a multiple of 4
    wire::Ipv4Address next_hop;   // first hop of the source route (unspecified: none)

    std::span<const uint8_t> wire() const { return {bytes.data(), len}; }
    IpParams params(uint8_t tos) const { return IpParams{tos, wire(), next_hop}; }
};

// `options` (raw, holding no source route) followed by `route` toward
// `remote` (the final destination, last in the option), padded with End of
// Option List; false when they exceed 40 octets or 9 hops.
bool encode_ip_options(std::span<const uint8_t> options, const SourceRoute& route, wire::Ipv4Address remote,
                       IpOptions& out);

}  // namespace ustack::tcp
