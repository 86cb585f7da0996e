// Out-of-order reassembly within the receive window (RFC 9293 §3.10.7.4, seventh step).
#include "tcp/reassembler.h"

#include <algorithm>

namespace ustack::tcp {

size_t Reassembler::held_bytes() const {
    size_t n = 0;
    for (size_t i = 0; i < count_; ++i) n += size_t(iv_[i].right - iv_[i].left);
    return n;
}

std::optional<SackBlock> Reassembler::containing(SeqNum seq) const {
    for (size_t i = 0; i < count_; ++i)
        if (iv_[i].left <= seq && seq < iv_[i].right) return SackBlock{iv_[i].left, iv_[i].right};
    return std::nullopt;
}

void Reassembler::remove_at(size_t i) {
    for (size_t j = i + 1; j < count_; ++j) iv_[j - 1] = iv_[j];
    --count_;
}

bool Reassembler::add_interval(SeqNum left, SeqNum right) {
    // Find the first interval that ends at or after `left` (could touch or overlap).
    size_t i = 0;
    while (i < count_ && iv_[i].right < left) ++i;
    // Merge every interval that overlaps or touches [left, right).
    size_t j = i;
    while (j < count_ && iv_[j].left <= right) {
        left = wire::min(left, iv_[j].left);
        right = wire::max(right, iv_[j].right);
        ++j;
    }
    if (j > i) {
        iv_[i] = {left, right};
        size_t removed = j - i - 1;
        for (size_t k = j; k < count_; ++k) iv_[k - removed] = iv_[k];
        count_ -= removed;
        return true;
    }
    if (count_ == MAX_INTERVALS) return false;
    for (size_t k = count_; k > i; --k) iv_[k] = iv_[k - 1];
    iv_[i] = {left, right};
    ++count_;
    return true;
}

Reassembler::Result Reassembler::insert(SeqNum rcv_nxt, uint32_t window, SeqNum seq,
                                        std::span<const uint8_t> data, bool fin, ByteRing& ring) {
    Result r;
    window = uint32_t(std::min<size_t>(window, ring.free()));
    const SeqNum wnd_end = rcv_nxt + window;
    SeqNum left = seq;
    SeqNum right = seq + uint32_t(data.size());

    // A FIN is remembered only if it lies within the window (it takes no buffer space).
    if (fin && right >= rcv_nxt && right <= wnd_end) fin_seq_ = right;

    // Trim to [rcv_nxt, wnd_end).
    if (left < rcv_nxt) {
        uint32_t cut = uint32_t(rcv_nxt - left);
        if (cut >= data.size()) data = {};
        else data = data.subspan(cut);
        left = rcv_nxt;
    }
    if (right > wnd_end) {
        uint32_t cut = uint32_t(right - wnd_end);
        data = cut >= data.size() ? std::span<const uint8_t>{} : data.first(data.size() - cut);
    }
    right = left + uint32_t(data.size());

    SeqNum nxt = rcv_nxt;
    if (!data.empty()) {
        if (left == rcv_nxt) {
            // In order: straight into the ring, no interval needed.
            ring.write_beyond(0, data);
            ring.commit(data.size());
            nxt = right;
        } else if (add_interval(left, right)) {
            ring.write_beyond(size_t(left - rcv_nxt), data);
        }
    }
    // Held intervals that now touch RCV.NXT become in-order data.
    while (count_ > 0 && iv_[0].left <= nxt) {
        if (iv_[0].right > nxt) {
            ring.commit(size_t(iv_[0].right - nxt));
            nxt = iv_[0].right;
        }
        remove_at(0);
    }
    r.advanced = uint32_t(nxt - rcv_nxt);
    if (fin_seq_ && *fin_seq_ == nxt) {
        r.fin_reached = true;
        fin_seq_.reset();
    }
    return r;
}

}  // namespace ustack::tcp
