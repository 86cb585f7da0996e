// Out-of-order reassembly within the receive window (RFC 9293 §3.10.7.4, seventh step).
#include "tcp/reassembler.h"

#include <algorithm>

namespace ustack::tcp {

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
        } else if (iv_.add(left, right)) {
            ring.write_beyond(size_t(left - rcv_nxt), data);
        }
    }
    // Held intervals that now touch RCV.NXT become in-order data.
    while (!iv_.empty() && iv_[0].left <= nxt) {
        if (iv_[0].right > nxt) {
            ring.commit(size_t(iv_[0].right - nxt));
            nxt = iv_[0].right;
        }
        iv_.pop_front();
    }
    r.advanced = uint32_t(nxt - rcv_nxt);
    if (fin_seq_ && *fin_seq_ == nxt) {
        r.fin_reached = true;
        fin_seq_.reset();
    }
    return r;
}

}  // namespace ustack::tcp
