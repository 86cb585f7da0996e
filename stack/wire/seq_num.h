// TCP sequence numbers: 32-bit values compared modulo 2^32 (RFC 9293 §3.4).
#pragma once

#include <cstdint>

namespace ustack::wire {

// A sequence number. Comparisons are wrap-around: a < b when b is less than
// 2^31 ahead of a. Arithmetic with plain integers moves along the sequence
// space; the difference of two SeqNums is a signed distance.
class SeqNum {
public:
    constexpr SeqNum() = default;
    constexpr explicit SeqNum(uint32_t raw) : raw_(raw) {}

    constexpr uint32_t raw() const { return raw_; }

    constexpr SeqNum operator+(uint32_t n) const { return SeqNum(raw_ + n); }
    constexpr SeqNum operator-(uint32_t n) const { return SeqNum(raw_ - n); }
    constexpr SeqNum& operator+=(uint32_t n) { raw_ += n; return *this; }
    constexpr SeqNum& operator-=(uint32_t n) { raw_ -= n; return *this; }
    // Signed distance from `o` to this (this - o), valid when |distance| < 2^31.
    constexpr int32_t operator-(SeqNum o) const { return static_cast<int32_t>(raw_ - o.raw_); }

    friend constexpr bool operator==(SeqNum a, SeqNum b) { return a.raw_ == b.raw_; }
    friend constexpr bool operator!=(SeqNum a, SeqNum b) { return a.raw_ != b.raw_; }
    friend constexpr bool operator<(SeqNum a, SeqNum b) { return (a - b) < 0; }
    friend constexpr bool operator>(SeqNum a, SeqNum b) { return (a - b) > 0; }
    friend constexpr bool operator<=(SeqNum a, SeqNum b) { return (a - b) <= 0; }
    friend constexpr bool operator>=(SeqNum a, SeqNum b) { return (a - b) >= 0; }

private:
    uint32_t raw_ = 0;
};

constexpr SeqNum max(SeqNum a, SeqNum b) { return a < b ? b : a; }
constexpr SeqNum min(SeqNum a, SeqNum b) { return a < b ? a : b; }

// lo <= x < hi, modulo 2^32 (the window tests of RFC 9293 §3.4 and §3.10.7.4).
constexpr bool in_window(SeqNum x, SeqNum lo, SeqNum hi) { return lo <= x && x < hi; }

}  // namespace ustack::wire
