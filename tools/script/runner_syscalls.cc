// System-call lines of a script on sockets over ustack's user calls (RFC 9293
// §3.10.1-§3.10.6: OPEN, SEND, RECEIVE, CLOSE, ABORT, STATUS), with blocking
// calls completed in virtual time and Linux return values and errno names.
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>

#include "tcp/congestion.h"
#include "tools/script/runner.h"
#include "tools/script/symbols.h"

namespace ustack::script {

namespace {

constexpr int ENOENT_ = 2, EBADF_ = 9, EAGAIN_ = 11, EINVAL_ = 22, EPIPE_ = 32, EALREADY_ = 114, EISCONN_ = 106, ENOTCONN_ = 107,
              EINPROGRESS_ = 115, ECONNREFUSED_ = 111;
constexpr int64_t O_NONBLOCK_ = 0x800, O_RDWR_ = 2;
constexpr int16_t POLLIN_ = 0x1, POLLPRI_ = 0x2, POLLOUT_ = 0x4, POLLERR_ = 0x8, POLLHUP_ = 0x10, POLLNVAL_ = 0x20, POLLRDHUP_ = 0x2000;

const std::array<uint8_t, 65536>& zeros() {
    static const std::array<uint8_t, 65536> z{};
    return z;
}

bool connecting(tcp::State s) { return s == tcp::State::SynSent || s == tcp::State::SynReceived; }

const Expr* struct_field(const Expr& e, std::string_view name) {
    for (const Expr& f : e.items) {
        if (f.kind == Expr::Kind::Assign && f.text == name && !f.items.empty()) return &f.items[0];
    }
    return nullptr;
}

std::string arg_text(const Expr& e) { return e.kind == Expr::Kind::Word ? e.text : "option " + std::to_string(e.num); }

}  // namespace

int64_t Runner::eval(const Expr& e, int line) const {
    std::string error;
    if (auto v = eval_int(e, &error)) return *v;
    fail(line, error);
}

int64_t Runner::int_arg(const Call& c, size_t arg) const {
    if (arg >= c.spec->args.size()) fail(c.event->line, c.spec->name + "() needs more arguments");
    return eval(c.spec->args[arg], c.event->line);
}

Runner::Socket* Runner::socket_for(const Call& c, size_t arg) {
    auto it = sockets_.find(int(int_arg(c, arg)));
    return it == sockets_.end() ? nullptr : &it->second;
}

tcp::Endpoint Runner::sockaddr_arg(const Call& c, size_t arg, tcp::Endpoint fallback) const {
    if (arg >= c.spec->args.size() || c.spec->args[arg].kind == Expr::Kind::Ellipsis) return fallback;
    const Expr& e = c.spec->args[arg];
    if (e.kind != Expr::Kind::Struct) fail(c.event->line, "expected ... or {sa_family=AF_INET, sin_port=htons(P), sin_addr=inet_addr(\"A\")}");
    if (const Expr* fam = struct_field(e, "sa_family"); fam && eval(*fam, c.event->line) != 2)
        fail(c.event->line, "only AF_INET addresses are supported by ustack");
    if (const Expr* port = struct_field(e, "sin_port")) fallback.port = uint16_t(eval(*port, c.event->line));
    if (const Expr* addr = struct_field(e, "sin_addr")) {
        if (addr->kind != Expr::Kind::Call || addr->text != "inet_addr" || addr->items.size() != 1 ||
            addr->items[0].kind != Expr::Kind::String)
            fail(c.event->line, "sin_addr must be inet_addr(\"a.b.c.d\")");
        auto a = wire::Ipv4Address::parse(addr->items[0].text);
        if (!a) fail(c.event->line, "bad IPv4 address " + addr->items[0].text);
        fallback.addr = *a;
    }
    return fallback;
}

// A pending error is reported once (like SO_ERROR), then calls see a closed socket.
int Runner::error_of(Socket& s) {
    if (!s.conn || s.error_reported) return 0;
    int e = errno_of(s.conn->error());
    if (e != 0) s.error_reported = true;
    return e;
}

void Runner::settle() {
    if (!blocked_) return;
    Call& c = *blocked_;
    Outcome o = perform(c, false);
    const int64_t end = *c.end_usecs;
    const int64_t tol = tolerance_for(end);
    if (o.blocked) {
        if (now_usecs() > end + tol)
            fail(c.event->line, c.spec->name + "() is still blocked at " + format_usecs(now_usecs()) +
                                    " s; the script expects it to return at " + format_usecs(end) + " s");
        return;
    }
    Call done = c;
    blocked_.reset();
    if (now_usecs() < end - tol)
        fail(done.event->line, done.spec->name + "() returned at " + format_usecs(now_usecs()) +
                                   " s; the script expects it to block until " + format_usecs(end) + " s");
    check_result(done, o);
}

void Runner::syscall(const Event& e, const SyscallSpec& s, int64_t t, std::optional<int64_t> end) {
    advance_to(t);
    if (blocked_) {
        // packetdrill starts a call only when the previous blocking one has returned.
        const int64_t bend = *blocked_->end_usecs;
        const Instant limit = at_usecs(bend + tolerance_for(bend));
        while (blocked_) {
            auto d = next_deadline();
            if (!d || *d > limit) break;
            fire(*d);
        }
        if (blocked_)
            fail(blocked_->event->line, blocked_->spec->name + "() is still blocked when line " +
                                            std::to_string(e.line) + " starts; it should return at " +
                                            format_usecs(bend) + " s");
        if (now_usecs() > t + tolerance_for(t))
            fail(e.line, "timing error: this call is due at " + format_usecs(t) + " s but the previous call blocked until " +
                             format_usecs(now_usecs()) + " s");
    }
    Call c{&e, &s, now_usecs(), end};
    if (trace_) *trace_ << "  " << format_usecs(now_usecs()) << " call       " << s.name << "() line " << e.line << "\n";
    Outcome o = perform(c, true);
    if (o.blocked) {
        const bool at_once = !end;
        if (at_once) c.end_usecs = t;
        blocked_ = c;
        if (!at_once) return;
        // No "...END": the call must return at once, so only timers may run meanwhile.
        const Instant limit = at_usecs(t + tolerance_for(t));
        while (blocked_) {
            auto d = next_deadline();
            if (!d || *d > limit) break;
            fire(*d);
        }
        if (blocked_) {
            blocked_.reset();
            fail(e.line, s.name + "() blocks, but the script expects it to return at once "
                                  "(write `+T...END " + s.name + "(...)` for a call that blocks)");
        }
        return;
    }
    if (end) {
        const int64_t tol = tolerance_for(*end);
        if (now_usecs() < *end - tol || now_usecs() > *end + tol)
            fail(e.line, s.name + "() returned at " + format_usecs(now_usecs()) + " s; the script expects it to return at " +
                             format_usecs(*end) + " s");
    }
    check_result(c, o);
}

void Runner::check_result(const Call& c, const Outcome& o) {
    const SyscallSpec& s = *c.spec;
    const int line = c.event->line;
    std::string got = o.ret == -1 ? "-1 " + errno_name(o.err) : std::to_string(o.ret);
    if (trace_) *trace_ << "  " << format_usecs(now_usecs()) << " returned   " << s.name << "() = " << got << "\n";
    if (s.result.kind == Expr::Kind::Ellipsis) return;
    int64_t want = eval(s.result, line);
    std::string want_text = std::to_string(want) + (s.errno_name.empty() ? "" : " " + s.errno_name);
    if (o.ret != want) fail(line, s.name + "() returned " + got + "; the script expects " + want_text);
    if (want == -1 && !s.errno_name.empty()) {
        auto e = errno_number(s.errno_name);
        if (!e) fail(line, "unknown errno name " + s.errno_name);
        if (*e != o.err) fail(line, s.name + "() returned " + got + "; the script expects " + want_text);
    }
}

Runner::Outcome Runner::perform(Call& c, bool first) {
    const std::string& n = c.spec->name;
    if (n == "socket") return sys_socket(c);
    if (n == "bind") return sys_bind(c);
    if (n == "listen") return sys_listen(c);
    if (n == "accept" || n == "accept4") return sys_accept(c);
    if (n == "connect") return sys_connect(c, first);
    if (n == "read" || n == "recv" || n == "recvfrom") return sys_read(c);
    if (n == "write" || n == "send" || n == "sendto") return sys_write(c);
    if (n == "close") return sys_close(c);
    if (n == "shutdown") return sys_shutdown(c);
    if (n == "setsockopt") return sys_setsockopt(c);
    if (n == "getsockopt") return sys_getsockopt(c);
    if (n == "fcntl") return sys_fcntl(c);
    if (n == "poll") return sys_poll(c, first);
    fail(c.event->line, "system call " + n + "() is not supported by ustack script");
}

Runner::Outcome Runner::sys_socket(Call& c) {
    if (c.spec->args.empty()) fail(c.event->line, "socket() needs (domain, type, protocol)");
    if (c.spec->args[0].kind != Expr::Kind::Ellipsis && int_arg(c, 0) != 2)
        fail(c.event->line, "only AF_INET sockets are supported by ustack");
    int64_t type = int_arg(c, 1);
    if ((type & ~O_NONBLOCK_) != 1) fail(c.event->line, "only SOCK_STREAM sockets are supported by ustack");
    int fd = 3;
    while (sockets_.count(fd)) ++fd;
    sockets_[fd].nonblocking = (type & O_NONBLOCK_) != 0;
    return {false, fd, 0};
}

Runner::Outcome Runner::sys_bind(Call& c) {
    Socket* sp = socket_for(c, 0);
    if (!sp) return {false, -1, EBADF_};
    Socket& s = *sp;
    s.local = sockaddr_arg(c, 1, tcp::Endpoint{cfg_.local_ip, cfg_.bind_port});
    s.bound = true;
    return {false, 0, 0};
}

Runner::Outcome Runner::sys_listen(Call& c) {
    Socket* sp = socket_for(c, 0);
    if (!sp) return {false, -1, EBADF_};
    Socket& s = *sp;
    tcp::Endpoint local = s.bound ? s.local : tcp::Endpoint{cfg_.local_ip, cfg_.bind_port};
    tcp::TcpError err = tcp::TcpError::None;
    auto l = layer_->listen(local, size_t(std::max<int64_t>(int_arg(c, 1), 1)), &err);
    if (!l) return {false, -1, errno_of(err)};
    s.listener = l;
    live_ = tcp::FourTuple{tcp::Endpoint{local.addr.is_unspecified() ? cfg_.local_ip : local.addr, local.port},
                           tcp::Endpoint{cfg_.remote_ip, cfg_.remote_port}};
    return {false, 0, 0};
}

Runner::Outcome Runner::sys_accept(Call& c) {
    Socket* sp = socket_for(c, 0);
    if (!sp) return {false, -1, EBADF_};
    Socket& s = *sp;
    if (!s.listener) return {false, -1, EINVAL_};
    if (auto conn = s.listener->accept()) {
        int fd = 3;
        while (sockets_.count(fd)) ++fd;
        // A listener's TCP_CONGESTION is inherited (ustack applies it at accept()).
        if (s.congestion) conn->set_congestion(*s.congestion);
        Socket& n = sockets_[fd];
        n.congestion = s.congestion;
        n.conn = conn;
        n.local = conn->tuple().local;
        // As Linux: the keep-alive and user-timeout settings come from the listening socket.
        n.keepalive = s.keepalive;
        n.keepalive_config = s.keepalive_config;
        n.user_timeout_ms = s.user_timeout_ms;
        n.nodelay = s.nodelay;  // TCP_NODELAY and TCP_CORK too (Linux clones them)
        n.cork = s.cork;
        apply_tcp_options(n);
        return {false, fd, 0};
    }
    if (s.nonblocking) return {false, -1, EAGAIN_};
    return {true, 0, 0};
}

Runner::Outcome Runner::sys_connect(Call& c, bool first) {
    Socket* sp = socket_for(c, 0);
    if (!sp) return {false, -1, EBADF_};
    Socket& s = *sp;
    if (first && s.conn) {
        if (int e = error_of(s)) return {false, -1, e};
        return {false, -1, connecting(s.conn->state()) ? EALREADY_ : EISCONN_};
    }
    if (first) {
        if (s.bound && s.local.port != 0)
            fail(c.event->line, "bind() to a fixed port before connect() is not supported by ustack (it picks an ephemeral port)");
        tcp::Endpoint remote = sockaddr_arg(c, 1, tcp::Endpoint{cfg_.remote_ip, cfg_.connect_port});
        tcp::TcpError err = tcp::TcpError::None;
        auto conn = layer_->connect(s.bound && !s.local.addr.is_unspecified() ? s.local.addr : cfg_.local_ip, remote,
                                    now_, &err);
        if (!conn) return {false, -1, errno_of(err)};
        if (s.congestion) conn->set_congestion(*s.congestion);
        s.conn = conn;
        apply_tcp_options(s);
        s.connect_started = true;
        live_ = conn->tuple();
        if (s.nonblocking) return {false, -1, EINPROGRESS_};
    }
    if (int e = error_of(s)) return {false, -1, e};
    tcp::State st = s.conn->state();
    if (tcp::is_synchronized(st)) return {false, 0, 0};
    if (st == tcp::State::Closed) return {false, -1, ECONNREFUSED_};
    return {true, 0, 0};
}

Runner::Outcome Runner::sys_read(Call& c) {
    Socket* sp = socket_for(c, 0);
    if (!sp) return {false, -1, EBADF_};
    Socket& s = *sp;
    if (!s.conn) return {false, -1, ENOTCONN_};
    const int64_t len = int_arg(c, 2);
    const bool dontwait = c.spec->args.size() > 3 && (int_arg(c, 3) & 0x40);
    if (c.spec->args.size() > 3 && (int_arg(c, 3) & 0x2)) fail(c.event->line, "MSG_PEEK is not supported by ustack");
    // ustack keeps urgent data inline (RFC 6093 §5), so there is no out-of-band
    // byte to fetch: EINVAL, as Linux answers MSG_OOB under SO_OOBINLINE.
    if (c.spec->args.size() > 3 && (int_arg(c, 3) & 0x1)) return {false, -1, EINVAL_};
    tcp::Connection& conn = *s.conn;
    if (s.shut_rd) return {false, 0, 0};
    if (conn.readable() > 0 && len > 0) {
        size_t n = std::min<size_t>(size_t(len), conn.readable());
        scratch_.resize(n);
        n = conn.receive(scratch_, now_);
        return {false, int64_t(n), 0};
    }
    if (len == 0 || conn.eof()) return {false, 0, 0};
    if (int e = error_of(s)) return {false, -1, e};
    tcp::State st = conn.state();
    if (st == tcp::State::Closed || !(connecting(st) || tcp::can_receive_data(st))) return {false, 0, 0};
    if (s.nonblocking || dontwait) return {false, -1, EAGAIN_};
    return {true, 0, 0};
}

Runner::Outcome Runner::sys_write(Call& c) {
    Socket* sp = socket_for(c, 0);
    if (!sp) return {false, -1, EBADF_};
    Socket& s = *sp;
    if (!s.conn) return {false, -1, EPIPE_};
    if (int_arg(c, 2) < 0) return {false, -1, EINVAL_};
    const size_t len = size_t(int_arg(c, 2));
    const bool dontwait = c.spec->args.size() > 3 && (int_arg(c, 3) & 0x40);
    const bool oob = c.spec->args.size() > 3 && (int_arg(c, 3) & 0x1);  // MSG_OOB: SEND with URGENT (§3.8.5)
    const bool more = c.spec->args.size() > 3 && (int_arg(c, 3) & 0x8000);  // MSG_MORE: SEND without PUSH (MAY-15)
    tcp::Connection& conn = *s.conn;
    if (int e = error_of(s)) return {false, -1, e};
    if (connecting(conn.state())) return (s.nonblocking || dontwait) ? Outcome{false, -1, EAGAIN_} : Outcome{true, 0, 0};
    if (!tcp::can_send_data(conn.state()) || conn.error() != tcp::TcpError::None) return {false, -1, EPIPE_};
    while (c.written < len) {
        size_t chunk = std::min(len - c.written, zeros().size());
        std::span<const uint8_t> bytes(zeros().data(), chunk);
        size_t n = oob ? conn.send_urgent(bytes, now_) : conn.send(bytes, now_, !more);
        c.written += n;
        if (n < chunk) break;
    }
    if (c.written == len) return {false, int64_t(len), 0};
    if (s.nonblocking || dontwait) return c.written > 0 ? Outcome{false, int64_t(c.written), 0} : Outcome{false, -1, EAGAIN_};
    return {true, 0, 0};
}

Runner::Outcome Runner::sys_close(Call& c) {
    auto it = sockets_.find(int(int_arg(c, 0)));
    if (it == sockets_.end()) return {false, -1, EBADF_};
    Socket s = std::move(it->second);
    sockets_.erase(it);
    if (s.listener) s.listener->close(now_);
    if (s.conn) {
        // close() is a full close (CloseMode::Full): with unread data, or data
        // arriving later, the core sends a RST (RFC 9293 §3.6.1, SHLD-3), the
        // same rule as net::TcpStream::close(). SO_LINGER 0 is an ABORT.
        if (s.linger_abort && s.conn->readable() == 0) s.conn->abort(now_);
        else s.conn->close(now_, tcp::CloseMode::Full);
    }
    return {false, 0, 0};
}

Runner::Outcome Runner::sys_shutdown(Call& c) {
    Socket* sp = socket_for(c, 0);
    if (!sp) return {false, -1, EBADF_};
    Socket& s = *sp;
    if (!s.conn) return {false, -1, ENOTCONN_};
    int64_t how = int_arg(c, 1);
    if (how < 0 || how > 2) return {false, -1, EINVAL_};
    if (how == 0 || how == 2) s.shut_rd = true;
    if (how == 1 || how == 2) s.conn->close(now_, tcp::CloseMode::Send);  // half-close: reads go on
    return {false, 0, 0};
}

Runner::Outcome Runner::sys_setsockopt(Call& c) {
    Socket* sp = socket_for(c, 0);
    if (!sp) return {false, -1, EBADF_};
    Socket& s = *sp;
    const int line = c.event->line;
    const int64_t level = int_arg(c, 1), name = int_arg(c, 2);
    if (c.spec->args.size() < 4) fail(line, "setsockopt() needs a value");
    const Expr& value = c.spec->args[3];
    const std::string what = arg_text(c.spec->args[2]);
    auto unsupported = [&](const std::string& why) { fail(line, "setsockopt " + what + " is unsupported by ustack" + why); };
    const bool opened = s.conn || s.listener;
    if (level == 1 && (name == 2 || name == 15)) return {false, 0, 0};  // SO_REUSEADDR/PORT: ustack never refuses a rebind
    if (level == 1 && name == 13) {  // SO_LINGER
        const Expr* onoff = value.kind == Expr::Kind::Struct ? struct_field(value, "onoff") : nullptr;
        const Expr* secs = value.kind == Expr::Kind::Struct ? struct_field(value, "linger") : nullptr;
        if (!onoff || !secs) fail(line, "SO_LINGER needs {onoff=N, linger=N}");
        if (eval(*onoff, line) != 0 && eval(*secs, line) != 0) unsupported(" (a lingering close; only linger=0 = abort)");
        s.linger_abort = eval(*onoff, line) != 0;
        return {false, 0, 0};
    }
    if (level == 6 && name == 13) {  // TCP_CONGESTION "reno" / "cubic": this socket only
        if (value.kind != Expr::Kind::String) fail(line, "TCP_CONGESTION needs a string, \"reno\" or \"cubic\"");
        auto algo = tcp::parse_congestion(value.text);
        if (!algo) return {false, -1, ENOENT_};  // as Linux for an unknown algorithm
        s.congestion = *algo;
        if (s.conn) s.conn->set_congestion(*algo);
        return {false, 0, 0};
    }
    const int64_t v = eval(value, line);
    if (level == 1 && name == 10) {  // SO_OOBINLINE: ustack always keeps urgent data inline (RFC 6093 §5)
        if (v == 0) unsupported(" with 0 (ustack has no out-of-band byte; urgent data is always inline)");
        return {false, 0, 0};
    }
    if (level == 6 && name == 1) {  // TCP_NODELAY: Nagle off (MUST-17) for this socket
        s.nodelay = v != 0;
        apply_tcp_options(s);
        return {false, 0, 0};
    }
    if (level == 6 && name == 3) {  // TCP_CORK (MAY-15): uncorking sends what the other rules allow
        s.cork = v != 0;
        apply_tcp_options(s);
        return {false, 0, 0};
    }
    // Keep-alive (RFC 9293 §3.8.4) and the user timeout (§3.9.1), with Linux's ranges.
    if (level == 1 && name == 9) {  // SO_KEEPALIVE
        s.keepalive = v != 0;
        apply_tcp_options(s);
        return {false, 0, 0};
    }
    if (level == 6 && (name == 4 || name == 5)) {  // TCP_KEEPIDLE, TCP_KEEPINTVL (seconds)
        if (v < 1 || v > 32767) return {false, -1, EINVAL_};
        (name == 4 ? s.keepalive_config.idle : s.keepalive_config.interval) = std::chrono::seconds(v);
        apply_tcp_options(s);
        return {false, 0, 0};
    }
    if (level == 6 && name == 6) {  // TCP_KEEPCNT
        if (v < 1 || v > 127) return {false, -1, EINVAL_};
        s.keepalive_config.count = uint32_t(v);
        apply_tcp_options(s);
        return {false, 0, 0};
    }
    if (level == 6 && name == 18) {  // TCP_USER_TIMEOUT (milliseconds, 0 = the default R2)
        if (v < 0 || v > INT32_MAX) return {false, -1, EINVAL_};
        s.user_timeout_ms = v;
        apply_tcp_options(s);
        return {false, 0, 0};
    }
    if (opened && ((level == 1 && (name == 7 || name == 8)) || (level == 6 && name == 2)))
        unsupported(" after connect() or listen() (the TCP core sizes a connection when it is created)");
    tcp::TcpConfig& cfg = layer_->mutable_config();
    if (level == 1 && name == 7) cfg.send_buffer = size_t(v);
    else if (level == 1 && name == 8) {
        cfg.recv_buffer = size_t(v);
        cfg.recv_autotune = false;  // as Linux: SO_RCVBUF locks the buffer (no auto-tuning)
    }
    else if (level == 6 && name == 2) cfg.mss = uint16_t(v);
    else unsupported("");
    return {false, 0, 0};
}

void Runner::apply_tcp_options(Socket& s) {
    if (!s.conn) return;
    s.conn->set_nodelay(s.nodelay);
    if (s.conn->corked() != s.cork) s.conn->set_cork(s.cork, now_);
    s.conn->set_keepalive_config(s.keepalive_config);
    s.conn->set_keepalive(s.keepalive, now_);
    s.conn->set_user_timeout(std::chrono::milliseconds(s.user_timeout_ms));
}

Runner::Outcome Runner::sys_getsockopt(Call& c) {
    Socket* sp = socket_for(c, 0);
    if (!sp) return {false, -1, EBADF_};
    Socket& s = *sp;
    const int line = c.event->line;
    const int64_t level = int_arg(c, 1), name = int_arg(c, 2);
    int64_t v = 0;
    const tcp::TcpConfig& cfg = layer_->config();
    if (level == 1 && name == 4) v = error_of(s);  // SO_ERROR, consumed
    else if (level == 1 && name == 7) v = int64_t(cfg.send_buffer);
    else if (level == 1 && name == 8) v = int64_t(cfg.recv_buffer);
    else if (level == 6 && name == 1) v = s.nodelay ? 1 : 0;
    else if (level == 6 && name == 3) v = s.cork ? 1 : 0;
    else if (level == 1 && name == 10) v = 1;  // SO_OOBINLINE: always
    else if (level == 1 && name == 9) v = s.keepalive ? 1 : 0;
    else if (level == 6 && name == 4) v = std::chrono::duration_cast<std::chrono::seconds>(s.keepalive_config.idle).count();
    else if (level == 6 && name == 5) v = std::chrono::duration_cast<std::chrono::seconds>(s.keepalive_config.interval).count();
    else if (level == 6 && name == 6) v = int64_t(s.keepalive_config.count);
    else if (level == 6 && name == 18) v = s.user_timeout_ms;
    else if (level == 6 && name == 2) v = s.conn ? s.conn->snapshot().snd_mss : cfg.mss;
    else fail(line, "getsockopt " + arg_text(c.spec->args[2]) + " is unsupported by ustack");
    if (c.spec->args.size() > 3 && c.spec->args[3].kind != Expr::Kind::Ellipsis) {
        int64_t want = eval(c.spec->args[3], line);
        if (want != v)
            fail(line, "getsockopt " + arg_text(c.spec->args[2]) + " gave " + std::to_string(v) +
                           (name == 4 && level == 1 && v ? " (" + errno_name(int(v)) + ")" : "") + "; the script expects " +
                           std::to_string(want));
    }
    return {false, 0, 0};
}

Runner::Outcome Runner::sys_fcntl(Call& c) {
    Socket* sp = socket_for(c, 0);
    if (!sp) return {false, -1, EBADF_};
    Socket& s = *sp;
    int64_t cmd = int_arg(c, 1);
    if (cmd == 3) return {false, O_RDWR_ | (s.nonblocking ? O_NONBLOCK_ : 0), 0};  // F_GETFL
    if (cmd == 4) {                                                                 // F_SETFL
        s.nonblocking = (int_arg(c, 2) & O_NONBLOCK_) != 0;
        return {false, 0, 0};
    }
    fail(c.event->line, "fcntl command " + arg_text(c.spec->args[1]) + " is unsupported by ustack script");
}

int16_t Runner::poll_events(Socket& s) {
    if (s.listener) return s.listener->ready() > 0 ? POLLIN_ : 0;
    if (!s.conn) return POLLOUT_ | POLLHUP_;
    const tcp::Connection& conn = *s.conn;
    const tcp::State st = conn.state();
    int16_t ev = 0;
    if (conn.readable() > 0 || conn.eof()) ev |= POLLIN_;
    if (conn.eof()) ev |= POLLRDHUP_;
    if (conn.urgent_remaining() > 0) ev |= POLLPRI_;  // urgent data not yet read (MUST-32)
    if (conn.error() != tcp::TcpError::None && !s.error_reported) ev |= POLLERR_ | POLLIN_;
    if (st == tcp::State::Closed) ev |= POLLHUP_ | POLLIN_;
    if (tcp::can_send_data(st) && conn.writable() > 0) ev |= POLLOUT_;
    return ev;
}

Runner::Outcome Runner::sys_poll(Call& c, bool first) {
    const int line = c.event->line;
    if (c.spec->args.size() != 3 || c.spec->args[0].kind != Expr::Kind::List)
        fail(line, "poll() needs ([{fd=N, events=E, revents=R}, ...], nfds, timeout)");
    const std::vector<Expr>& fds = c.spec->args[0].items;
    const int64_t timeout_ms = int_arg(c, 2);
    std::vector<int16_t> got(fds.size(), 0);
    int64_t count = 0;
    for (size_t i = 0; i < fds.size(); ++i) {
        const Expr* fd = struct_field(fds[i], "fd");
        const Expr* events = struct_field(fds[i], "events");
        if (!fd || !events) fail(line, "poll() needs {fd=N, events=E}");
        auto it = sockets_.find(int(eval(*fd, line)));
        int16_t ev = it == sockets_.end() ? POLLNVAL_ : poll_events(it->second);
        got[i] = int16_t(ev & (eval(*events, line) | POLLERR_ | POLLHUP_ | POLLNVAL_));
        if (got[i]) ++count;
    }
    if (count == 0 && timeout_ms != 0) {
        if (first && timeout_ms > 0)
            c.timeout_at = now_ + std::chrono::milliseconds(std::min<int64_t>(timeout_ms, 1'000'000'000));
        if (!c.timeout_at || now_ < *c.timeout_at) return {true, 0, 0};
    }
    for (size_t i = 0; i < fds.size(); ++i) {
        const Expr* want = struct_field(fds[i], "revents");
        if (want && eval(*want, line) != got[i])
            fail(line, "poll() revents for entry " + std::to_string(i) + " is " + std::to_string(got[i]) +
                           "; the script expects " + std::to_string(eval(*want, line)));
    }
    return {false, count, 0};
}

}  // namespace ustack::script
