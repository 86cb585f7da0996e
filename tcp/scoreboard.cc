// SACK scoreboard, IsLost, SetPipe and the NextSeg holes (RFC 6675 §4).
#include "tcp/scoreboard.h"

#include <algorithm>

namespace ustack::tcp {

uint32_t SackScoreboard::update(SeqNum una, SeqNum snd_max, std::span<const SackBlock> blocks) {
    uint32_t added = 0;
    for (const SackBlock& b : blocks) {
        if (!(b.left < b.right)) continue;
        if (b.right <= una || b.right > snd_max) continue;  // D-SACK or bogus
        SeqNum left = wire::max(b.left, una);
        uint32_t covered = 0;
        if (r_.add(left, b.right, &covered)) added += uint32_t(b.right - left) - covered;
    }
    return added;
}

bool SackScoreboard::is_lost(SeqNum seq, uint32_t smss) const {
    uint32_t ranges = 0, bytes = 0;
    for (size_t i = r_.size(); i-- > 0;) {
        if (r_[i].right <= seq) break;
        SeqNum l = wire::max(r_[i].left, seq + 1);
        if (l < r_[i].right) {
            bytes += uint32_t(r_[i].right - l);
            ++ranges;
        }
    }
    return ranges >= DUP_THRESH || bytes > (DUP_THRESH - 1) * smss;
}

uint32_t SackScoreboard::pipe(SeqNum una, SeqNum snd_max, SeqNum rxt_end, uint32_t smss, SeqNum lost_below) const {
    uint32_t pipe = 0;
    // Each hole between SACKed ranges has the same SACKed octets above all of
    // its octets, so IsLost() is evaluated once per hole.
    auto hole = [&](SeqNum a, SeqNum b) {
        if (!(a < b)) return;
        if (a < lost_below) {
            SeqNum m = wire::min(b, lost_below);
            if (a < rxt_end) pipe += uint32_t(wire::min(m, rxt_end) - a);  // (b) retransmitted
            a = m;
            if (!(a < b)) return;
        }
        if (!is_lost(a, smss)) pipe += uint32_t(b - a);          // (a) presumed in flight
        if (a < rxt_end) pipe += uint32_t(wire::min(b, rxt_end) - a);  // (b)
    };
    SeqNum s = una;
    for (size_t i = 0; i < r_.size() && s < snd_max; ++i) {
        hole(s, wire::min(r_[i].left, snd_max));
        s = wire::max(s, r_[i].right);
    }
    if (s < snd_max) hole(s, snd_max);
    return pipe;
}

std::optional<SackScoreboard::Range> SackScoreboard::next_hole(SeqNum from, SeqNum limit) const {
    SeqNum s = from;
    for (size_t i = 0; i < r_.size(); ++i) {
        if (r_[i].right <= s) continue;
        if (r_[i].left <= s) {
            s = r_[i].right;
            continue;
        }
        // [s, r_[i].left) is unSACKed.
        if (!(s < limit)) return std::nullopt;
        return Range{s, wire::min(r_[i].left, limit)};
    }
    if (s < limit) return Range{s, limit};
    return std::nullopt;
}

}  // namespace ustack::tcp
