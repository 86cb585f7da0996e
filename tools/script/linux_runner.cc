// The real-time event loop of --against-linux: packetdrill's timing model
// (run.c) on the wall clock, with the TUN device as the wire.
#include "tools/script/linux_runner.h"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "stack/wire/bytes.h"
#include "stack/wire/ipv4.h"
#include "tcp/segment_codec.h"
#include "tools/script/symbols.h"

namespace ustack::script {

namespace {

constexpr int64_t kAnyTimeLimitUsecs = 60'000'000;  // how long `*` waits on the wall clock
constexpr int64_t kGraceUsecs = 2'000'000;         // extra wait to name the packet that came instead
constexpr int64_t kSchedulingSlackUsecs = 250'000;  // how long a call that does not block may take

}  // namespace

bool parse_outbound_ipv4(const uint8_t* data, size_t len, wire::Ipv4Address local, wire::Ipv4Address remote,
                         Instant at, WirePacket& out) {
    if (len < 20 || (data[0] >> 4) != 4) return false;
    const size_t ihl = size_t(data[0] & 0x0f) * 4;
    const size_t total = wire::load_be16(data + 2);
    if (ihl < 20 || total < ihl + 20 || total > len || data[9] != wire::IP_PROTO_TCP) return false;
    const wire::Ipv4Address src(wire::load_be32(data + 12)), dst(wire::load_be32(data + 16));
    if (!(src == local) || !(dst == remote)) return false;
    // Keep a 20-byte IP header so the packet prints and pcaps like ustack's.
    out.bytes.assign(data, data + 20);
    out.bytes[0] = 0x45;
    wire::store_be16(out.bytes.data() + 2, uint16_t(total - ihl + 20));
    out.bytes.insert(out.bytes.end(), data + ihl, data + total);
    std::span<const uint8_t> tcp_bytes = std::span<const uint8_t>(out.bytes).subspan(20);
    tcp::ParsedSegment parsed;
    tcp::ParseError err = tcp::parse_segment(tcp_bytes, src, dst, true, parsed);
    out.checksum_ok = err == tcp::ParseError::None;
    if (err == tcp::ParseError::BadChecksum) err = tcp::parse_segment(tcp_bytes, src, dst, false, parsed);
    if (err != tcp::ParseError::None) return false;
    out.at = at;
    out.inbound = false;
    out.tuple = tcp::FourTuple{tcp::Endpoint{src, parsed.src_port}, tcp::Endpoint{dst, parsed.dst_port}};
    out.seg = parsed.seg;
    out.payload_len = uint32_t(parsed.seg.payload.size());
    out.seg.payload = {};
    return true;
}

LinuxRunner::LinuxRunner(const Script& script, const RunConfig& cfg, int tun_fd, std::ostream* trace)
    : script_(script), cfg_(cfg), tun_fd_(tun_fd), trace_(trace), start_(std::chrono::steady_clock::now()) {
    isn_.remote = cfg_.remote_isn;
    reader_ = std::thread([this] { reader_loop(); });
}

LinuxRunner::~LinuxRunner() {
    {
        std::lock_guard<std::mutex> lk(mu_);
        stop_ = true;
    }
    reader_.join();
}

void LinuxRunner::fail(int line, const std::string& what) const { throw ScriptError(line, what); }

int64_t LinuxRunner::now_usecs() const {
    return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start_).count();
}

Instant LinuxRunner::instant(int64_t usecs) const { return Instant(std::chrono::microseconds(usecs)); }

int64_t LinuxRunner::tolerance_for(int64_t script_usecs) const {
    int64_t tol = cfg_.tolerance_usecs;
    if (cfg_.tolerance_percent > 0 && last_event_)
        tol = std::max(tol, int64_t(cfg_.tolerance_percent / 100.0 * double(script_usecs - last_script_usecs_)));
    return tol;
}

void LinuxRunner::reader_loop() {
    std::vector<uint8_t> buf(65536);
    for (;;) {
        {
            std::lock_guard<std::mutex> lk(mu_);
            if (stop_) return;
        }
        pollfd p{tun_fd_, POLLIN, 0};
        if (::poll(&p, 1, 20) <= 0) continue;
        ssize_t n = ::read(tun_fd_, buf.data(), buf.size());
        if (n <= 0) continue;
        WirePacket w;
        if (!parse_outbound_ipv4(buf.data(), size_t(n), cfg_.local_ip, cfg_.remote_ip, instant(now_usecs()), w)) continue;
        {
            std::lock_guard<std::mutex> lk(mu_);
            arrived_.push_back(std::move(w));
        }
        cv_.notify_all();
    }
}

IsnPair LinuxRunner::isn_for(const tcp::FourTuple& t) const {
    IsnPair isn = isn_;
    auto it = isn_by_ports_.find({t.local.port, t.remote.port});
    if (it != isn_by_ports_.end()) isn.local = it->second;
    return isn;
}

void LinuxRunner::take_packets() {
    std::deque<WirePacket> got;
    {
        std::lock_guard<std::mutex> lk(mu_);
        got.swap(arrived_);
    }
    for (WirePacket& p : got) {
        if (p.seg.syn()) {  // outbound numbers count from the kernel's ISN of that connection
            isn_.local = p.seg.seq.raw();
            isn_by_ports_[{p.tuple.local.port, p.tuple.remote.port}] = isn_.local;
        }
        if (p.seg.syn() && !p.seg.ack_flag()) live_ = p.tuple;  // connect(): the kernel chose the port
        if (trace_) *trace_ << "  " << format_usecs(to_micros(p.at)) << " linux sent  " << format_wire(p, isn_for(p.tuple)) << "\n";
        capture_.push_back(p);
        outq_.push_back(std::move(p));
    }
}

bool LinuxRunner::wait_packet(int64_t until_usecs) {
    take_packets();
    while (outq_.empty() && now_usecs() < until_usecs) {
        {
            std::unique_lock<std::mutex> lk(mu_);
            cv_.wait_until(lk, start_ + std::chrono::microseconds(until_usecs), [&] { return !arrived_.empty(); });
        }
        take_packets();
    }
    return !outq_.empty();
}

void LinuxRunner::sleep_until(int64_t usecs) {
    if (usecs > now_usecs()) std::this_thread::sleep_until(start_ + std::chrono::microseconds(usecs));
    take_packets();
}

void LinuxRunner::inject(const Event& e, const PacketSpec& p, int64_t t) {
    sleep_until(t);
    tcp::FourTuple tuple = live_.value_or(tcp::FourTuple{tcp::Endpoint{cfg_.local_ip, cfg_.bind_port},
                                                         tcp::Endpoint{cfg_.remote_ip, cfg_.remote_port}});
    if (p.src_port) tuple.remote.port = *p.src_port;
    if (p.dst_port) tuple.local.port = *p.dst_port;
    if (p.src_port || p.dst_port) live_ = tuple;
    const IsnPair isn = isn_for(tuple);
    WirePacket w = build_inbound(p, tuple, isn, instant(now_usecs()), e.line);
    if (trace_) *trace_ << "  " << format_usecs(now_usecs()) << " inject      " << format_wire(w, isn) << "\n";
    if (::write(tun_fd_, w.bytes.data(), w.bytes.size()) != ssize_t(w.bytes.size()))
        fail(e.line, std::string("cannot write the packet to the TUN device: ") + std::strerror(errno));
    capture_.push_back(std::move(w));
}

void LinuxRunner::expect(const Event& e, const PacketSpec& p, int64_t lo, int64_t hi, bool any_time) {
    const int64_t limit = any_time ? now_usecs() + kAnyTimeLimitUsecs : hi;
    const std::string want = "  script: " + format_spec(p);
    if (!wait_packet(limit)) {
        std::string msg = "expected packet was not sent by " + format_usecs(limit) + " s\n" + want;
        if (wait_packet(limit + kGraceUsecs))
            msg += "\n  actual: " + format_wire(outq_.front(), isn_for(outq_.front().tuple)) + " at " + format_usecs(to_micros(outq_.front().at)) + " s";
        else
            msg += "\n  actual: nothing within " + format_usecs(kGraceUsecs) + " s more";
        fail(e.line, msg);
    }
    const WirePacket& got = outq_.front();
    const IsnPair isn = isn_for(got.tuple);
    const std::string seen = "\n  actual: " + format_wire(got, isn) + " at " + format_usecs(to_micros(got.at)) + " s";
    std::string diff = compare_outbound(p, got, isn, live_ ? &*live_ : nullptr);
    if (!diff.empty()) fail(e.line, "outbound packet mismatch (" + diff + ")\n" + want + seen);
    const int64_t at = to_micros(got.at);
    if (!any_time && (at < lo || at > hi))
        fail(e.line, "timing error: expected the packet in " + format_usecs(lo) + "~" + format_usecs(hi) +
                         " s but it was sent at " + format_usecs(at) + " s\n" + want + seen);
    if (trace_) *trace_ << "  line " << e.line << ": matched " << format_spec(p) << "\n";
    outq_.pop_front();
}

void LinuxRunner::wait_pending(int line_starting) {
    if (!pending_) return;
    const int64_t end = *pending_->end_usecs;
    if (pending_->result.wait_until(start_ + std::chrono::microseconds(end + tolerance_for(end))) !=
        std::future_status::ready) {
        fail(pending_->event->line, pending_->spec->name + "() is still blocked at " + format_usecs(now_usecs()) +
                                        (line_starting ? " s when line " + std::to_string(line_starting) + " starts" : " s") +
                                        "; the script expects it to return at " + format_usecs(end) + " s");
    }
    Pending p = std::move(*pending_);
    pending_.reset();
    complete(p, p.result.get());
}

void LinuxRunner::complete(Pending& p, const Outcome& o) {
    if (p.end_usecs) {
        const int64_t end = *p.end_usecs, tol = tolerance_for(end);
        if (o.at_usecs < end - tol || o.at_usecs > end + tol)
            fail(p.event->line, p.spec->name + "() returned at " + format_usecs(o.at_usecs) +
                                    " s; the script expects it to return at " + format_usecs(end) + " s");
    }
    check_result(p, o);
}

void LinuxRunner::syscall(const Event& e, const SyscallSpec& s, int64_t t, std::optional<int64_t> end) {
    wait_pending(e.line);
    if (now_usecs() > t + tolerance_for(t))
        fail(e.line, "timing error: this call is due at " + format_usecs(t) + " s but the run is already at " +
                         format_usecs(now_usecs()) + " s");
    sleep_until(t);
    std::function<Outcome()> fn = prepare(e, s);
    if (trace_) *trace_ << "  " << format_usecs(now_usecs()) << " call        " << s.name << "() line " << e.line << "\n";
    const auto start = start_;
    std::packaged_task<Outcome()> task([fn = std::move(fn), start] {
        Outcome o = fn();
        o.at_usecs =
            std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start).count();
        return o;
    });
    Pending p{&e, &s, end, task.get_future()};
    std::thread(std::move(task)).detach();
    if (end) {
        pending_ = std::move(p);
        return;
    }
    // A call that does not block may still be late on a loaded machine (thread start, scheduling).
    const int64_t limit = std::max(t, now_usecs()) + tolerance_for(t) + kSchedulingSlackUsecs;
    if (p.result.wait_until(start_ + std::chrono::microseconds(limit)) != std::future_status::ready)
        fail(e.line, s.name + "() blocks, but the script expects it to return at once "
                              "(write `+T...END " + s.name + "(...)` for a call that blocks)");
    complete(p, p.result.get());
}

void LinuxRunner::finish() {
    wait_pending(0);
    sleep_until(now_usecs() + cfg_.tolerance_usecs);  // what the kernel sends in answer to the last line
    if (!outq_.empty()) {
        std::string msg = "Linux sent " + std::to_string(outq_.size()) + " packet(s) the script does not expect:";
        for (const WirePacket& w : outq_) msg += "\n  actual: " + format_wire(w, isn_for(w.tuple)) + " at " + format_usecs(to_micros(w.at)) + " s";
        fail(line_, msg);
    }
}

void LinuxRunner::run() {
    for (const Event& e : script_.events) {
        line_ = e.line;
        if (pending_ && pending_->result.wait_for(std::chrono::seconds(0)) == std::future_status::ready) {
            Pending p = std::move(*pending_);
            pending_.reset();
            complete(p, p.result.get());
        }
        const PacketSpec* pkt = std::get_if<PacketSpec>(&e.action);
        const bool inbound = pkt && pkt->inbound;
        const bool last_inbound = last_event_ && std::holds_alternative<PacketSpec>(last_event_->action) &&
                                  std::get<PacketSpec>(last_event_->action).inbound;
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
        if (t > max_usecs_)
            fail(e.line, "not run against Linux: this line is due at " + format_usecs(t) +
                             " s of real time, past the limit of " + format_usecs(max_usecs_) + " s (--linux_max_secs)");
        const int64_t tol = tolerance_for(t);
        if (inbound && now_usecs() > t + tol)
            fail(e.line, "timing error: this inbound packet is due at " + format_usecs(t) + " s but the run is already at " +
                             format_usecs(now_usecs()) + " s");
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
