// SipHash-2-4 (Aumasson & Bernstein, "SipHash: a fast short-input PRF", 2012).
#include "stack/wire/siphash.h"

namespace ustack::wire {
namespace {

constexpr uint64_t rotl(uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }

struct SipState {
    uint64_t v0, v1, v2, v3;
    void round() {
        v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32);
        v2 += v3; v3 = rotl(v3, 16); v3 ^= v2;
        v0 += v3; v3 = rotl(v3, 21); v3 ^= v0;
        v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32);
    }
    void compress(uint64_t m) {  // two rounds per message word: the "2" of 2-4
        v3 ^= m;
        round();
        round();
        v0 ^= m;
    }
};

}  // namespace

uint64_t siphash24(uint64_t k0, uint64_t k1, const uint8_t* data, size_t len) {
    SipState s{k0 ^ 0x736f6d6570736575ull, k1 ^ 0x646f72616e646f6dull,
               k0 ^ 0x6c7967656e657261ull, k1 ^ 0x7465646279746573ull};
    size_t full = len & ~size_t(7);
    for (size_t i = 0; i < full; i += 8) {
        uint64_t m = 0;
        for (int j = 7; j >= 0; --j) m = (m << 8) | data[i + size_t(j)];  // little-endian words
        s.compress(m);
    }
    uint64_t last = uint64_t(len & 0xff) << 56;
    for (size_t j = 0; j < (len & 7); ++j) last |= uint64_t(data[full + j]) << (8 * j);
    s.compress(last);
    s.v2 ^= 0xff;
    for (int i = 0; i < 4; ++i) s.round();  // four finalization rounds: the "4"
    return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

}  // namespace ustack::wire
