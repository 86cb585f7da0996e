// Send sequence space bookkeeping (RFC 9293 §3.3.1, §3.10.7.4 fifth step).
#include "tcp/sender.h"

#include <algorithm>

namespace ustack::tcp {

void Sender::start(SeqNum iss) {
    iss_ = una_ = nxt_ = max_ = probe_end_ = up_ = iss;
    urgent_ = false;
    popped_ = 0;
}

size_t Sender::drop_unsent() {
    SeqNum keep_end = wire::max(max_, probe_end_);
    if (!(keep_end < data_end())) return 0;
    size_t n = uint32_t(data_end() - keep_end);
    ring_.truncate(ring_.size() - n);
    if (urgent_ && up_ > data_end()) {
        up_ = data_end();
        urgent_ = una_ < up_;
    }
    return n;
}

void Sender::on_sent(SeqNum seq, uint32_t len) {
    SeqNum end = seq + len;
    if (end > nxt_) nxt_ = end;
    if (end > max_) max_ = end;
}

size_t Sender::acknowledge(SeqNum ack) {
    if (ack <= una_) return 0;
    una_ = ack;
    if (nxt_ < una_) nxt_ = una_;
    if (max_ < una_) max_ = una_;  // an accepted zero-window probe
    if (probe_end_ < una_) probe_end_ = una_;
    if (urgent_ && una_ >= up_) urgent_ = false;  // all urgent data acknowledged
    size_t freed = 0;
    if (ack > data_seq()) {
        freed = std::min<size_t>(size_t(ack - data_seq()), ring_.size());
        ring_.pop(freed);
        popped_ += freed;
    }
    return freed;
}

bool Sender::update_window(const Segment& seg) {
    // "If SND.UNA =< SEG.ACK =< SND.NXT, the send window should be updated. If
    // (SND.WL1 < SEG.SEQ or (SND.WL1 = SEG.SEQ and SND.WL2 =< SEG.ACK))".
    if (seg.ack < una_ || seg.ack > ack_limit()) return false;
    if (wl1_ < seg.seq || (wl1_ == seg.seq && wl2_ <= seg.ack)) {
        set_window(seg.syn() ? uint32_t(seg.window) : scaled(seg.window), seg.seq, seg.ack);
        return true;
    }
    return false;
}

void Sender::set_window(uint32_t wnd, SeqNum wl1, SeqNum wl2) {
    wnd_ = wnd;
    max_wnd_ = std::max(max_wnd_, wnd);
    wl1_ = wl1;
    wl2_ = wl2;
}

size_t Sender::queue(std::span<const uint8_t> data) {
    size_t n = std::min(data.size(), free_space());
    if (n > ring_.free()) ring_.reserve(ring_.size() + n, ring_.reachable(budget_));
    return ring_.push(data.first(n));
}

size_t Sender::copy(SeqNum seq, std::span<uint8_t> out) const {
    if (seq < data_seq()) return 0;
    return ring_.peek(size_t(seq - data_seq()), out);
}

}  // namespace ustack::tcp
