// The stack's cap on TIME-WAIT (RFC 9293 §3.4.2 quarantine; Linux's
// tcp_max_tw_buckets and TCPTimeWaitOverflow in tcp_minisocks.c).
#include "tcp/connection_impl.h"

namespace ustack::tcp {

bool Connection::Impl::time_wait_full() const {
    return time_wait_counters && cfg.max_time_wait > 0 && time_wait_counters->time_wait >= cfg.max_time_wait;
}

void Connection::Impl::count_time_wait(State prev, State next) {
    if (!time_wait_counters) return;
    if (next == State::TimeWait) ++time_wait_counters->time_wait;
    else if (prev == State::TimeWait) --time_wait_counters->time_wait;
}

void Connection::set_time_wait_counters(TimeWaitCounters* counters) {
    Impl& c = *impl_;
    if (c.state == State::TimeWait && c.time_wait_counters) --c.time_wait_counters->time_wait;
    c.time_wait_counters = counters;
    if (c.state == State::TimeWait && counters) ++counters->time_wait;
}

}  // namespace ustack::tcp
