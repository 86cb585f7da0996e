// The Internet checksum (RFC 1071 §4.1 algorithm, 64-bit accumulator) and the
// IPv4 pseudo-header of RFC 9293 §3.1.
#include "stack/wire/checksum.h"

namespace ustack::wire {

void Checksum::add(std::span<const uint8_t> bytes) {
    size_t i = 0;
    size_t n = bytes.size();
    if (n == 0) return;
    if (odd_) {
        // The previous piece ended mid-word: this byte is that word's low half.
        sum_ += bytes[0];
        i = 1;
        odd_ = false;
    }
    for (; i + 1 < n; i += 2) sum_ += (uint32_t(bytes[i]) << 8) | bytes[i + 1];
    if (i < n) {
        sum_ += uint32_t(bytes[i]) << 8;
        odd_ = true;
    }
}

void Checksum::add_u16(uint16_t v) {
    uint8_t b[2] = {uint8_t(v >> 8), uint8_t(v)};
    add(b);
}

void Checksum::add_u32(uint32_t v) {
    uint8_t b[4] = {uint8_t(v >> 24), uint8_t(v >> 16), uint8_t(v >> 8), uint8_t(v)};
    add(b);
}

void Checksum::add_pseudo_header(Ipv4Address src, Ipv4Address dst, uint8_t protocol, uint16_t length) {
    add_u32(src.to_u32());
    add_u32(dst.to_u32());
    add_u16(protocol);
    add_u16(length);
}

uint16_t Checksum::finish() const {
    uint64_t s = sum_;
    while (s >> 16) s = (s & 0xffff) + (s >> 16);
    return uint16_t(~s);
}

uint16_t internet_checksum(std::span<const uint8_t> bytes) {
    Checksum c;
    c.add(bytes);
    return c.finish();
}

}  // namespace ustack::wire
