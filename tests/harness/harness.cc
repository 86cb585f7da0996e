// Test harness: the manual clock, the scripted peer's steps, expectations and
// the per-step TCB invariants (RFC 9293 §3.3.1, §3.8.1, §3.8.6.1).
#include "tests/harness/harness.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "tcp/segment_codec.h"

namespace ustack::testing {

using tcp::SeqNum;

std::string_view to_string(Event e) {
    switch (e) {
    case Event::Readable: return "readable";
    case Event::Eof: return "eof";
    case Event::Writable: return "writable";
    case Event::Established: return "established";
    case Event::Error: return "error";
    case Event::Closed: return "closed";
    case Event::Acceptable: return "acceptable";
    case Event::Urgent: return "urgent";
    case Event::NegativeAdvice: return "negative advice";
    }
    return "?";
}

class Harness::Out final : public tcp::Outbox {
public:
    explicit Out(Harness& h) : h_(h) {}
    void send(const tcp::FourTuple& t, const tcp::Segment& s) override { h_.record_out(t, s); }
    // The TOS byte (ECN field included) travels in the recorded header's `tos`.
    void send_ip(const tcp::FourTuple& t, const tcp::Segment& s, const tcp::IpParams& ip) override {
        tcp::Segment with_tos = s;
        with_tos.tos = ip.tos;
        h_.record_out(t, with_tos);
    }
private:
    Harness& h_;
};

class Harness::Tracer final : public tcp::ConnectionObserver {
public:
    explicit Tracer(Harness& h) : h_(h) {}
    void on_state_change(const tcp::Connection& c, State from, State to, std::string_view cause) override {
        h_.traced_[&c] = TracedConn{c.tuple(), to};
        h_.note("  state " + std::string(tcp::to_string(from)) + " -> " + std::string(tcp::to_string(to)) +
                " (" + std::string(cause) + ")");
    }
private:
    Harness& h_;
};

class Harness::AppObserver final : public tcp::ConnectionObserver {
public:
    explicit AppObserver(Harness& h) : h_(h) {}
    void on_readable(tcp::Connection& c) override {
        if (c.readable() > 0) h_.push_event(Event::Readable);
        if (c.eof()) h_.push_event(Event::Eof);
    }
    void on_writable(tcp::Connection&) override { h_.push_event(Event::Writable); }
    void on_urgent(tcp::Connection&) override { h_.push_event(Event::Urgent); }
    void on_status(tcp::Connection& c) override {
        if (c.error() != TcpError::None) h_.push_event(Event::Error);
        else if (c.state() == State::Established) h_.push_event(Event::Established);
        else if (c.state() == State::Closed) h_.push_event(Event::Closed);
    }
    void on_negative_advice(tcp::Connection&, uint32_t) override { h_.push_event(Event::NegativeAdvice); }
private:
    Harness& h_;
};

class Harness::ListenObserver final : public tcp::ListenerObserver {
public:
    explicit ListenObserver(Harness& h) : h_(h) {}
    void on_acceptable(tcp::Listener&) override { h_.push_event(Event::Acceptable); }
private:
    Harness& h_;
};

Harness::Harness(HarnessOptions options)
    : opt_(options), isn_(options.our_isn), outbox_(std::make_unique<Out>(*this)),
      tracer_(std::make_unique<Tracer>(*this)), app_(std::make_unique<AppObserver>(*this)),
      listen_obs_(std::make_unique<ListenObserver>(*this)),
      start_(Instant(std::chrono::seconds(1000))), now_(start_) {
    tuple_ = tcp::FourTuple{{opt_.local, opt_.listen_port}, {opt_.remote, opt_.peer_port}};
}

Harness::~Harness() {
    const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
    if (info == nullptr || !::testing::Test::HasFailure()) return;
    std::string name = std::string(info->test_suite_name()) + "." + info->name();
    for (char& c : name) if (c == '/') c = '_';
    const char* dir = std::getenv("USTACK_TEST_PCAP_DIR");
    std::string path = std::string(dir && *dir ? dir : "/tmp/ustack-test-pcaps") + "/" + name + ".pcap";
    bool ok = write_pcap(path);
    std::printf("---- ustack harness log for %s (times in s since start, relative seq numbers) ----\n%s"
                "---- pcap: %s ----\n", name.c_str(), log_text().c_str(), ok ? path.c_str() : "(write failed)");
    // Members (connections, listener) go before the layer that may reference them.
    conn_.reset();
    held_.clear();
    listener_.reset();
}

tcp::TcpConfig& Harness::config() { return layer_ ? layer_->mutable_config() : config_; }

tcp::TcpLayer& Harness::layer() {
    if (!layer_) {
        layer_ = std::make_unique<tcp::TcpLayer>(config_, *outbox_, isn_);
        layer_->set_tracer(tracer_.get());
    }
    return *layer_;
}

tcp::Connection& Harness::conn() {
    if (!conn_) throw std::logic_error("harness: no current connection (connect() or accept() first)");
    return *conn_;
}

tcp::TcbSnapshot Harness::snap() { return conn().snapshot(); }

void Harness::note(std::string text) {
    char stamp[32];
    std::snprintf(stamp, sizeof stamp, "%10.6f ", std::chrono::duration<double>(now_ - start_).count());
    log_.push_back(stamp + text);
}

std::string Harness::log_text() const {
    std::string all;
    for (const auto& l : log_) all += l + "\n";
    return all;
}

void Harness::fail(Loc loc, const std::string& msg) {
    note("  FAILED: " + msg);
    ADD_FAILURE_AT(loc.file_name(), int(loc.line())) << msg;
}

int64_t Harness::rel_seq(const Recorded& r) const {
    return r.from_peer ? int64_t(r.header.seq - SeqNum(opt_.peer_isn)) : int64_t(r.header.seq - SeqNum(opt_.our_isn));
}
int64_t Harness::rel_ack(const Recorded& r) const {
    return r.from_peer ? int64_t(r.header.ack - SeqNum(opt_.our_isn)) : int64_t(r.header.ack - SeqNum(opt_.peer_isn));
}

std::string Harness::line(const Recorded& r) const {
    std::ostringstream os;
    const tcp::Endpoint& src = r.from_peer ? r.tuple.remote : r.tuple.local;
    const tcp::Endpoint& dst = r.from_peer ? r.tuple.local : r.tuple.remote;
    os << (r.from_peer ? "peer> " : "  us> ") << src.to_string() << " > " << dst.to_string() << ": ["
       << flag_letters(r.flags()) << "] seq " << rel_seq(r);
    if (r.header.ack_flag()) os << " ack " << rel_ack(r);
    os << " win " << r.header.window << " len " << r.data.size();
    if (r.header.tos != 0) os << " tos 0x" << std::hex << int(r.header.tos) << std::dec;
    std::string opts = describe_options(r.header.options);
    if (!opts.empty()) os << " " << opts;
    if (!r.data.empty()) {
        std::string shown(r.data.begin(), r.data.begin() + std::min<size_t>(r.data.size(), 16));
        for (char& c : shown) if (c < 32 || c > 126) c = '.';
        os << " \"" << shown << (r.data.size() > 16 ? "..." : "") << "\"";
    }
    return os.str();
}

void Harness::record_out(const tcp::FourTuple& t, const tcp::Segment& s) {
    Recorded r;
    r.at = now_;
    r.from_peer = false;
    r.tuple = t;
    r.header = s;
    r.header.payload = {};
    r.data.assign(s.payload.begin(), s.payload.end());
    note(line(r));
    if (!s.syn() && s.options.mss)
        violations_.push_back("MSS option on a non-SYN segment (MUST-65): " + line(r));
    if (s.rst() && last_in_was_rst_)
        violations_.push_back("RST sent in reply to a RST (§3.10.7): " + line(r));
    if (t.local.addr == opt_.local && t.remote.addr == opt_.remote && !s.rst())
        our_next_ = std::max(our_next_, int64_t((s.seq + s.len()) - SeqNum(opt_.our_isn)));
    out_.push_back(r);
    wire_.push_back(std::move(r));
}

void Harness::push_event(Event e) {
    note("  app event: " + std::string(to_string(e)));
    events_.emplace_back(e, false);
}

// ---- Steps ----

void Harness::inject(const Seg& s, Loc loc) {
    tcp::ParsedSegment p;
    p.src_port = s.peer_port_.value_or(tuple_.remote.port);
    p.dst_port = s.our_port_.value_or(tuple_.local.port);
    tcp::Segment& g = p.seg;
    g.flags = s.flags_;
    g.seq = s.seq_abs_ ? SeqNum(*s.seq_abs_) : SeqNum(opt_.peer_isn) + uint32_t(s.seq_rel_.value_or(peer_next_));
    if (s.ack_abs_) g.ack = SeqNum(*s.ack_abs_);
    else if (s.ack_rel_) g.ack = SeqNum(opt_.our_isn) + uint32_t(*s.ack_rel_);
    else if (g.ack_flag()) g.ack = SeqNum(opt_.our_isn) + uint32_t(our_next_);
    g.window = s.win_.value_or(opt_.peer_window);
    g.urgent_ptr = s.urp_.value_or(0);
    g.tos = s.tos_.value_or(0);
    g.options.mss = s.mss_;
    g.options.window_scale = s.ws_;
    g.options.sack_permitted = s.sack_perm_;
    g.options.timestamps = s.ts_;
    for (const auto& [left, right] : s.sack_) {
        if (g.options.sack_count == g.options.sack.size()) break;
        g.options.sack[g.options.sack_count++] =
            tcp::SackBlock{SeqNum(opt_.our_isn) + uint32_t(left), SeqNum(opt_.our_isn) + uint32_t(right)};
    }
    std::string payload = s.data_.value_or(std::string(s.len_.value_or(0), 'x'));
    g.payload = std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(payload.data()), payload.size());

    Recorded r;
    r.at = now_;
    r.from_peer = true;
    r.tuple = tcp::FourTuple{{opt_.local, p.dst_port}, {opt_.remote, p.src_port}};
    r.header = g;
    r.header.payload = {};
    r.data.assign(g.payload.begin(), g.payload.end());
    note(line(r));
    wire_.push_back(r);
    if (!s.seq_abs_) peer_next_ = std::max(peer_next_, int64_t((g.seq + g.len()) - SeqNum(opt_.peer_isn)));

    last_in_was_rst_ = g.rst();
    layer().input(opt_.remote, opt_.local, p, now_);
    last_in_was_rst_ = false;
    check_invariants(loc);
}

std::vector<std::string> Harness::mismatches(const Seg& s, const Recorded& r) const {
    std::vector<std::string> m;
    auto diff = [&](const std::string& what, auto want, auto got) {
        if (want != got) {
            std::ostringstream os;
            os << what << ": expected " << want << ", got " << got;
            m.push_back(os.str());
        }
    };
    if (s.flags_given_) {
        uint8_t mask = uint8_t(~s.allowed_);
        if (s.psh_ == Seg::Psh::Open) mask &= uint8_t(~tcp::flags::PSH);
        if ((s.flags_ & mask) != (r.flags() & mask))
            m.push_back("flags: expected [" + flag_letters(s.flags_ & mask) + "], got [" + flag_letters(r.flags()) + "]");
    }
    if (s.seq_rel_) diff("seq (relative)", *s.seq_rel_, rel_seq(r));
    if (s.seq_abs_) diff("seq (absolute)", *s.seq_abs_, r.header.seq.raw());
    if (s.ack_rel_) diff("ack (relative)", *s.ack_rel_, rel_ack(r));
    if (s.ack_abs_) diff("ack (absolute)", *s.ack_abs_, r.header.ack.raw());
    if (s.win_) diff("window", *s.win_, r.header.window);
    if (s.urp_) diff("urgent pointer", *s.urp_, r.header.urgent_ptr);
    if (s.tos_) diff("IP TOS", int(*s.tos_), int(r.header.tos));
    const tcp::TcpOptions& o = r.header.options;
    if (s.mss_) diff("mss option", std::to_string(*s.mss_), o.mss ? std::to_string(*o.mss) : std::string("absent"));
    if (s.no_mss_ && o.mss) m.push_back("mss option: expected absent, got " + std::to_string(*o.mss));
    if (s.ws_) diff("window scale", std::to_string(*s.ws_), o.window_scale ? std::to_string(*o.window_scale) : std::string("absent"));
    if (s.sack_perm_ && !o.sack_permitted) m.push_back("sackOK option: expected, absent");
    if (s.no_ws_ && o.window_scale) m.push_back("window scale: expected absent, got " + std::to_string(*o.window_scale));
    auto ts_text = [](const std::optional<tcp::Timestamps>& t) {
        return t ? std::to_string(t->val) + ":" + std::to_string(t->ecr) : std::string("absent");
    };
    if (s.ts_) diff("timestamps", ts_text(s.ts_), ts_text(o.timestamps));
    if (!s.sack_.empty() || s.no_sack_) {
        std::string want, got;
        for (const auto& [left, right] : s.sack_) want += " " + std::to_string(left) + ":" + std::to_string(right);
        for (uint8_t i = 0; i < o.sack_count && i < o.sack.size(); ++i)
            got += " " + std::to_string(int64_t(o.sack[i].left - SeqNum(opt_.peer_isn))) + ":" +
                   std::to_string(int64_t(o.sack[i].right - SeqNum(opt_.peer_isn)));
        if (want != got) m.push_back("sack blocks (relative): expected [" + want + " ], got [" + got + " ]");
    }
    if (s.no_ts_ && o.timestamps) m.push_back("timestamps: expected absent, got " + ts_text(o.timestamps));
    if (s.no_options_ && o != tcp::TcpOptions{}) m.push_back("options: expected none, got " + describe_options(o));
    if (s.data_) {
        diff("payload length", s.data_->size(), r.data.size());
        if (s.data_->size() == r.data.size() && r.text() != *s.data_) m.push_back("payload bytes differ");
    }
    if (s.len_) diff("payload length", *s.len_, r.data.size());
    uint16_t our_port = s.our_port_.value_or(tuple_.local.port);
    uint16_t peer_port = s.peer_port_.value_or(tuple_.remote.port);
    diff("source port", our_port, r.tuple.local.port);
    diff("destination port", peer_port, r.tuple.remote.port);
    diff("destination address", opt_.remote.to_string(), r.tuple.remote.addr.to_string());
    return m;
}

Recorded Harness::expect(const Seg& s, Loc loc) {
    note("expect " + s.describe());
    if (out_.empty()) {
        fail(loc, "expected " + s.describe() + ", but nothing was sent");
        return {};
    }
    Recorded r = out_.front();
    out_.pop_front();
    auto m = mismatches(s, r);
    if (!m.empty()) {
        std::string msg = "sent segment does not match\n  expected: " + s.describe() + "\n  actual:   " + line(r);
        for (const auto& x : m) msg += "\n    " + x;
        fail(loc, msg);
    }
    return r;
}

Recorded Harness::expect_within(Duration d, const Seg& s, Loc loc) {
    Instant limit = now_ + d;
    while (out_.empty()) {
        auto dl = layer().next_deadline();
        if (!dl || *dl > limit) { run_until(limit, loc); break; }
        run_until(std::max(*dl, now_), loc);
    }
    return expect(s, loc);
}

Recorded Harness::expect_after(Duration d, const Seg& s, Loc loc) {
    if (d > Duration::zero()) expect_silence(d - Duration(1), loc);
    advance(Duration(1), loc);
    return expect(s, loc);
}

void Harness::expect_silence(Duration d, Loc loc) {
    size_t before = out_.size();
    if (d > Duration::zero()) {
        note("expect silence for " + std::to_string(std::chrono::duration<double>(d).count()) + " s");
        run_until(now_ + d, loc);
    }
    if (!out_.empty()) {
        std::string msg = "expected silence, but " + std::to_string(out_.size()) + " segment(s) pending";
        if (before > 0) msg += " (" + std::to_string(before) + " already before this step)";
        for (const auto& r : out_) msg += "\n  " + line(r);
        fail(loc, msg);
    }
}

void Harness::expect_times_out_at(Duration d, State before, Loc loc) {
    advance(d - Duration(1), loc);
    expect_state(before, loc);
    advance(Duration(1), loc);
    expect_state(State::Closed, loc);
    expect_error(TcpError::TimedOut, loc);
    expect_event(Event::Error, loc);
    expect_silence(Duration::zero(), loc);
}

void Harness::advance(Duration d, Loc loc) {
    note("advance " + std::to_string(std::chrono::duration<double>(d).count()) + " s");
    run_until(now_ + d, loc);
}

bool Harness::icmp(tcp::IcmpError::Kind kind, uint8_t code, int64_t rel_seq, uint16_t mtu, uint16_t quoted_len) {
    tcp::IcmpError e;
    e.kind = kind;
    e.code = code;
    e.seq = SeqNum(opt_.our_isn) + uint32_t(rel_seq);
    e.next_hop_mtu = mtu;
    e.quoted_total_len = quoted_len;
    note("ICMP error kind " + std::to_string(int(kind)) + " code " + std::to_string(code) + " quoting seq " +
         std::to_string(rel_seq) + (mtu ? " mtu " + std::to_string(mtu) : std::string()));
    return layer().icmp_error(tuple_, e, now_);
}

void Harness::discard_pending(Loc) {
    if (!out_.empty()) note("discard " + std::to_string(out_.size()) + " pending segment(s)");
    out_.clear();
}

void Harness::run_until(Instant target, Loc loc) {
    for (int guard = 0;; ++guard) {
        auto dl = layer().next_deadline();
        if (!dl || *dl > target) break;
        if (guard > 100000) {
            fail(loc, "next_deadline() does not move after on_timer()");
            break;
        }
        now_ = std::max(now_, *dl);
        layer().on_timer(now_);
        check_invariants(loc);
    }
    now_ = std::max(now_, target);
}

// ---- State and events ----

State Harness::state() {
    if (conn_) return conn_->state();
    if (layer_)
        if (auto c = layer_->find(tuple_)) return c->state();  // e.g. passive SYN-RECEIVED, not yet accepted
    if (listener_ && listener_->local().port == tuple_.local.port) return State::Listen;
    return State::Closed;
}

void Harness::expect_state(State s, Loc loc) {
    State got = state();
    note("expect state " + std::string(tcp::to_string(s)));
    if (got != s)
        fail(loc, "state: expected " + std::string(tcp::to_string(s)) + ", got " + std::string(tcp::to_string(got)));
}

void Harness::expect_event(Event e, Loc loc) {
    note("expect event " + std::string(to_string(e)));
    for (auto& [ev, used] : events_)
        if (ev == e && !used) { used = true; return; }
    fail(loc, "expected application event '" + std::string(to_string(e)) + "', none was reported");
}

void Harness::expect_no_event(Event e, Loc loc) {
    for (auto& [ev, used] : events_)
        if (ev == e && !used) fail(loc, "unexpected application event '" + std::string(to_string(e)) + "'");
}

void Harness::expect_error(TcpError e, Loc loc) {
    TcpError got = conn().error();
    if (got != e)
        fail(loc, "error(): expected '" + std::string(tcp::to_string(e)) + "', got '" + std::string(tcp::to_string(got)) + "'");
}

// ---- Invariants (checked after every step) ----

void Harness::check_invariants(Loc loc) {
    for (auto& v : violations_) fail(loc, v);
    violations_.clear();
    if (!check_invariants_) return;
    const tcp::TcpConfig& cfg = layer().config();
    std::vector<std::shared_ptr<tcp::Connection>> all = held_;
    if (auto c = layer().find(tuple_); c && std::find(all.begin(), all.end(), c) == all.end()) all.push_back(c);
    for (const auto& c : all) {
        tcp::TcbSnapshot t = c->snapshot();
        if (t.state == State::Closed || t.state == State::Listen) continue;
        std::string where = " [" + c->tuple().local.to_string() + " " + std::string(tcp::to_string(t.state)) + "]";
        if (!(t.snd_una <= t.snd_nxt)) fail(loc, "invariant: SND.UNA > SND.NXT" + where);
        if (!(t.snd_nxt <= t.snd_max)) fail(loc, "invariant: SND.NXT > highest sequence number sent" + where);
        if (t.send_buffered > cfg.send_buffer) fail(loc, "invariant: send buffer over capacity" + where);
        if (t.recv_buffered + t.out_of_order > tcp::recv_buffer_ceiling(cfg)) fail(loc, "invariant: receive buffer over capacity" + where);
        bool in_flight = t.snd_max != t.snd_una;  // snd_nxt is pulled back on RTO (go-back-N)
        bool armed = t.retransmit_deadline.has_value();
        bool persist = t.snd_wnd == 0;  // zero-window probing may arm the timer without data in flight
        if (in_flight && !armed && !persist)
            fail(loc, "invariant: data in flight (" + std::to_string(t.snd_max - t.snd_una) +
                          " octets) but no retransmission deadline" + where);
        if (t.persist_deadline && t.snd_wnd != 0) fail(loc, "invariant: persist timer armed with an open window" + where);
        if (!in_flight && armed && !persist)
            fail(loc, "invariant: retransmission deadline armed with nothing in flight" + where);
        if ((t.state == State::TimeWait) != t.time_wait_deadline.has_value())
            fail(loc, "invariant: TIME-WAIT deadline armed exactly in TIME-WAIT" + where);
    }
    // The layer's timer heap agrees with the connections themselves: a call
    // that moved a deadline without telling the layer would leave a timer unfired.
    if (layer().next_deadline() != layer().next_deadline_by_scan())
        fail(loc, "invariant: the layer's timer heap disagrees with its connections' deadlines");
    // The layer's memory total is the sum of what its connections hold now
    // (tcp/memory.h): a buffer that grew or shrank without a charge would show here.
    if (!(layer().memory().total == layer().memory_by_scan()))
        fail(loc, "invariant: the layer's memory total (" + std::to_string(layer().memory().reserved()) +
                      " reserved, " + std::to_string(layer().memory().used()) +
                      " used) disagrees with its connections' buffers (" +
                      std::to_string(layer().memory_by_scan().reserved()) + " reserved, " +
                      std::to_string(layer().memory_by_scan().used()) + " used)");
}

// ---- The application's calls ----

void Harness::adopt(std::shared_ptr<tcp::Connection> c) {
    conn_ = std::move(c);
    conn_->set_observer(app_.get());
    held_.push_back(conn_);
    tuple_ = conn_->tuple();
}

tcp::Listener& Harness::listen(uint16_t port, size_t backlog, Loc loc) {
    if (port == 0) port = opt_.listen_port;
    note("user LISTEN on port " + std::to_string(port));
    tcp::TcpError err = TcpError::None;
    listener_ = layer().listen(tcp::Endpoint{opt_.local, port}, backlog, &err);
    if (!listener_) {
        fail(loc, "listen failed: " + std::string(tcp::to_string(err)));
        throw std::runtime_error("listen failed");
    }
    listener_->set_observer(listen_obs_.get());
    tuple_ = tcp::FourTuple{{opt_.local, port}, {opt_.remote, opt_.peer_port}};
    return *listener_;
}

tcp::Connection& Harness::connect(Loc loc) {
    note("user OPEN active to " + opt_.remote.to_string() + ":" + std::to_string(opt_.peer_port));
    tcp::TcpError err = TcpError::None;
    auto c = layer().connect(opt_.local, tcp::Endpoint{opt_.remote, opt_.peer_port}, now_, &err);
    if (!c) {
        fail(loc, "connect failed: " + std::string(tcp::to_string(err)));
        throw std::runtime_error("connect failed");
    }
    adopt(std::move(c));
    check_invariants(loc);
    return *conn_;
}

tcp::Connection& Harness::accept(Loc loc) {
    note("user accept");
    std::shared_ptr<tcp::Connection> c = listener_ ? listener_->accept() : nullptr;
    if (!c) {
        fail(loc, "accept: no established connection in the accept queue");
        throw std::runtime_error("accept failed");
    }
    adopt(std::move(c));
    return *conn_;
}

size_t Harness::send(std::string_view bytes, Loc loc) {
    auto span = std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    note("user SEND " + std::to_string(bytes.size()) + " octets");
    size_t n = conn().send(span, now_);
    if (n != bytes.size()) note("  SEND took " + std::to_string(n));
    check_invariants(loc);
    return n;
}

size_t Harness::send_urgent(std::string_view bytes, Loc loc) {
    auto span = std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    note("user SEND URGENT " + std::to_string(bytes.size()) + " octets");
    size_t n = conn().send_urgent(span, now_);
    if (n != bytes.size()) note("  SEND took " + std::to_string(n));
    check_invariants(loc);
    return n;
}

std::string Harness::receive(size_t max, Loc loc) {
    std::vector<uint8_t> buf(std::min<size_t>(max, 1 << 20));
    size_t n = conn().receive(buf, now_);
    note("user RECEIVE -> " + std::to_string(n) + " octets");
    check_invariants(loc);
    return std::string(buf.begin(), buf.begin() + n);
}

void Harness::close(Loc loc) {
    note("user CLOSE");
    conn().close(now_);
    check_invariants(loc);
}

void Harness::close_full(Loc loc) {
    note("user CLOSE (full: the application will not read again)");
    conn().close(now_, tcp::CloseMode::Full);
    check_invariants(loc);
}

void Harness::abort(Loc loc) {
    note("user ABORT");
    conn().abort(now_);
    check_invariants(loc);
}

}  // namespace ustack::testing
