// SipHash-2-4 (Aumasson & Bernstein, 2012): the keyed PRF behind RFC 6528 ISNs.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ustack::wire {

// 64-bit SipHash-2-4 of data[0..len) under the 128-bit key (k0, k1), where k0
// holds key bytes 0..7 read little-endian and k1 bytes 8..15.
uint64_t siphash24(uint64_t k0, uint64_t k1, const uint8_t* data, size_t len);

}  // namespace ustack::wire
