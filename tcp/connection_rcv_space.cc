// Receive buffer auto-tuning of a connection (dynamic right-sizing, Linux
// tcp_rcv_space_adjust): the receiver RTT from RFC 7323 §4 echoes or from
// the time a window of data takes, and growth as the application reads.
#include <algorithm>
#include <cstdint>

#include "tcp/connection_impl.h"

namespace ustack::tcp {

void Connection::Impl::autotune_on_data(const Segment& seg, Instant now) {
    if (!cfg.recv_autotune) return;
    // TSecr names the ACK of ours that released this data: now - TSecr is
    // one round trip. Small segments may have waited for the sender's
    // application, so only full-sized ones are timed (as Linux's rcv_mss check).
    if (ts_ok && seg.options.timestamps) {
        uint32_t ecr = seg.options.timestamps->ecr;
        uint32_t ms = ts_now() - ecr;
        size_t full = std::min<size_t>(cfg.mss, cfg.default_send_mss);
        if (ecr != 0 && ms < 0x80000000u && seg.payload.size() >= full)
            rcv_space.rtt_from_echo(ecr, std::chrono::milliseconds(ms));
        return;
    }
    rcv_space.rtt_from_window(rcv.nxt(), rcv.wnd(), now);
}

void Connection::Impl::autotune_on_read(Instant now) {
    if (!cfg.recv_autotune) return;
    if (auto want = rcv_space.on_read(rcv.read_seq(), now)) rcv.grow(*want);
}

}  // namespace ustack::tcp
