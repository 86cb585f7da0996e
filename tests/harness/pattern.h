// Test payloads: n pseudo-random bytes from a seed (an LCG), so that a
// transfer that reorders, drops or repeats data cannot compare equal by luck.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace ustack::testing {

inline std::vector<uint8_t> pattern(size_t n, uint32_t seed) {
    std::vector<uint8_t> v(n);
    uint32_t x = seed;
    for (auto& b : v) {
        x = x * 1664525u + 1013904223u;
        b = uint8_t(x >> 24);
    }
    return v;
}

}  // namespace ustack::testing
