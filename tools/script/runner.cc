// The script interpreter's clock and packet events: the virtual clock jumps
// from deadline to deadline (TcpLayer::on_timer), packets are injected at
// their script time, and expected packets must appear within the tolerance
// (packetdrill's timing model, run.c, without wall-clock time).
#include "tools/script/runner.h"

#include <algorithm>

#include "tcp/segment_codec.h"

namespace ustack::script {

namespace {

constexpr int64_t kLookaheadUsecs = 600'000'000;  // how far to look for a missing packet, for the message
constexpr int kMaxFiresAtOneInstant = 100000;

uint16_t port_value(const ScriptOption& o) {
    long v = 0;
    try {
        v = std::stol(o.value);
    } catch (const std::exception&) {
        throw ScriptError(o.line, "--" + o.name + " needs a port number");
    }
    if (v <= 0 || v > 65535) throw ScriptError(o.line, "--" + o.name + " out of range");
    return uint16_t(v);
}

int64_t int_value(const ScriptOption& o) {
    try {
        size_t used = 0;
        int64_t v = std::stoll(o.value, &used);
        if (used == o.value.size() && v >= 0) return v;
    } catch (const std::exception&) {
    }
    throw ScriptError(o.line, "--" + o.name + " needs a non-negative integer");
}

}  // namespace

void apply_option(RunConfig& cfg, const ScriptOption& o) {
    const std::string& n = o.name;
    if (n == "tolerance_usecs") {
        cfg.tolerance_usecs = int_value(o);
    } else if (n == "tolerance_percent") {
        cfg.tolerance_percent = double(int_value(o));
    } else if (n == "mss") {
        int64_t v = int_value(o);
        if (v < 1 || v > 65535) throw ScriptError(o.line, "--mss out of range");
        cfg.tcp.mss = uint16_t(v);
    } else if (n == "mtu") {
        int64_t v = int_value(o);
        if (v < 68 || v > 65535) throw ScriptError(o.line, "--mtu out of range");
        cfg.tcp.mss = uint16_t(v - 40);
    } else if (n == "msl_secs") {
        cfg.tcp.msl = std::chrono::seconds(int_value(o));
    } else if (n == "syn_cookies") {
        if (!set_syn_cookies(cfg, int_value(o))) throw ScriptError(o.line, "--syn_cookies must be 0, 1 or 2");
    } else if (n == "local_ip" || n == "remote_ip") {
        auto a = wire::Ipv4Address::parse(o.value);
        if (!a) throw ScriptError(o.line, "--" + n + " needs an IPv4 address (IPv6 is not supported by ustack)");
        (n == "local_ip" ? cfg.local_ip : cfg.remote_ip) = *a;
    } else if (n == "ip_version") {
        if (o.value != "ipv4") throw ScriptError(o.line, "--ip_version=" + o.value + " is not supported by ustack (ipv4 only)");
    } else if (n == "bind_port") {
        cfg.bind_port = port_value(o);
    } else if (n == "connect_port") {
        cfg.connect_port = port_value(o);
    } else if (n == "remote_port") {
        cfg.remote_port = port_value(o);
    } else {
        throw ScriptError(o.line, "option --" + n +
                                      " is not supported by ustack script (supported: --tolerance_usecs, "
                                      "--tolerance_percent, --mss, --mtu, --msl_secs, --syn_cookies, --local_ip, --remote_ip, "
                                      "--ip_version=ipv4, --bind_port, --connect_port, --remote_port)");
    }
}

bool set_syn_cookies(RunConfig& cfg, int64_t value) {
    static constexpr tcp::SynCookies kModes[] = {tcp::SynCookies::Off, tcp::SynCookies::WhenFull,
                                                 tcp::SynCookies::Always};
    if (value < 0 || value > 2) return false;
    cfg.tcp.syn_cookies = kModes[value];
    cfg.linux_sysctls.push_back("net.ipv4.tcp_syncookies=" + std::to_string(value));
    return true;
}

Runner::Runner(const Script& script, const RunConfig& cfg, std::ostream* trace)
    : script_(script), cfg_(cfg), trace_(trace), isn_gen_(cfg.local_isn) {
    layer_ = std::make_unique<tcp::TcpLayer>(cfg_.tcp, *this, isn_gen_);
    isn_.remote = cfg_.remote_isn;
}

Runner::~Runner() {
    sockets_.clear();
    layer_.reset();
}

void Runner::fail(int line, const std::string& what) const { throw ScriptError(line, what); }

int64_t Runner::now_usecs() const { return to_micros(now_); }
Instant Runner::at_usecs(int64_t usecs) const { return Instant(std::chrono::microseconds(usecs)); }

void Runner::send(const tcp::FourTuple& tuple, const tcp::Segment& seg) {
    if (seg.syn()) isn_.local = seg.seq.raw();  // outbound numbers count from ustack's ISN
    WirePacket p = capture_outbound(tuple, seg, now_);
    if (trace_) *trace_ << "  " << format_usecs(now_usecs()) << " ustack sent " << format_wire(p, isn_) << "\n";
    capture_.push_back(p);
    outq_.push_back(std::move(p));
}

std::optional<Instant> Runner::next_deadline() const {
    std::optional<Instant> d = layer_->next_deadline();
    if (blocked_ && blocked_->timeout_at && (!d || *blocked_->timeout_at < *d)) d = blocked_->timeout_at;
    return d;
}

void Runner::fire(Instant when) {
    if (when <= now_) {
        if (++fires_at_now_ > kMaxFiresAtOneInstant)
            fail(line_, "the TCP core keeps a deadline at " + format_usecs(to_micros(when)) +
                            " s after on_timer(): timer loop");
    } else {
        fires_at_now_ = 0;
        now_ = when;
    }
    layer_->on_timer(now_);
    settle();
}

void Runner::advance_to(int64_t usecs) {
    const Instant target = at_usecs(usecs);
    while (auto d = next_deadline()) {
        if (*d > target) break;
        fire(*d);
    }
    if (target > now_) now_ = target;
    settle();
}

int64_t Runner::tolerance_for(int64_t script_usecs) const {
    int64_t tol = cfg_.tolerance_usecs;
    if (cfg_.tolerance_percent > 0 && last_event_) {
        int64_t dynamic = int64_t(cfg_.tolerance_percent / 100.0 * double(script_usecs - last_script_usecs_));
        tol = std::max(tol, dynamic);
    }
    return tol;
}

tcp::FourTuple Runner::inbound_tuple(const PacketSpec& p) {
    tcp::FourTuple t = live_.value_or(tcp::FourTuple{tcp::Endpoint{cfg_.local_ip, cfg_.bind_port},
                                                     tcp::Endpoint{cfg_.remote_ip, cfg_.remote_port}});
    if (p.src_port) t.remote.port = *p.src_port;
    if (p.dst_port) t.local.port = *p.dst_port;
    if (p.src_port || p.dst_port) live_ = t;
    return t;
}

void Runner::inject(const Event& e, const PacketSpec& p, int64_t t) {
    advance_to(t);
    tcp::FourTuple tuple = inbound_tuple(p);
    WirePacket w = build_inbound(p, tuple, isn_, now_, e.line);
    if (trace_) *trace_ << "  " << format_usecs(now_usecs()) << " inject     " << format_wire(w, isn_) << "\n";
    capture_.push_back(w);
    tcp::ParsedSegment parsed;
    std::span<const uint8_t> tcp_bytes = std::span<const uint8_t>(capture_.back().bytes).subspan(20);
    tcp::ParseError err = tcp::parse_segment(tcp_bytes, tuple.remote.addr, tuple.local.addr, true, parsed);
    if (err != tcp::ParseError::None) fail(e.line, std::string("cannot inject the packet: ") + tcp::to_string(err));
    layer_->input(tuple.remote.addr, tuple.local.addr, parsed, now_);
    settle();
}

void Runner::expect(const Event& e, const PacketSpec& p, int64_t lo, int64_t hi, bool any_time) {
    const Instant limit = at_usecs(any_time ? now_usecs() + kLookaheadUsecs : hi);
    while (outq_.empty()) {
        auto d = next_deadline();
        if (!d || *d > limit) break;
        fire(*d);
    }
    const std::string want = "  script: " + format_spec(p);
    if (outq_.empty()) {
        std::string msg = "expected packet was not sent by " + format_usecs(to_micros(limit)) + " s\n" + want;
        const Instant look = now_ + std::chrono::microseconds(kLookaheadUsecs);
        while (outq_.empty()) {
            auto d = next_deadline();
            if (!d || *d > look) break;
            fire(*d);
        }
        if (!outq_.empty())
            msg += "\n  actual: " + format_wire(outq_.front(), isn_) + " at " + format_usecs(to_micros(outq_.front().at)) + " s";
        else
            msg += "\n  actual: nothing (no timer pending in ustack)";
        fail(e.line, msg);
    }
    const WirePacket& got = outq_.front();
    const std::string seen = "\n  actual: " + format_wire(got, isn_) + " at " + format_usecs(to_micros(got.at)) + " s";
    std::string diff = compare_outbound(p, got, isn_, live_ ? &*live_ : nullptr);
    if (!diff.empty()) fail(e.line, "outbound packet mismatch (" + diff + ")\n" + want + seen);
    const int64_t at = to_micros(got.at);
    if (!any_time && (at < lo || at > hi)) {
        fail(e.line, "timing error: expected the packet in " + format_usecs(lo) + "~" + format_usecs(hi) +
                         " s but it was sent at " + format_usecs(at) + " s\n" + want + seen);
    }
    if (trace_) *trace_ << "  line " << e.line << ": matched " << format_spec(p) << "\n";
    outq_.pop_front();
}

void Runner::finish() {
    if (blocked_) {
        const int64_t end = *blocked_->end_usecs;
        const Instant limit = at_usecs(end + tolerance_for(end));
        while (blocked_) {
            auto d = next_deadline();
            if (!d || *d > limit) break;
            fire(*d);
        }
        if (blocked_) {
            if (limit > now_) now_ = limit;
            fail(blocked_->event->line, blocked_->spec->name + "() was still blocked at " + format_usecs(now_usecs()) +
                                            " s; the script expects it to return at " + format_usecs(end) + " s");
        }
    }
    if (!outq_.empty()) {
        std::string msg = "ustack sent " + std::to_string(outq_.size()) + " packet(s) the script does not expect:";
        for (const WirePacket& w : outq_) msg += "\n  actual: " + format_wire(w, isn_) + " at " + format_usecs(to_micros(w.at)) + " s";
        fail(line_, msg);
    }
}

void Runner::run() {
    for (const Event& e : script_.events) {
        line_ = e.line;
        const PacketSpec* pkt = std::get_if<PacketSpec>(&e.action);
        const bool inbound = pkt && pkt->inbound;
        const bool last_inbound = last_event_ && std::holds_alternative<PacketSpec>(last_event_->action) &&
                                  std::get<PacketSpec>(last_event_->action).inbound;
        // Consecutive inbound packets anchor on script time, everything else on "now" (packetdrill run.c).
        const int64_t offset = (inbound && last_inbound) ? last_script_usecs_ : now_usecs();
        int64_t t = e.time.usecs, t_end = e.time.end_usecs;
        switch (e.time.kind) {
        case TimeKind::Relative: t += offset; break;
        case TimeKind::RelativeRange: t += offset; t_end += offset; break;
        case TimeKind::Any: t = now_usecs(); break;
        case TimeKind::Absolute:
        case TimeKind::AbsoluteRange:
            if (last_event_ && t < last_script_usecs_)
                fail(e.line, "time goes backward in the script, from " + format_usecs(last_script_usecs_) + " to " +
                                 format_usecs(t) + " s");
            break;
        }
        const int64_t tol = tolerance_for(t);
        if (!pkt || inbound) {
            // An injection or a call cannot happen earlier than now; later than its time is a timing error.
            if (now_usecs() > t + tol)
                fail(e.line, std::string("timing error: this ") + (pkt ? "inbound packet" : "system call") +
                                 " is due at " + format_usecs(t) + " s but the run is already at " +
                                 format_usecs(now_usecs()) + " s");
        }
        if (pkt && inbound) {
            inject(e, *pkt, t);
        } else if (pkt) {
            bool range = e.time.kind == TimeKind::AbsoluteRange || e.time.kind == TimeKind::RelativeRange;
            expect(e, *pkt, t - tol, (range ? t_end : t) + tol, e.time.kind == TimeKind::Any);
        } else {
            const SyscallSpec& s = std::get<SyscallSpec>(e.action);
            std::optional<int64_t> end;
            if (s.end_usecs) end = *s.end_usecs + (e.time.kind == TimeKind::Relative ? offset : 0);
            syscall(e, s, t, end);
        }
        last_event_ = &e;
        last_script_usecs_ = t;
    }
    finish();
}

}  // namespace ustack::script
