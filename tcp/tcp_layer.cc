// The TCP layer: connection table and demux (RFC 9293 §3.10.7), LISTEN
// (§3.10.7.2) with SYN cookies (RFC 4987 §3.6), RST for closed ports
// (§3.10.7.1), ephemeral ports, TIME-WAIT reopening by a new SYN (§3.6.1,
// MAY-2, RFC 6191), client-side TIME-WAIT reuse, RFC 5961 §7's stack-wide
// challenge ACK budget, and the earliest deadline.
#include "tcp/tcp_layer.h"

#include <unordered_map>
#include <vector>

#include "tcp/ack_throttle.h"
#include "tcp/deadline_heap.h"
#include "tcp/ip_options.h"
#include "tcp/listener.h"
#include "tcp/syn_cookie.h"

namespace ustack::tcp {

namespace {

struct EndpointHash {
    size_t operator()(const Endpoint& e) const {
        return FourTupleHash{}(FourTuple{e, Endpoint{}});
    }
};

// Counts what leaves the core before handing it to the stack's outbox.
class CountingOutbox final : public Outbox {
public:
    CountingOutbox(Outbox& inner, TcpCounters& counters) : inner_(inner), counters_(counters) {}
    void send(const FourTuple& tuple, const Segment& seg) override {
        ++counters_.segments_out;
        if (seg.rst()) ++counters_.rst_out;
        inner_.send(tuple, seg);
    }
    void send_ip(const FourTuple& tuple, const Segment& seg, const IpParams& ip) override {
        ++counters_.segments_out;
        if (seg.rst()) ++counters_.rst_out;
        inner_.send_ip(tuple, seg, ip);
    }

private:
    Outbox& inner_;
    TcpCounters& counters_;
};

struct Entry {
    std::shared_ptr<Connection> conn;
    std::weak_ptr<ListenerImpl> listener;  // set while the connection sits in a SYN queue
    size_t heap_slot = DeadlineHeap<Entry>::kInvalid;  // place in TcpLayer::Impl::timers
};

}  // namespace

struct TcpLayer::Impl final : ListenerHost, ConnectionObserver {
    Impl(const TcpConfig& c, Outbox& out, IsnGenerator& i) : cfg(c), outbox(out, counters), isn(i), throttle(i) {
        throttle.set_counters(&counters.challenge_acks_sent, &counters.challenge_acks_suppressed,
                              &counters.oow_acks_suppressed);
    }
    ~Impl() {
        for (auto& [ep, l] : listeners) l->detach();
        for (auto& [t, e] : table) {  // the app may outlive us
            e.conn->set_layer_hook(nullptr);
            e.conn->set_orphan_counters(nullptr);
            e.conn->set_time_wait_counters(nullptr);
        }
    }

    TcpConfig cfg;
    TcpCounters counters;
    // Declared before the table: connections leave it before it goes.
    MemoryPool pool{&cfg.memory_limit};  // mutable_config() moves the limit in place
    uint64_t refused_passive = 0, refused_active = 0;
    CountingOutbox outbox;
    IsnGenerator& isn;
    AckThrottle throttle;  // RFC 5961 §7: the stack-wide challenge ACK budget
    ConnectionObserver* tracer = nullptr;
    std::unordered_map<FourTuple, Entry, FourTupleHash> table;  // node-based: Entry addresses are stable
    // Every connection with a deadline, earliest first: next_deadline() is
    // O(1) and a timer tick visits only due connections, however many sit in
    // TIME-WAIT. Kept current by on_deadline_change() and sync().
    DeadlineHeap<Entry> timers;
    std::unordered_map<Endpoint, std::shared_ptr<ListenerImpl>, EndpointHash> listeners;
    // RFC 6056 §3.3.3 (Algorithm 3): the search for an ephemeral port starts at
    // first + (next_ephemeral + F(local, remote)) mod range, with F from the
    // injected generator, so a restarted stack does not walk the same ports in
    // the same order (and into the peer's TIME-WAIT of its previous run).
    uint32_t next_ephemeral = 0;
    std::vector<std::shared_ptr<Connection>> due;  // reused by on_timer (no allocation per tick)
    std::vector<FourTuple> closed;                 // connections that reached CLOSED, to reap

    // Layer hook: a connection reached CLOSED (from any call, including the
    // application's). Only noted here; reap() erases it at a safe point.
    void on_state_change(const Connection& c, State, State to, std::string_view) override {
        if (to == State::Closed) closed.push_back(c.tuple());
    }
    // R1 reached on a connection (§3.8.3, MUST-20): the advice for IP. A
    // point-to-point TUN link has no other gateway to try; the count is what
    // `ustack status` and tests see.
    void on_negative_advice(Connection&, uint32_t) override { ++counters.negative_advice; }

    // Layer hook: a connection's earliest deadline moved (any call, the application's too).
    void on_deadline_change(const Connection& c) override {
        auto it = table.find(c.tuple());
        if (it != table.end() && it->second.conn.get() == &c) timers.set(it->second, c.next_deadline());
    }

    // Re-reads a connection's deadline (after the layer took it out of the heap to fire it).
    void sync(const Connection& c) { on_deadline_change(c); }

    void erase(std::unordered_map<FourTuple, Entry, FourTupleHash>::iterator it) {
        timers.remove(it->second);
        it->second.conn->set_layer_hook(nullptr);
        table.erase(it);
    }

    // CLOSED means no TCB (§3.3.2): forget closed connections.
    void reap() {
        for (const FourTuple& t : closed) {
            auto it = table.find(t);
            if (it == table.end() || !it->second.conn->fully_closed()) continue;
            if (auto l = it->second.listener.lock()) l->update(it->second.conn);
            erase(it);
        }
        closed.clear();
    }

    void remove_listener(ListenerImpl& l) override {
        auto it = listeners.find(l.local());
        if (it != listeners.end() && it->second.get() == &l) listeners.erase(it);
    }

    std::shared_ptr<ListenerImpl> find_listener(const Endpoint& local) const {
        auto it = listeners.find(local);
        if (it != listeners.end()) return it->second;
        it = listeners.find(Endpoint{wire::Ipv4Address(), local.port});
        if (it != listeners.end()) return it->second;
        return nullptr;
    }

    std::shared_ptr<Connection> make_connection(const FourTuple& t) {
        auto c = std::make_shared<Connection>(cfg, t, outbox, isn);
        // on_timer() may find every connection due at once: room for one more
        // now (per connection), never a reallocation inside a tick (per packet).
        due.reserve(table.size() + 1);
        c->set_tracer(tracer);
        c->set_layer_hook(this);
        c->set_counters(&counters.retransmissions, &counters.dropped_unacceptable, &counters.spurious_undos);
        c->set_memory_pool(&pool);
        c->set_orphan_counters(&counters.orphan);
        c->set_time_wait_counters(&counters.time_wait);
        c->set_ack_throttle(&throttle);
        return c;
    }

    // Bookkeeping after any event on a connection: SYN queue -> accept queue,
    // and closed connections leave the table.
    void settle(const FourTuple& t) {
        auto it = table.find(t);
        if (it == table.end()) return;
        std::shared_ptr<Connection> conn = it->second.conn;
        std::shared_ptr<ListenerImpl> l = it->second.listener.lock();
        bool acceptable = false;
        if (l) {
            acceptable = l->update(conn);
            if (conn->state() != State::SynReceived) it->second.listener.reset();
            if (acceptable) ++counters.connections_accepted;
        }
        if (conn->fully_closed()) erase(it);
        if (acceptable && l->is_open()) l->notify_acceptable();
    }

    const SourceRoute* route = nullptr;  // of the segment being processed (MUST-53)

    std::shared_ptr<Connection> open_active(const FourTuple& t, Instant now, TcpError* error, const IpSettings& ip,
                                            std::optional<SeqNum> iss_above) {
        auto conn = make_connection(t);
        if (!conn->set_ip_settings(ip)) {
            if (error) *error = TcpError::InvalidArgument;
            return nullptr;
        }
        table[t] = Entry{conn, {}};
        ++counters.connections_opened;
        conn->open_active(now, iss_above);
        if (error) *error = TcpError::None;
        return conn;
    }

    void passive_open(const std::shared_ptr<ListenerImpl>& l, const FourTuple& t, const Segment& seg,
                      Instant now, std::optional<SeqNum> iss_above) {
        auto conn = make_connection(t);
        if (route) conn->set_return_route(*route);  // the SYN-ACK already follows it
        table[t] = Entry{conn, l};
        l->add_syn_received(conn);
        conn->open_passive(seg, now, iss_above);
        settle(t);
    }

    // §3.10.7.2: a segment for a listener.
    void listen_input(const std::shared_ptr<ListenerImpl>& l, const FourTuple& t, const Segment& seg, Instant now) {
        if (seg.rst()) return;  // "An incoming RST segment could not be valid ... ignore it"
        if (seg.ack_flag()) {
            if (!seg.syn() && cookie_ack(l, t, seg, now)) return;
            reset_for(t, seg);  // <SEQ=SEG.ACK><CTL=RST>, for a failed cookie too (as Linux)
            return;
        }
        if (!seg.syn()) return;  // "any other control or text-bearing segment ... drop it"
        if (l->accept_queue_full()) {  // as Linux: drop, the peer retries the SYN
            ++counters.accept_queue_drops;
            return;
        }
        if (!admits_passive()) return;  // memory pressure (tcp/memory.h): drop, counted
        if (cfg.syn_cookies == SynCookies::Always || l->syn_queue_full()) {
            if (cfg.syn_cookies == SynCookies::Off) {
                ++counters.syn_queue_drops;
                return;
            }
            // RFC 4987 §3.6: answer without keeping state; the ISS carries what the ACK needs.
            l->note_overflow(now);
            SeqNum cookie = make_syn_cookie(cfg.syn_cookie_secret, t, seg.seq, seg.options.mss.value_or(0), now);
            ++counters.syncookies_sent;
            send_cookie_syn_ack(t, cookie_syn_ack(cfg, seg, cookie, isn.ts_offset(t), now));
            return;
        }
        passive_open(l, t, seg, now, std::nullopt);
    }

    // MUST-53 (RFC 1122 §4.2.3.8): a SYN that came by a source route is
    // answered along its reverse, cookie or not. Stateless: the route is that
    // of the SYN being answered (as Linux's tcp_v4_send_synack with the
    // options tcp_v4_init_req saved from it, freed with the request after a cookie).
    void send_cookie_syn_ack(const FourTuple& t, const Segment& syn_ack) {
        IpOptions opts;
        if (route && !route->empty() && encode_ip_options({}, *route, t.remote.addr, opts)) {
            outbox.send_ip(t, syn_ack, opts.params(0));
            return;
        }
        outbox.send(t, syn_ack);
    }

    // An ACK to a listener that may complete a cookie handshake (RFC 4987
    // §3.6): true when it was taken (a connection made, or dropped because the
    // accept queue is full); false sends it on to the RST of §3.10.7.2.
    bool cookie_ack(const std::shared_ptr<ListenerImpl>& l, const FourTuple& t, const Segment& seg, Instant now) {
        if (cfg.syn_cookies == SynCookies::Off) return false;
        auto overflow = l->last_overflow();
        if (!overflow || now - *overflow > kCookieTick * kCookieMaxAge) return false;  // no cookie is out
        std::optional<uint16_t> mss = check_syn_cookie(cfg.syn_cookie_secret, t, seg.seq - 1, seg.ack - 1, now);
        std::optional<CookieOptions> opts;
        if (mss && cfg.timestamps && seg.options.timestamps) {
            opts = decode_cookie_tsecr(seg.options.timestamps->ecr - isn.ts_offset(t), cfg);
            if (!opts) mss.reset();
        }
        if (!mss) {
            ++counters.syncookies_failed;
            return false;
        }
        if (l->accept_queue_full()) {  // as Linux: drop; the peer's next segment may carry the cookie again
            ++counters.accept_queue_drops;
            return true;
        }
        if (!admits_passive()) return true;  // memory pressure: dropped, as for a full accept queue
        ++counters.syncookies_received_ok;
        auto conn = make_connection(t);
        // The SYN's route is gone with it; the ACK's own, if it came by one,
        // is the connection's (Linux's cookie_v4_check saves the ACK's options).
        if (route) conn->set_return_route(*route);
        table[t] = Entry{conn, l};
        l->add_syn_received(conn);
        conn->open_from_cookie(syn_from_cookie(seg, *mss, opts), seg.ack - 1, now);
        conn->on_segment(seg, now);  // completes the handshake: ESTABLISHED, the accept queue
        settle(t);
        return true;
    }

    // The ACK that would complete a passive handshake finds the accept queue
    // full: dropped (true), as Linux does; our SYN-ACK retransmission draws it again.
    bool accept_overflow(Entry& e, const Segment& seg) {
        if (e.conn->state() != State::SynReceived || !seg.ack_flag() || seg.rst() || seg.syn()) return false;
        auto l = e.listener.lock();
        if (!l || !l->accept_queue_full() || seg.ack != e.conn->snapshot().iss + 1) return false;
        ++counters.accept_queue_drops;
        return true;
    }

    // §3.10.7.1: RST for a segment that has no connection (never for a RST).
    void reset_for(const FourTuple& t, const Segment& seg) {
        if (seg.rst()) return;
        Segment r;
        if (seg.ack_flag()) {
            r.seq = seg.ack;
            r.flags = flags::RST;
        } else {
            r.seq = SeqNum(0);
            r.ack = seg.seq + seg.len();
            r.flags = flags::RST | flags::ACK;
        }
        outbox.send(t, r);
    }

    // Memory limit (tcp/memory.h): room for one more connection?
    bool admits() const { return pool.admits(MemoryPool::admission_cost(cfg.mss)); }
    bool admits_passive() {
        if (admits()) return true;
        ++refused_passive;
        return false;
    }

    // RFC 6191 §2: with Timestamps on both incarnations the TSval decides (a
    // newer one, or an equal one with a higher SEG.SEQ); otherwise SEG.SEQ >
    // RCV.NXT (§3.6.1). A SYN that fails goes to the TIME-WAIT connection,
    // which ACKs it (§3.10.7.4; PAWS or challenge ACK), as Linux does.
    bool syn_may_reopen(const TcbSnapshot& old, const Segment& syn) const {
        if (old.timestamps && cfg.timestamps && syn.options.timestamps) {
            int32_t newer = int32_t(syn.options.timestamps->val - old.ts_recent);
            return newer > 0 || (newer == 0 && syn.seq > old.rcv_nxt);
        }
        return syn.seq > old.rcv_nxt;
    }

    // Client-side TIME-WAIT reuse (TcpConfig::time_wait_reuse): the old
    // connection used Timestamps, so the peer's PAWS tells the incarnations
    // apart (our TSvals run on from the same per-tuple offset), and its last
    // timestamp is at least `time_wait_reuse_after` old (Linux tcp_twsk_unique).
    bool time_wait_reusable(const Connection& c, Instant now) const {
        if (!cfg.time_wait_reuse || !cfg.timestamps || c.state() != State::TimeWait) return false;
        TcbSnapshot old = c.snapshot();
        return old.timestamps && now - old.ts_recent_at >= cfg.time_wait_reuse_after;
    }

    bool port_in_use(const FourTuple& t) const { return table.count(t) || listening_on(t.local.port); }

    bool listening_on(uint16_t port) const {
        for (const auto& [ep, l] : listeners) {
            if (ep.port == port) return true;
        }
        return false;
    }

};

TcpLayer::TcpLayer(const TcpConfig& config, Outbox& outbox, IsnGenerator& isn)
    : impl_(std::make_unique<Impl>(config, outbox, isn)) {}

TcpLayer::~TcpLayer() = default;

void TcpLayer::input(wire::Ipv4Address src, wire::Ipv4Address dst, const ParsedSegment& parsed, Instant now) {
    input(src, dst, parsed, now, nullptr);
}

void TcpLayer::input(wire::Ipv4Address src, wire::Ipv4Address dst, const ParsedSegment& parsed, Instant now,
                     const SourceRoute* return_route) {
    Impl& m = *impl_;
    m.route = return_route;
    struct Reset {
        const SourceRoute*& r;
        ~Reset() { r = nullptr; }
    } reset{m.route};
    m.reap();
    ++m.counters.segments_in;
    const Segment& seg = parsed.seg;
    const FourTuple t{Endpoint{dst, parsed.dst_port}, Endpoint{src, parsed.src_port}};

    auto it = m.table.find(t);
    if (it != m.table.end()) {
        std::shared_ptr<Connection> conn = it->second.conn;  // alive through the call
        // MAY-2 (§3.6.1), SHLD-4 (RFC 6191): a new SYN may reopen TIME-WAIT.
        if (conn->state() == State::TimeWait && seg.syn() && !seg.ack_flag() && !seg.rst()) {
            TcbSnapshot old = conn->snapshot();
            auto l = m.find_listener(t.local);
            if (l && m.syn_may_reopen(old, seg) && l->can_queue_syn() && m.admits_passive()) {
                m.erase(it);
                conn->abort(now);  // TIME-WAIT -> CLOSED, no RST (§3.10.5)
                m.passive_open(l, t, seg, now, old.snd_max);
                return;
            }
        }
        if (m.accept_overflow(it->second, seg)) return;
        if (return_route) conn->set_return_route(*return_route);  // SHLD-24: the later route wins
        conn->on_segment(seg, now);
        m.settle(t);
        return;
    }
    if (auto l = m.find_listener(t.local)) {
        m.listen_input(l, t, seg, now);
        return;
    }
    ++m.counters.closed_port_segments;
    m.reset_for(t, seg);
}

std::shared_ptr<Listener> TcpLayer::listen(Endpoint local, size_t backlog, TcpError* error) {
    Impl& m = *impl_;
    auto fail = [&](TcpError e) -> std::shared_ptr<Listener> {
        if (error) *error = e;
        return nullptr;
    };
    if (local.port == 0 || local.addr.is_broadcast() || local.addr.is_multicast()) return fail(TcpError::InvalidArgument);
    if (m.listeners.count(local)) return fail(TcpError::AddressInUse);
    auto l = std::make_shared<ListenerImpl>(&m, local, backlog ? backlog : m.cfg.default_backlog,
                                            m.cfg.max_syn_backlog);
    m.listeners.emplace(local, l);
    if (error) *error = TcpError::None;
    return l;
}

std::shared_ptr<Connection> TcpLayer::connect(wire::Ipv4Address local_addr, Endpoint remote, Instant now,
                                              TcpError* error) {
    return connect(local_addr, remote, now, error, IpSettings{});
}

bool TcpLayer::icmp_error(const FourTuple& tuple, const IcmpError& err, Instant now) {
    Impl& m = *impl_;
    m.reap();
    auto it = m.table.find(tuple);
    if (it == m.table.end()) {
        ++m.counters.icmp_errors_ignored;
        return false;
    }
    std::shared_ptr<Connection> conn = it->second.conn;
    bool acted = conn->on_icmp_error(err, now);
    ++(acted ? m.counters.icmp_errors_applied : m.counters.icmp_errors_ignored);
    m.settle(tuple);
    return acted;
}

std::shared_ptr<Connection> TcpLayer::connect(wire::Ipv4Address local_addr, Endpoint remote, Instant now,
                                              TcpError* error, const IpSettings& ip) {
    Impl& m = *impl_;
    m.reap();
    auto fail = [&](TcpError e) -> std::shared_ptr<Connection> {
        if (error) *error = e;
        return nullptr;
    };
    // MUST-46: no OPEN to a broadcast or multicast address.
    if (remote.port == 0 || remote.addr.is_unspecified() || remote.addr.is_broadcast() ||
        remote.addr.is_multicast()) {
        return fail(TcpError::InvalidArgument);
    }
    if (!m.admits()) {
        ++m.refused_active;
        return fail(TcpError::NoBuffers);
    }
    const uint32_t first = m.cfg.ephemeral_port_first;
    const uint32_t last = m.cfg.ephemeral_port_last;
    if (first == 0 || last < first) return fail(TcpError::NoPortsAvailable);
    const uint32_t range = last - first + 1;
    const uint32_t offset = m.isn.port_offset(local_addr, remote);
    for (uint32_t i = 0; i < range; ++i) {
        auto port = uint16_t(first + (m.next_ephemeral++ + offset) % range);
        FourTuple t{Endpoint{local_addr, port}, remote};
        if (m.port_in_use(t)) continue;
        return m.open_active(t, now, error, ip, std::nullopt);
    }
    // Every port is taken: a 4-tuple in TIME-WAIT may be reused (searched in
    // the same order, so the oldest first).
    for (uint32_t i = 0; i < range; ++i) {
        auto port = uint16_t(first + (m.next_ephemeral++ + offset) % range);
        FourTuple t{Endpoint{local_addr, port}, remote};
        auto it = m.table.find(t);
        if (it == m.table.end() || m.listening_on(port) || !m.time_wait_reusable(*it->second.conn, now)) continue;
        std::shared_ptr<Connection> old = it->second.conn;
        SeqNum old_snd_max = old->snapshot().snd_max;
        m.erase(it);
        old->abort(now);  // TIME-WAIT -> CLOSED, no RST (§3.10.5)
        ++m.counters.time_wait_reused;
        return m.open_active(t, now, error, ip, old_snd_max);
    }
    return fail(TcpError::NoPortsAvailable);
}

void TcpLayer::on_timer(Instant now) {
    Impl& m = *impl_;
    m.reap();
    m.due.clear();
    while (!m.timers.empty() && *m.timers.earliest() <= now) {
        Entry& e = m.timers.top();
        m.due.push_back(e.conn);
        m.timers.remove(e);
    }
    for (auto& c : m.due) {
        c->on_timer(now);
        m.sync(*c);
        m.settle(c->tuple());
    }
    m.due.clear();
    m.reap();
}

// An O(n) scan over all connections: fine for now, a timer wheel or heap later.
std::optional<Instant> TcpLayer::next_deadline() const { return impl_->timers.earliest(); }

std::optional<Instant> TcpLayer::next_deadline_by_scan() const {
    std::optional<Instant> best;
    for (const auto& [t, e] : impl_->table) {
        auto d = e.conn->next_deadline();
        if (d && (!best || *d < *best)) best = d;
    }
    return best;
}

void TcpLayer::set_tracer(ConnectionObserver* tracer) {
    impl_->tracer = tracer;
    for (auto& [t, e] : impl_->table) e.conn->set_tracer(tracer);
}

const TcpConfig& TcpLayer::config() const { return impl_->cfg; }
TcpConfig& TcpLayer::mutable_config() { return impl_->cfg; }
const TcpCounters& TcpLayer::counters() const { return impl_->counters; }
size_t TcpLayer::connection_count() const {
    impl_->reap();  // logically const: closed connections are already gone
    return impl_->table.size();
}

MemoryStats TcpLayer::memory() const {
    const Impl& m = *impl_;
    MemoryStats s;
    s.total = m.pool.total();
    s.limit = m.pool.limit();
    s.connections = m.pool.connections();
    s.time_wait = m.counters.time_wait.time_wait;
    s.high_water = m.pool.high_water();
    s.pressure = !m.admits();
    s.refused_passive = m.refused_passive;
    s.refused_active = m.refused_active;
    return s;
}

MemoryUsage TcpLayer::memory_by_scan() const {
    MemoryUsage sum;
    for (const MemoryAccount* a = impl_->pool.first(); a; a = a->next())
        sum += static_cast<const Connection*>(a->owner())->memory();
    return sum;
}

std::shared_ptr<Connection> TcpLayer::find(const FourTuple& tuple) const {
    impl_->reap();
    auto it = impl_->table.find(tuple);
    return it == impl_->table.end() ? nullptr : it->second.conn;
}

}  // namespace ustack::tcp
