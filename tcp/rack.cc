// RACK (RFC 8985 §6.2 steps 1-5, §6.3 timeout marking) over a log of the
// segments in flight, one record per transmitted segment.
#include "tcp/rack.h"

#include <algorithm>

namespace ustack::tcp {

void Rack::on_sent(SeqNum start, SeqNum end, uint16_t size, bool retransmission, Instant now) {
    if (!(start < end) || segs_.empty()) return;
    if (count_ == 0 || start >= at(count_ - 1).end) {
        if (count_ == segs_.size()) {
            // Full (the MSS shrank): the last record grows to cover it.
            Seg& last = at(count_ - 1);
            last.end = end;
            last.xmit = now;
            last.size = std::max(last.size, size);
            return;
        }
        at(count_++) = Seg{start, end, now, size, false, false, false};
        return;
    }
    // A retransmission: RACK keys on the latest transmission of each segment.
    (void)retransmission;
    for (size_t i = 0; i < count_; ++i) {
        Seg& s = at(i);
        if (s.end <= start) continue;
        if (s.start >= end) break;
        s.xmit = now;
        s.retransmitted = true;
        s.lost = false;
        // Wholly resent: this unit now carries all of it; in part: the rest
        // still went in the earlier one, so the larger of the two bounds both.
        bool whole = start <= s.start && s.end <= end;
        s.size = whole ? size : std::max(s.size, size);
    }
}

void Rack::delivered(const Seg& s, Instant now) {
    // Step 2: an RTT sample unless the ACK may answer an earlier
    // transmission of a retransmitted segment (shorter than min_RTT).
    Duration rtt = now - s.xmit;
    bool ambiguous = s.retransmitted && (min_rtt_ == Duration::zero() || rtt < min_rtt_);
    if (!ambiguous) {
        rtt_ = rtt;
        if (!s.retransmitted && (min_rtt_ == Duration::zero() || rtt < min_rtt_)) min_rtt_ = std::max(rtt, Duration(1));
        if (!have_xmit_ || sent_after(s.xmit, s.end, xmit_ts_, end_seq_)) {
            xmit_ts_ = s.xmit;
            end_seq_ = s.end;
            have_xmit_ = true;
        }
    }
    // Step 3: delivered below the highest delivered, never retransmitted: reordering.
    if (!have_fack_ || s.end > fack_) {
        fack_ = s.end;
        have_fack_ = true;
    } else if (s.end < fack_ && !s.retransmitted) {
        reordering_seen_ = true;
    }
}

void Rack::on_ack(SeqNum una, const SackScoreboard& sb, bool dsack, SeqNum snd_nxt, Instant now) {
    while (count_ > 0 && at(0).end <= una) {
        const Seg& s = at(0);
        if (s.delivered) {
            if (segs_sacked_ > 0) --segs_sacked_;
        } else {
            delivered(s, now);
        }
        head_ = (head_ + 1) % segs_.size();
        --count_;
    }
    // Both lists are in sequence order: one merge pass finds the SACKed records.
    size_t j = 0;
    for (size_t i = 0; i < count_ && j < sb.size(); ++i) {
        Seg& s = at(i);
        while (j < sb.size() && sb.at(j).right <= s.start) ++j;
        if (j == sb.size()) break;
        if (s.delivered || !(sb.at(j).left <= s.start && s.end <= sb.at(j).right)) continue;
        s.delivered = true;
        s.lost = false;
        ++segs_sacked_;
        delivered(s, now);
    }
    // Step 4: one D-SACK per round trip widens the window by min_RTT/4.
    if (dsack_round_ && una >= *dsack_round_) dsack_round_.reset();
    if (!dsack_round_ && dsack) {
        dsack_round_ = snd_nxt;
        reo_wnd_mult_ = std::min<uint32_t>(reo_wnd_mult_ + 1, 64);
        reo_wnd_persist_ = 16;
    }
}

void Rack::on_recovery_end() {
    if (reo_wnd_persist_ > 0 && --reo_wnd_persist_ == 0) reo_wnd_mult_ = 1;
}

Duration Rack::reo_wnd(bool recovering, Duration srtt) const {
    // Step 4: with no reordering seen, no wait once in recovery or once
    // DupThresh segments are SACKed (as fast as RFC 6675's DupThresh).
    if (!reordering_seen_ && (recovering || segs_sacked_ >= SackScoreboard::DUP_THRESH)) return Duration::zero();
    Duration w = (min_rtt_ / 4) * int64_t(reo_wnd_mult_);
    return srtt > Duration::zero() ? std::min(w, srtt) : w;
}

std::optional<Instant> Rack::detect_loss(bool recovering, Duration srtt, Instant now) {
    if (!have_xmit_) return std::nullopt;
    Duration reo = reo_wnd(recovering, srtt);
    Duration timeout = Duration::zero();
    for (size_t i = 0; i < count_; ++i) {
        Seg& s = at(i);
        // Just sent (a retransmission in this very call): not yet judged.
        if (s.delivered || s.lost || s.xmit >= now) continue;
        // Step 5: only segments sent before the most recently delivered one.
        if (!sent_after(xmit_ts_, end_seq_, s.xmit, s.end)) continue;
        Duration remaining = (s.xmit + rtt_ + reo) - now;
        if (remaining <= Duration::zero()) {
            s.lost = true;
        } else {
            timeout = std::max(timeout, remaining);
        }
    }
    if (timeout > Duration::zero()) return now + timeout;
    return std::nullopt;
}

void Rack::mark_all_lost(bool reneged) {
    for (size_t i = 0; i < count_; ++i) {
        Seg& s = at(i);
        if (reneged && s.delivered) {
            s.delivered = false;
            if (segs_sacked_ > 0) --segs_sacked_;
        }
        if (!s.delivered) s.lost = true;
    }
}

bool Rack::first_lost(SeqNum& start, SeqNum& end) const {
    for (size_t i = 0; i < count_; ++i) {
        const Seg& s = at(i);
        if (s.lost && !s.delivered) {
            start = s.start;
            end = s.end;
            return true;
        }
    }
    return false;
}

bool Rack::any_lost() const {
    SeqNum a, b;
    return first_lost(a, b);
}

void Rack::unmark_lost(SeqNum start) {
    for (size_t i = 0; i < count_; ++i) {
        if (at(i).start == start) at(i).lost = false;
    }
}

uint32_t Rack::pipe(SeqNum una) const {
    uint32_t pipe = 0;
    for (size_t i = 0; i < count_; ++i) {
        const Seg& s = at(i);
        if (s.delivered || s.lost) continue;
        SeqNum from = wire::max(s.start, una);
        if (from < s.end) pipe += uint32_t(s.end - from);
    }
    return pipe;
}

}  // namespace ustack::tcp
