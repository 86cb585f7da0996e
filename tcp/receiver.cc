// Receive sequence space, acceptability test (RFC 9293 §3.10.7.4), receiver SWS
// avoidance (§3.8.6.2.2) and the receive urgent pointer RCV.UP (§3.8.5, RFC 6093).
#include "tcp/receiver.h"

#include <algorithm>

namespace ustack::tcp {

uint8_t window_scale_for(size_t buffer) {
    uint8_t shift = 0;
    while (shift < 14 && (buffer >> shift) > 65535) ++shift;
    return shift;
}

void Receiver::start(SeqNum irs) {
    irs_ = irs;
    nxt_ = irs + 1;
    adv_ = edge_ = nxt_ + potential_window();
}

uint32_t Receiver::potential_window() const {
    // With a shift, the window field is rounded up to whole 2^shift units
    // (below); keeping 2^shift - 1 octets in reserve keeps that inside the buffer.
    size_t cap = std::min(clamp_, ring_.reachable(budget_));
    size_t free = cap > ring_.size() ? cap - ring_.size() : 0;
    size_t reserve = (size_t(1) << shift_) - 1;
    free = free > reserve ? free - reserve : 0;
    return uint32_t(std::min<size_t>(free, max_window()));
}

bool Receiver::grow(size_t bytes) {
    // Storage is not allocated here: the window opens only as far as the
    // growth budget reaches (potential_window), so under pressure it stays
    // within what is allocated and opens when the pressure ends.
    size_t to = std::min(bytes, ring_.limit());
    if (to <= clamp_) return false;
    clamp_ = to;
    return true;
}

uint16_t Receiver::advertise(bool syn) {
    uint32_t potential = potential_window();
    if (syn) potential = std::min<uint32_t>(potential, 65535);
    uint32_t current = edge_ > nxt_ ? uint32_t(edge_ - nxt_) : 0;
    uint32_t threshold = uint32_t(std::min<size_t>(clamp_ / 2, mss_));
    if (potential > current && (potential - current >= threshold || potential == max_window() ||
                                ring_.size() == 0)) {
        edge_ = nxt_ + potential;
        current = potential;
    }
    if (syn || shift_ == 0) {
        adv_ = edge_;
        return uint16_t(std::min<uint32_t>(current, 65535));
    }
    // RFC 7323 §2.4: the field counts 2^shift units. Rounding up keeps the
    // edge we committed to (edge_, which never moves left) inside what the
    // peer is shown; the shown edge may wobble by less than one unit as
    // RCV.NXT moves, and never past the buffer (the reserve above).
    uint32_t field = std::min<uint32_t>((current + (uint32_t(1) << shift_) - 1) >> shift_, 65535);
    adv_ = nxt_ + (field << shift_);
    return uint16_t(field);
}

bool Receiver::window_update_due() const {
    uint32_t potential = potential_window();
    uint32_t current = wnd();
    uint32_t threshold = uint32_t(std::min<size_t>(clamp_ / 2, mss_));
    return potential > current && potential - current >= threshold && current < threshold;
}

bool Receiver::acceptable(const Segment& seg) const {
    const uint32_t len = seg.len();
    const uint32_t wnd = this->wnd();
    const SeqNum end = nxt_ + wnd;
    if (len == 0) {
        if (wnd == 0) return seg.seq == nxt_;
        return wire::in_window(seg.seq, nxt_, end);
    }
    if (wnd == 0) return false;
    return wire::in_window(seg.seq, nxt_, end) || wire::in_window(seg.seq + (len - 1), nxt_, end);
}

Receiver::Accepted Receiver::accept(const Segment& seg) {
    Accepted a;
    if (fin_received_) return a;  // nothing after the FIN (§3.10.7.4 seventh step)
    SeqNum seq = seg.seq;
    std::span<const uint8_t> data = seg.payload;
    if (seg.syn()) seq = seq + 1;  // the SYN occupies SEG.SEQ
    SeqNum end = seq + uint32_t(data.size());
    if (!data.empty()) {
        // RFC 2883 §4: octets received before are reported in a D-SACK block.
        if (seq < nxt_) note_duplicate(seq, wire::min(end, nxt_));
        else if (auto held = reasm_.containing(seq); held && end <= held->right) note_duplicate(seq, end);
    }
    SeqNum nxt_before = nxt_;
    // Storage for what the peer was allowed to send (the window advertised),
    // as far as this segment reaches: grown now, in steps, not per segment.
    if (!data.empty() && end > nxt_) {
        uint32_t reach = std::min(uint32_t(end - nxt_), wnd());
        ring_.reserve(std::min(ring_.size() + reach, ring_.limit()), clamp_);
    }
    auto r = reasm_.insert(nxt_, wnd(), seq, data, seg.fin(), ring_);
    nxt_ = nxt_ + r.advanced;
    a.bytes = r.advanced;
    if (r.fin_reached) {
        nxt_ = nxt_ + 1;
        fin_received_ = true;
        a.fin = true;
    }
    if (adv_ < nxt_) adv_ = nxt_;
    if (edge_ < nxt_) edge_ = nxt_;
    if (!data.empty() && seq > nxt_before && seq >= nxt_) remember_recent(seq);
    return a;
}

size_t Receiver::read(std::span<uint8_t> out) {
    uint32_t urgent = urgent_remaining();
    if (urgent > 0 && out.size() > urgent) out = out.first(urgent);
    size_t n = ring_.read(out);
    if (up_ && read_seq() > *up_) up_.reset();  // read past the mark: urgent data consumed
    return n;
}

bool Receiver::note_urgent(SeqNum up) {
    // Data inline (RFC 6093 §5 recommends SO_OOBINLINE semantics): urgent
    // octets stay in the stream; RCV.UP only marks where they end. A pointer
    // at or behind the read position points at data already consumed.
    if (up <= read_seq()) return false;
    if (up_ && up <= *up_) return false;  // not an advance: signalled already
    up_ = up;
    return true;
}

void Receiver::remember_recent(SeqNum seq) {
    auto held = reasm_.containing(seq);
    if (!held) return;  // not kept (window, or the interval list was full)
    // Keep the older entries that still name another held block.
    std::array<SeqNum, 4> keep{};
    size_t n = 0;
    keep[n++] = seq;
    for (size_t i = 0; i < recent_count_ && n < keep.size(); ++i) {
        auto b = reasm_.containing(recent_[i]);
        if (b && !(*b == *held)) keep[n++] = recent_[i];
    }
    recent_ = keep;
    recent_count_ = n;
}

size_t Receiver::sack_blocks(std::span<SackBlock> out) const {
    size_t n = 0;
    size_t first = 0;  // the D-SACK block may equal the block after it (RFC 2883 §4)
    auto listed = [&](const SackBlock& b) {
        for (size_t i = first; i < n; ++i)
            if (out[i] == b) return true;
        return false;
    };
    auto push = [&](const SackBlock& b) {
        if (n < out.size() && !listed(b)) out[n++] = b;
    };
    if (dsack_ && n < out.size()) {
        out[n++] = *dsack_;
        first = 1;
        if (auto held = reasm_.containing(dsack_->left)) push(*held);
    }
    for (size_t i = 0; i < recent_count_; ++i)
        if (auto b = reasm_.containing(recent_[i])) push(*b);
    for (size_t i = 0; i < reasm_.interval_count(); ++i) push(reasm_.interval(i));
    return n;
}

}  // namespace ustack::tcp
