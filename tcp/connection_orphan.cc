// Orphans: the application's full close (RFC 9293 §3.6.1 SHLD-3, RFC 1122
// 4.2.2.13, RFC 2525 §2.17) and what Linux does with the connection after it
// (tcp_close, tcp_rcv_state_process "data after close", tcp_fin_timeout, tcp_max_orphans).
#include <algorithm>

#include "tcp/connection_impl.h"

namespace ustack::tcp {

bool Connection::Impl::begin_full_close() {
    if (orphan || state == State::Closed || state == State::Listen) return false;
    orphan = true;
    if (state == State::SynSent) return true;  // CLOSE deletes the TCB (§3.10.4)
    if (state == State::TimeWait) {
        // Nothing goes to the peer any more; unread octets are simply dropped
        // (Linux has already handed the connection to its TIME-WAIT table).
        rcv.release();
        return false;
    }
    if (rcv.readable() > 0) {
        // SHLD-3: "if CLOSE is called and there is pending data still received
        // ... SHOULD send a RST to show that data was lost", as Linux's
        // tcp_close() does (TCPAbortOnClose) from any synchronized state.
        if (orphan_counters) ++orphan_counters->aborts_on_close;
        send_rst(snd.ack_seq());
        fail(TcpError::ConnectionAborted, "close() with unread data: RST, the data is lost (RFC 9293 §3.6.1)");
        return false;
    }
    if (orphan_counters && cfg.max_orphans > 0 && orphan_counters->orphans >= cfg.max_orphans) {
        // Linux tcp_close() -> tcp_check_oom(): too many orphans, this one is
        // reset rather than left to finish (TCPAbortOnMemory).
        ++orphan_counters->orphans_over_limit;
        send_rst(snd.ack_seq());
        fail(TcpError::ConnectionAborted, "close() beyond max_orphans: RST");
        return false;
    }
    return true;
}

void Connection::Impl::count_orphan(State next) {
    bool counts = orphan && orphan_counters && next != State::Closed && next != State::TimeWait;
    if (counts && !orphan_counted) {
        ++orphan_counters->orphans;
        orphan_counted = true;
    } else if (!counts && orphan_counted) {
        --orphan_counters->orphans;
        orphan_counted = false;
    }
    if (orphan && next == State::FinWait2) arm_fin_wait2();
    else fin_wait2_deadline.reset();
}

void Connection::Impl::arm_fin_wait2() {
    // Linux tcp_fin_time(): tcp_fin_timeout, but never under 3.5 RTO. Armed
    // once, from entering FIN-WAIT-2 (or from the close() that found us there).
    if (cfg.fin_wait2_timeout <= Duration::zero() || fin_wait2_deadline) return;
    fin_wait2_deadline = clock + std::max(cfg.fin_wait2_timeout, rtt.rto() * 7 / 2);
}

bool Connection::Impl::on_fin_wait2_timeout() {
    if (state != State::FinWait2 || !orphan) return false;
    // The peer never sent its FIN. Linux's FIN-WAIT-2 timewait socket just
    // expires, without a RST; RFC 9293 would wait forever, but nobody is
    // left to read what might still come.
    if (orphan_counters) ++orphan_counters->fin_wait2_timeouts;
    to_closed("FIN-WAIT-2 timeout: the peer's FIN never came after close()");
    return true;
}

bool Connection::Impl::data_after_close(const Segment& seg) {
    // RFC 1122 4.2.2.13: "new data is received after CLOSE is called ... its
    // TCP SHOULD send a RST to show that data was lost". Linux (and 4.4BSD)
    // answer the segment with a RST and close: <SEQ=SEG.ACK><CTL=RST>. A
    // segment carrying only old data or a bare FIN is processed as usual.
    if (!orphan || !can_receive_data(state) || seg.payload.empty()) return false;
    if (seg.seq + uint32_t(seg.payload.size()) <= rcv.nxt()) return false;
    if (orphan_counters) ++orphan_counters->aborts_on_data;
    send_reset_for(seg);
    fail(TcpError::ConnectionAborted, cause_with_seq("data ", seg.seq, " received after close(): RST, the data is lost"));
    return true;
}

bool Connection::orphaned() const { return impl_->orphan; }

void Connection::set_orphan_counters(OrphanCounters* counters) {
    Impl& c = *impl_;
    if (c.orphan_counted) {
        --c.orphan_counters->orphans;
        c.orphan_counted = false;
    }
    c.orphan_counters = counters;
    if (c.orphan) c.count_orphan(c.state);
}

}  // namespace ustack::tcp
