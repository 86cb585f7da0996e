// The sender's SACK scoreboard (RFC 6675 §2-§4, RFC 2018 §5): which octets
// above SND.UNA the peer has SACKed, IsLost(), the pipe estimate (SetPipe)
// and the holes NextSeg() picks from. Fixed capacity, nothing is allocated
// after construction.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "stack/wire/seq_num.h"
#include "tcp/segment.h"
#include "tcp/seq_ranges.h"

namespace ustack::tcp {

class SackScoreboard {
public:
    static constexpr size_t MAX_RANGES = 32;
    static constexpr uint32_t DUP_THRESH = 3;  // RFC 6675 §2 DupThresh

    using Range = SeqRanges<MAX_RANGES>::Range;  // [left, right)

    void clear() { r_.clear(); }
    bool empty() const { return r_.empty(); }
    size_t size() const { return r_.size(); }
    Range at(size_t i) const { return r_[i]; }

    // Takes the SACK blocks of an ACK whose cumulative ACK is `una`; blocks
    // at or below `una` (D-SACK, RFC 2883 §4) or beyond `snd_max` are
    // ignored. Returns the octets newly SACKed (RFC 6675 §2 "duplicate ACK"
    // test). When full, a new disjoint range is dropped.
    uint32_t update(SeqNum una, SeqNum snd_max, std::span<const SackBlock> blocks);
    // SND.UNA moved: forgets what lies below it.
    void acknowledge(SeqNum una) { r_.drop_below(una); }

    uint32_t sacked_bytes() const { return r_.total(); }
    // One past the highest SACKed octet (valid when !empty()).
    SeqNum highest() const { return r_[r_.size() - 1].right; }
    bool is_sacked(SeqNum seq) const { return r_.find(seq).has_value(); }

    // RFC 6675 §4 IsLost(seq): DupThresh discontiguous SACKed ranges above
    // `seq`, or more than (DupThresh - 1) * SMSS SACKed octets above it.
    bool is_lost(SeqNum seq, uint32_t smss) const;

    // RFC 6675 §4 SetPipe(): octets in [una, snd_max) not SACKed that are not
    // lost, plus those at or below HighRxt (retransmitted: `rxt_end` is one
    // past the highest retransmitted octet). Unsacked octets below
    // `lost_below` count as lost (after an RTO, §5.1).
    uint32_t pipe(SeqNum una, SeqNum snd_max, SeqNum rxt_end, uint32_t smss, SeqNum lost_below) const;

    // The first unSACKed range [left, right) with left >= from and
    // left < limit (right capped at limit), if any.
    std::optional<Range> next_hole(SeqNum from, SeqNum limit) const;

private:
    SeqRanges<MAX_RANGES> r_;
};

}  // namespace ustack::tcp
