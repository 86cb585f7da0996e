// The TCB and the user calls OPEN, SEND, RECEIVE, CLOSE, ABORT, STATUS (RFC 9293
// §3.10.1-§3.10.6); set_state() is the one place where the state changes (§3.3.2).
#include "tcp/connection.h"

#include <algorithm>
#include <string>

#include "tcp/connection_impl.h"

namespace ustack::tcp {

std::string cause_with_seq(std::string_view before, SeqNum seq, std::string_view after) {
    std::string s;
    s.reserve(before.size() + after.size() + 12);
    s.append(before);
    s.append(std::to_string(seq.raw()));
    s.append(after);
    return s;
}

Connection::Impl::Impl(Connection& owner, const TcpConfig& config, const FourTuple& t, Outbox& out,
                       IsnGenerator& isn)
    : self(owner),
      cfg(config),
      tuple(t),
      outbox(out),
      isn_gen(isn),
      snd(config.send_buffer),
      rcv(config.recv_buffer, config.mss, recv_buffer_ceiling(config)),
      rcv_space(config.mss),
      rtt(config.rto_initial, config.rto_min, config.rto_max),
      cc(make_congestion_control(config.congestion, config.initial_window_segments)),
      scratch(std::max<size_t>(config.mss, 1)) {
    snd.set_mss(std::min(config.default_send_mss, config.mss));
    // One RACK record per segment in flight; 512 octets is below any MSS in use.
    if (config.sack) rack = Rack(config.send_buffer / 512 + 16);
}

// ---- state changes ----

void Connection::Impl::set_state(State next, std::string_view cause) {
    State prev = state;
    if (prev == next) return;
    state = next;
    if (orphan) count_orphan(next);
    count_time_wait(prev, next);
    if (layer_hook) layer_hook->on_state_change(self, prev, next, cause);
    if (tracer) tracer->on_state_change(self, prev, next, cause);
    if (observer) observer->on_state_change(self, prev, next, cause);
}

void Connection::Impl::to_closed(std::string_view cause) {
    retransmit_deadline.reset();
    persist_deadline.reset();
    time_wait_deadline.reset();
    delack_deadline.reset();
    keepalive_deadline.reset();
    rack_deadline.reset();
    tlp_deadline.reset();
    rack = Rack(0);
    ack_now = false;
    set_state(State::Closed, cause);
    snd.release();
    if (rcv.readable() == 0) rcv.release();
    std::vector<uint8_t>().swap(scratch);  // nothing is sent from CLOSED
    pending_events |= Status | Readable | Writable;
}

void Connection::Impl::fail(TcpError err, std::string_view cause) {
    error = err;
    to_closed(cause);
}

void Connection::Impl::enter_time_wait(std::string_view cause, Instant now) {
    if (time_wait_full()) {
        // Linux tcp_time_wait(): no bucket left, the socket is done at once.
        // The ACK owed for the peer's FIN still goes out first.
        ++time_wait_counters->overflows;
        if (ack_now) send_ack();
        to_closed(std::string(cause) + "; TIME-WAIT is full (max_time_wait): CLOSED at once");
        return;
    }
    retransmit_deadline.reset();
    persist_deadline.reset();
    keepalive_deadline.reset();
    rack_deadline.reset();
    tlp_deadline.reset();
    rack = Rack(0);
    time_wait_deadline = now + 2 * cfg.msl;  // §3.4.2, MUST-13
    set_state(State::TimeWait, cause);
    // Everything we sent is acknowledged: the send buffer is no longer needed,
    // and the receive buffer goes as soon as the application has drained it.
    snd.release();
    if (rcv.readable() == 0) rcv.release();
    std::vector<uint8_t>().swap(scratch);  // TIME-WAIT sends only ACKs
    pending_events |= Status;
}

void Connection::Impl::enter_established(std::string_view cause) {
    set_state(State::Established, cause);
    cc->init(snd.mss(), clock);
    if (syn_retransmitted) rtt.reset_after_syn_timeout();  // RFC 6298 §5.7
    pending_events |= Status | Writable;
    if (close_pending) {
        close_pending = false;
        snd.queue_fin();
        set_state(State::FinWait1, "close() called before the connection was established");
    }
}

void Connection::Impl::fire_events() {
    while (pending_events != 0) {
        uint8_t ev = pending_events;
        pending_events = 0;
        if (!observer) return;
        if (ev & Advice) observer->on_negative_advice(self, advice_retransmissions);
        if (ev & Status) observer->on_status(self);
        if (ev & Urgent) observer->on_urgent(self);
        if (ev & Readable) observer->on_readable(self);
        if (ev & Writable) observer->on_writable(self);
    }
}

void Connection::Impl::report_deadline() {
    std::optional<Instant> d = next_deadline();
    if (d == reported_deadline) return;
    reported_deadline = d;
    if (layer_hook) layer_hook->on_deadline_change(self);
}

namespace {
// Fires the deferred observer events once the outermost public call ends, so
// an observer may call back into the connection safely; then tells the layer
// where the connection's earliest deadline went.
class CallScope {
public:
    CallScope(Connection::Impl& impl, Instant now) : impl_(impl) {
        if (impl_.call_depth++ == 0) impl_.memory_begin();
        impl_.clock = now;
    }
    ~CallScope() {
        if (--impl_.call_depth == 0) {
            impl_.fire_events();
            impl_.report_deadline();
            impl_.memory_end();
        }
    }
    CallScope(const CallScope&) = delete;
    CallScope& operator=(const CallScope&) = delete;

private:
    Connection::Impl& impl_;
};
}  // namespace

// ---- Connection ----

Connection::Connection(const TcpConfig& config, const FourTuple& tuple, Outbox& outbox, IsnGenerator& isn)
    : impl_(std::make_unique<Impl>(*this, config, tuple, outbox, isn)) {}

Connection::~Connection() {
    if (impl_->orphan_counted) --impl_->orphan_counters->orphans;
}

void Connection::open_active(Instant now) { open_active(now, std::nullopt); }

void Connection::open_active(Instant now, std::optional<SeqNum> iss_above) {
    CallScope scope(*impl_, now);
    Impl& c = *impl_;
    if (c.state != State::Closed) return;  // "error: connection already exists"
    SeqNum iss = c.isn_gen.isn(c.tuple, now);
    // A reused TIME-WAIT 4-tuple: the new ISS lies above the old SND.NXT, so
    // the peer's old incarnation cannot take the new segments as its own.
    if (iss_above && iss <= *iss_above) iss = *iss_above + 65535u + 2u;
    c.snd.start(iss);
    c.ts_offset = c.isn_gen.ts_offset(c.tuple);
    c.set_state(State::SynSent, "open_active() called");
    c.send_syn(false, now);
}

void Connection::open_passive(const Segment& syn, Instant now) {
    open_passive(syn, now, std::nullopt);
}

void Connection::open_passive(const Segment& syn, Instant now, std::optional<SeqNum> iss_above) {
    CallScope scope(*impl_, now);
    Impl& c = *impl_;
    if (c.state != State::Closed || !syn.syn()) return;
    c.passive = true;
    c.last_received = now;
    SeqNum iss = c.isn_gen.isn(c.tuple, now);
    // MAY-2 (§3.6.1): a reopened TIME-WAIT connection needs an ISS above the old SND.NXT.
    if (iss_above && iss <= *iss_above) iss = *iss_above + 65535u + 2u;
    c.snd.start(iss);
    c.ts_offset = c.isn_gen.ts_offset(c.tuple);
    c.rcv.start(syn.seq);
    c.snd.set_window(syn.window, syn.seq, SeqNum());
    c.take_syn_options(syn);
    // §3.10.7.2: "any other control or text should be queued for processing
    // later": text on the SYN waits (unacknowledged) until ESTABLISHED.
    if (!syn.payload.empty()) {
        c.syn_text = uint32_t(std::min({syn.payload.size(), c.scratch.size(), size_t(c.rcv.wnd())}));
        std::copy_n(syn.payload.begin(), c.syn_text, c.scratch.begin());
    }
    // LISTEN -> SYN-RECEIVED (§3.10.7.2): the listener played LISTEN for us.
    c.set_state(State::Listen, "passive OPEN by a listener");
    c.set_state(State::SynReceived, cause_with_seq("SYN ", syn.seq, " received"));
    c.send_syn(true, now);
}

void Connection::open_from_cookie(const Segment& syn, SeqNum iss, Instant now) {
    CallScope scope(*impl_, now);
    Impl& c = *impl_;
    if (c.state != State::Closed || !syn.syn()) return;
    c.passive = true;
    c.last_received = now;
    c.snd.start(iss);
    c.ts_offset = c.isn_gen.ts_offset(c.tuple);
    c.rcv.start(syn.seq);  // the window the cookie SYN-ACK advertised (tcp/syn_cookie.cc)
    c.snd.set_window(syn.window, syn.seq, SeqNum());
    c.take_syn_options(syn);
    c.set_state(State::Listen, "passive OPEN by a listener");
    c.set_state(State::SynReceived, cause_with_seq("ACK ", iss + 1, " carries a valid SYN cookie"));
    // The SYN-ACK left without a TCB: no Karn sample from it (its send time is unknown).
    c.snd.on_sent(iss, 1);
    c.arm_retransmit(now);
}

size_t Connection::send(std::span<const uint8_t> data, Instant now, bool push) {
    return send_with(data, now, false, push);
}

size_t Connection::send_urgent(std::span<const uint8_t> data, Instant now) {
    return send_with(data, now, true, true);
}

size_t Connection::send_with(std::span<const uint8_t> data, Instant now, bool urgent, bool push) {
    CallScope scope(*impl_, now);
    Impl& c = *impl_;
    switch (c.state) {
    case State::SynSent:
    case State::SynReceived: {
        if (c.close_pending) break;
        size_t n = c.snd.queue(data);  // sent once ESTABLISHED (§3.10.2)
        if (urgent && n > 0) c.snd.mark_urgent();
        if (n > 0) c.tail_pushed = push;
        return n;
    }
    case State::Established:
    case State::CloseWait: {
        size_t n = c.snd.queue(data);
        if (urgent && n > 0) c.snd.mark_urgent();  // "set SND.UP <- SND.NXT" after the data (§3.10.2)
        if (n > 0) c.tail_pushed = push;
        c.unpushed_call = !push;  // MAY-15: this call holds a sub-MSS tail (as Linux's MSG_MORE)
        c.output(now);
        c.unpushed_call = false;
        return n;
    }
    default:
        break;
    }
    if (c.error == TcpError::None && c.state != State::Closed) c.error = TcpError::ConnectionClosing;
    return 0;
}

size_t Connection::receive(std::span<uint8_t> out, Instant now) {
    CallScope scope(*impl_, now);
    Impl& c = *impl_;
    size_t n = c.rcv.read(out);
    if (n == 0) return 0;
    // MAY-17: a push mark read past is done with (and must not come back into
    // view when the sequence space wraps).
    if (c.push_mark && !(*c.push_mark > c.rcv.read_seq())) c.push_mark.reset();
    if ((c.state == State::TimeWait || c.state == State::Closed) && c.rcv.readable() == 0) {
        c.rcv.release();
        return n;
    }
    c.autotune_on_read(now);
    // Opening the window may be worth telling the peer (§3.8.6.2.2).
    if (can_receive_data(c.state) && c.rcv.window_update_due()) {
        c.ack_now = true;
        c.output(now);
    }
    return n;
}

void Connection::close(Instant now) {
    CallScope scope(*impl_, now);
    Impl& c = *impl_;
    switch (c.state) {
    case State::Closed:
    case State::Listen:
        return;
    case State::SynSent:
        // "Delete the TCB and return 'error: closing'" (§3.10.4).
        c.to_closed("close() called");
        return;
    case State::SynReceived:
        // §3.10.4: with nothing queued, form a FIN, send it, FIN-WAIT-1;
        // otherwise queue the CLOSE until ESTABLISHED.
        if (c.snd.buffered() > 0) {
            c.close_pending = true;
            return;
        }
        c.snd.queue_fin();
        c.set_state(State::FinWait1, "close() called");
        c.send_data_segment(c.snd.fin_seq(), 0, false, now);
        return;
    case State::Established:
        c.snd.queue_fin();
        c.set_state(State::FinWait1, "close() called");
        c.output(now);
        return;
    case State::CloseWait:
        c.snd.queue_fin();
        c.set_state(State::LastAck, "close() called");
        c.output(now);
        return;
    default:
        // FIN-WAIT-1/2, CLOSING, LAST-ACK, TIME-WAIT: "error: connection closing".
        return;
    }
}

void Connection::close(Instant now, CloseMode mode) {
    if (mode == CloseMode::Send) {
        close(now);
        return;
    }
    CallScope scope(*impl_, now);
    Impl& c = *impl_;
    if (!c.begin_full_close()) return;
    close(now);
    c.count_orphan(c.state);  // states close() leaves as they are (FIN-WAIT-1/2, CLOSING, LAST-ACK)
}

void Connection::abort(Instant now) {
    (void)now;
    CallScope scope(*impl_, now);
    Impl& c = *impl_;
    switch (c.state) {
    case State::SynReceived:
    case State::Established:
    case State::FinWait1:
    case State::FinWait2:
    case State::CloseWait:
        // §3.10.5: <SEQ=SND.NXT><CTL=RST>.
        c.send_rst(c.snd.ack_seq());
        c.fail(TcpError::ConnectionAborted, "abort() called");
        return;
    case State::SynSent:
    case State::Closing:
    case State::LastAck:
    case State::TimeWait:
        c.fail(TcpError::ConnectionAborted, "abort() called");
        return;
    case State::Closed:
    case State::Listen:
        return;
    }
}

void Connection::on_segment(const Segment& seg, Instant now) {
    CallScope scope(*impl_, now);
    impl_->input(seg, now);
}

void Connection::on_timer(Instant now) {
    CallScope scope(*impl_, now);
    impl_->on_timer(now);
}

std::optional<Instant> Connection::next_deadline() const { return impl_->next_deadline(); }

State Connection::state() const { return impl_->state; }
const FourTuple& Connection::tuple() const { return impl_->tuple; }
size_t Connection::readable() const { return impl_->rcv.readable(); }

size_t Connection::writable() const {
    const Impl& c = *impl_;
    bool open = c.state == State::SynSent || c.state == State::SynReceived || can_send_data(c.state);
    if (!open || c.close_pending) return 0;
    return c.snd.free_space();
}

bool Connection::eof() const { return impl_->rcv.fin_received() && impl_->rcv.readable() == 0; }
size_t Connection::urgent_remaining() const { return impl_->rcv.urgent_remaining(); }
bool Connection::at_urgent_mark() const { return impl_->rcv.at_urgent_mark(); }
bool Connection::fully_closed() const { return impl_->state == State::Closed; }
TcpError Connection::error() const { return impl_->error; }
bool Connection::passive() const { return impl_->passive; }

TcbSnapshot Connection::snapshot() const {
    const Impl& c = *impl_;
    TcbSnapshot s;
    s.state = c.state;
    s.iss = c.snd.iss();
    s.snd_una = c.snd.una();
    s.snd_nxt = c.snd.nxt();
    s.snd_wnd = c.snd.wnd();
    s.irs = c.rcv.irs();
    s.rcv_nxt = c.rcv.nxt();
    s.rcv_wnd = c.rcv.wnd();
    s.snd_mss = c.snd.mss();
    s.cwnd = c.cc->cwnd();
    s.ssthresh = c.cc->ssthresh();
    s.srtt = c.rtt.srtt();
    s.rttvar = c.rtt.rttvar();
    s.rto = c.rtt.rto();
    s.send_buffered = c.snd.buffered();
    s.bytes_in_flight = c.snd.flight_size();
    s.recv_buffered = c.rcv.readable();
    s.out_of_order = c.rcv.out_of_order();
    s.retransmissions = c.retransmissions;
    s.retransmit_deadline = c.retransmit_deadline;
    s.time_wait_deadline = c.time_wait_deadline;
    s.persist_deadline = c.persist_deadline;
    s.snd_max = c.snd.max();
    s.sack_permitted = c.sack_ok;
    s.congestion = c.cc->algorithm();
    s.in_recovery = c.in_recovery || c.rto_recovery;
    s.sacked_bytes = c.scoreboard.sacked_bytes();
    s.keepalive_deadline = c.keepalive_deadline;
    s.keepalive_probes = c.keepalive_probes;
    s.memory = c.memory_usage();
    s.fin_wait2_deadline = c.fin_wait2_deadline;
    s.orphaned = c.orphan;
    s.timestamps = c.ts_ok;
    s.ts_recent = c.ts_recent;
    s.ts_recent_at = c.ts_recent_at;
    s.ecn = c.ecn_ok;
    s.ecn_echo = c.ecn_echo;
    return s;
}

void Connection::set_nodelay(bool on) { impl_->nodelay = on; }

void Connection::set_cork(bool on, Instant now) {
    CallScope scope(*impl_, now);
    Impl& c = *impl_;
    c.corked = on;
    // Linux __tcp_sock_set_cork(): uncorking sends what Nagle and the windows allow now.
    if (!on && (c.state == State::Established || c.state == State::CloseWait)) c.output(now);
}

bool Connection::corked() const { return impl_->corked; }

size_t Connection::pushed_readable() const {
    const Impl& c = *impl_;
    SeqNum read = c.rcv.read_seq();
    if (!c.push_mark || !(*c.push_mark > read)) return 0;
    return std::min<size_t>(c.rcv.readable(), uint32_t(*c.push_mark - read));
}

size_t Connection::flush(Instant now) {
    CallScope scope(*impl_, now);
    Impl& c = *impl_;
    size_t dropped = c.snd.drop_unsent();
    if (dropped > 0) {
        c.pending_events |= Impl::Writable;
        c.output(now);  // a queued FIN may now be due; no probe left for the persist timer
    }
    return dropped;
}

void Connection::set_error_reports(bool on) { impl_->error_reports = on; }
bool Connection::error_reports() const { return impl_->error_reports; }
void Connection::set_congestion(CongestionAlgorithm algo) { impl_->set_congestion(algo); }
CongestionAlgorithm Connection::congestion() const { return impl_->cc->algorithm(); }

void Connection::set_keepalive(bool on, Instant now) {
    Impl& c = *impl_;
    if (on && !c.cfg.keepalive) {
        // Idle counts from now at the earliest (as Linux's SO_KEEPALIVE).
        c.keepalive_start = now;
        c.keepalive_probes = 0;
    }
    c.cfg.keepalive = on;
    c.update_keepalive();
    if (c.call_depth == 0) c.report_deadline();  // the layer's timer heap must hear of it
}

void Connection::set_keepalive_config(const KeepAliveConfig& k) {
    Impl& c = *impl_;
    c.cfg.keepalive_config = k;
    c.update_keepalive();
    if (c.call_depth == 0) c.report_deadline();
}

bool Connection::keepalive() const { return impl_->cfg.keepalive; }
const KeepAliveConfig& Connection::keepalive_config() const { return impl_->cfg.keepalive_config; }
void Connection::set_user_timeout(Duration timeout) { impl_->cfg.user_timeout = std::max(timeout, Duration::zero()); }
Duration Connection::user_timeout() const { return impl_->cfg.user_timeout; }

void Connection::set_observer(ConnectionObserver* observer) { impl_->observer = observer; }
void Connection::set_tracer(ConnectionObserver* tracer) { impl_->tracer = tracer; }
void Connection::set_layer_hook(ConnectionObserver* hook) { impl_->layer_hook = hook; }
void Connection::set_counters(uint64_t* retransmissions, uint64_t* dropped_unacceptable, uint64_t* spurious_undos) {
    impl_->retransmit_counter = retransmissions;
    impl_->undo_counter = spurious_undos;
    impl_->unacceptable_counter = dropped_unacceptable;
}

void Connection::set_ack_throttle(AckThrottle* throttle) { impl_->ack_throttle = throttle; }

}  // namespace ustack::tcp
