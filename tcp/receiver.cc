// Receive sequence space, acceptability test (RFC 9293 §3.10.7.4) and receiver SWS avoidance (§3.8.6.2.2).
#include "tcp/receiver.h"

#include <algorithm>

namespace ustack::tcp {

namespace {
constexpr uint32_t MAX_UNSCALED_WINDOW = 65535;
}

void Receiver::start(SeqNum irs) {
    irs_ = irs;
    nxt_ = irs + 1;
    adv_ = nxt_ + potential_window();
}

uint32_t Receiver::potential_window() const {
    return uint32_t(std::min<size_t>(ring_.free(), MAX_UNSCALED_WINDOW));
}

uint16_t Receiver::advertise() {
    uint32_t potential = potential_window();
    uint32_t current = wnd();
    uint32_t threshold = uint32_t(std::min<size_t>(ring_.capacity() / 2, mss_));
    if (potential > current && (potential - current >= threshold || potential == MAX_UNSCALED_WINDOW ||
                                ring_.size() == 0)) {
        adv_ = nxt_ + potential;
    }
    return uint16_t(wnd());
}

bool Receiver::window_update_due() const {
    uint32_t potential = potential_window();
    uint32_t current = wnd();
    uint32_t threshold = uint32_t(std::min<size_t>(ring_.capacity() / 2, mss_));
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
    auto r = reasm_.insert(nxt_, wnd(), seq, data, seg.fin(), ring_);
    nxt_ = nxt_ + r.advanced;
    a.bytes = r.advanced;
    if (r.fin_reached) {
        nxt_ = nxt_ + 1;
        fin_received_ = true;
        a.fin = true;
    }
    if (adv_ < nxt_) adv_ = nxt_;
    return a;
}

}  // namespace ustack::tcp
