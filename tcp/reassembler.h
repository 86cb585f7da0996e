// Out-of-order segment data held for reassembly (RFC 9293 §3.10.7.4 "seventh,
// process the segment text": segments beyond RCV.NXT but within the window are
// kept). Bytes live in the receive ring's free space; the intervals that are
// filled are tracked in a fixed-capacity list, so nothing is allocated per segment.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "stack/wire/seq_num.h"
#include "tcp/byte_ring.h"
#include "tcp/segment.h"
#include "tcp/seq_ranges.h"

namespace ustack::tcp {

using wire::SeqNum;

class Reassembler {
public:
    static constexpr size_t MAX_INTERVALS = 32;

    struct Result {
        uint32_t advanced = 0;   // bytes newly in order (RCV.NXT moves by this; FIN not included)
        bool fin_reached = false;  // the peer's FIN is now in order (RCV.NXT must also move by 1)
    };

    // Accepts segment text at `seq` (and a FIN after it when `fin`), given the
    // current `rcv_nxt` and `window` (bytes past rcv_nxt that may be held).
    // Bytes outside [rcv_nxt, rcv_nxt + window) are trimmed. In-order bytes are
    // committed to `ring`; later ones are written beyond its end and remembered.
    // When the interval list is full, a new disjoint interval is dropped (the
    // peer retransmits it).
    Result insert(SeqNum rcv_nxt, uint32_t window, SeqNum seq, std::span<const uint8_t> data,
                  bool fin, ByteRing& ring);

    size_t held_bytes() const { return iv_.total(); }  // out-of-order bytes held
    size_t interval_count() const { return iv_.size(); }
    // The i-th held interval [left, right), in sequence order (RFC 2018 SACK blocks).
    SackBlock interval(size_t i) const { return {iv_[i].left, iv_[i].right}; }
    // The held interval that contains `seq`, if any.
    std::optional<SackBlock> containing(SeqNum seq) const {
        if (auto r = iv_.find(seq)) return SackBlock{r->left, r->right};
        return std::nullopt;
    }
    bool empty() const { return iv_.empty() && !fin_seq_; }
    std::optional<SeqNum> fin_seq() const { return fin_seq_; }
    void clear() { iv_.clear(); fin_seq_.reset(); }

private:
    SeqRanges<MAX_INTERVALS> iv_;
    std::optional<SeqNum> fin_seq_;  // sequence number of an out-of-order FIN
};

}  // namespace ustack::tcp
