// A fixed-capacity set of sequence ranges [left, right), kept sorted,
// disjoint and non-adjacent: the receiver's out-of-order data (reassembler,
// RFC 9293 §3.10.7.4 seventh step) and the sender's SACK scoreboard
// (RFC 6675 §3). Nothing is allocated; when full, a new disjoint range is refused.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "stack/wire/seq_num.h"

namespace ustack::tcp {

template <size_t N>
class SeqRanges {
public:
    using SeqNum = wire::SeqNum;
    struct Range {
        SeqNum left, right;  // [left, right)
    };
    static constexpr size_t capacity = N;

    size_t size() const { return count_; }
    bool empty() const { return count_ == 0; }
    const Range& operator[](size_t i) const { return r_[i]; }
    void clear() { count_ = 0; }

    // Adds [left, right), merging every range it overlaps or touches. Returns
    // false (nothing changed) when it needs a slot and all N are taken.
    // `covered`, when given, gets the octets of [left, right) already held.
    bool add(SeqNum left, SeqNum right, uint32_t* covered = nullptr) {
        size_t i = 0;
        while (i < count_ && r_[i].right < left) ++i;
        size_t j = i;
        uint32_t held = 0;
        SeqNum l = left, r = right;
        while (j < count_ && r_[j].left <= right) {
            SeqNum ol = wire::max(left, r_[j].left), orr = wire::min(right, r_[j].right);
            if (ol < orr) held += uint32_t(orr - ol);
            l = wire::min(l, r_[j].left);
            r = wire::max(r, r_[j].right);
            ++j;
        }
        if (j > i) {
            r_[i] = {l, r};
            size_t removed = j - i - 1;
            for (size_t k = j; k < count_; ++k) r_[k - removed] = r_[k];
            count_ -= removed;
        } else {
            if (count_ == N) return false;
            for (size_t k = count_; k > i; --k) r_[k] = r_[k - 1];
            r_[i] = {left, right};
            ++count_;
        }
        if (covered) *covered = held;
        return true;
    }

    // Removes the first range.
    void pop_front() {
        for (size_t k = 1; k < count_; ++k) r_[k - 1] = r_[k];
        --count_;
    }

    // Forgets every octet below `s` (ranges wholly below go, one straddling it is cut).
    void drop_below(SeqNum s) {
        size_t drop = 0;
        while (drop < count_ && r_[drop].right <= s) ++drop;
        for (size_t k = drop; k < count_; ++k) r_[k - drop] = r_[k];
        count_ -= drop;
        if (count_ > 0 && r_[0].left < s) r_[0].left = s;
    }

    // Octets held in all ranges.
    uint32_t total() const {
        uint32_t n = 0;
        for (size_t i = 0; i < count_; ++i) n += uint32_t(r_[i].right - r_[i].left);
        return n;
    }

    // The range holding `seq`, if any.
    std::optional<Range> find(SeqNum seq) const {
        for (size_t i = 0; i < count_; ++i) {
            if (r_[i].left <= seq && seq < r_[i].right) return r_[i];
        }
        return std::nullopt;
    }

private:
    std::array<Range, N> r_{};
    size_t count_ = 0;
};

}  // namespace ustack::tcp
