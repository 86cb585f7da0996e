// System-call lines of a script on real kernel sockets (--against-linux):
// arguments are evaluated on the script thread, the call itself runs on a
// helper thread so that it may block while packets are exchanged.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <climits>

#include "tools/script/linux_runner.h"
#include "tools/script/symbols.h"

namespace ustack::script {

namespace {

using Outcome = LinuxRunner::Outcome;

constexpr int kNoSuchFd = 1 << 24;  // poll() gives POLLNVAL, other calls EBADF

Outcome result(int64_t ret) { return Outcome{ret, ret == -1 ? errno : 0, 0, {}, 0}; }

const Expr* struct_field(const Expr& e, std::string_view name) {
    for (const Expr& f : e.items) {
        if (f.kind == Expr::Kind::Assign && f.text == name && !f.items.empty()) return &f.items[0];
    }
    return nullptr;
}

sockaddr_in to_sockaddr(const tcp::Endpoint& ep) {
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(ep.port);
    sa.sin_addr.s_addr = htonl(ep.addr.to_u32());
    return sa;
}

}  // namespace

int64_t LinuxRunner::eval(const Expr& e, int line) const {
    std::string error;
    if (auto v = eval_int(e, &error)) return *v;
    fail(line, error);
}

int64_t LinuxRunner::int_arg(const SyscallSpec& s, size_t arg, int line) const {
    if (arg >= s.args.size()) fail(line, s.name + "() needs more arguments");
    return eval(s.args[arg], line);
}

int LinuxRunner::real_fd(const SyscallSpec& s, size_t arg, int line) const {
    auto it = fds_.find(int(int_arg(s, arg, line)));
    return it == fds_.end() ? kNoSuchFd : it->second;
}

std::function<Outcome()> LinuxRunner::prepare(const Event& e, const SyscallSpec& s) {
    const int line = e.line;
    const std::string& n = s.name;
    auto sockaddr_arg = [&](size_t arg, tcp::Endpoint ep) {
        if (arg < s.args.size() && s.args[arg].kind != Expr::Kind::Ellipsis) {
            const Expr& a = s.args[arg];
            if (a.kind != Expr::Kind::Struct) fail(line, "expected ... or {sa_family=AF_INET, sin_port=htons(P), sin_addr=inet_addr(\"A\")}");
            if (const Expr* port = struct_field(a, "sin_port")) ep.port = uint16_t(eval(*port, line));
            if (const Expr* addr = struct_field(a, "sin_addr")) {
                if (addr->kind != Expr::Kind::Call || addr->items.size() != 1 || addr->items[0].kind != Expr::Kind::String)
                    fail(line, "sin_addr must be inet_addr(\"a.b.c.d\")");
                auto v = wire::Ipv4Address::parse(addr->items[0].text);
                if (!v) fail(line, "bad IPv4 address " + addr->items[0].text);
                ep.addr = *v;
            }
        }
        return ep;
    };
    if (n == "socket") {
        if (!s.args.empty() && s.args[0].kind != Expr::Kind::Ellipsis && int_arg(s, 0, line) != AF_INET)
            fail(line, "only AF_INET sockets are supported");
        const int type = int(int_arg(s, 1, line));
        return [type] { return result(::socket(AF_INET, type, IPPROTO_TCP)); };
    }
    if (n == "bind") {
        const int fd = real_fd(s, 0, line);
        const tcp::Endpoint ep = sockaddr_arg(1, tcp::Endpoint{cfg_.local_ip, cfg_.bind_port});
        if (fd != kNoSuchFd) bound_[int(int_arg(s, 0, line))] = ep;
        return [fd, ep] {
            sockaddr_in sa = to_sockaddr(ep);
            return result(::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa));
        };
    }
    if (n == "listen") {
        const int sfd = int(int_arg(s, 0, line)), fd = real_fd(s, 0, line);
        const int backlog = int(int_arg(s, 1, line));
        auto b = bound_.find(sfd);
        const bool bind_first = b == bound_.end();  // ustack listens on bind_port without a bind()
        tcp::Endpoint local = bind_first ? tcp::Endpoint{cfg_.local_ip, cfg_.bind_port} : b->second;
        if (fd != kNoSuchFd)
            live_ = tcp::FourTuple{tcp::Endpoint{local.addr.is_unspecified() ? cfg_.local_ip : local.addr, local.port},
                                   tcp::Endpoint{cfg_.remote_ip, cfg_.remote_port}};
        return [fd, backlog, bind_first, local] {
            if (bind_first) {
                sockaddr_in sa = to_sockaddr(local);
                if (::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) return result(-1);
            }
            return result(::listen(fd, backlog));
        };
    }
    if (n == "accept" || n == "accept4") {
        const int fd = real_fd(s, 0, line);
        return [fd] { return result(::accept(fd, nullptr, nullptr)); };
    }
    if (n == "connect") {
        const int fd = real_fd(s, 0, line);
        const tcp::Endpoint ep = sockaddr_arg(1, tcp::Endpoint{cfg_.remote_ip, cfg_.connect_port});
        return [fd, ep] {
            sockaddr_in sa = to_sockaddr(ep);
            return result(::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa));
        };
    }
    if (n == "read" || n == "recv" || n == "recvfrom" || n == "write" || n == "send" || n == "sendto") {
        const int fd = real_fd(s, 0, line);
        const int64_t len = int_arg(s, 2, line);
        const int flags = s.args.size() > 3 && (n == "recv" || n == "send" || n == "recvfrom" || n == "sendto")
                              ? int(int_arg(s, 3, line))
                              : 0;
        const bool reading = n == "read" || n == "recv" || n == "recvfrom";
        return [fd, len, flags, reading] {
            if (len < 0) return Outcome{-1, EINVAL, 0, {}, 0};
            std::vector<uint8_t> buf(size_t(len), 0);
            return reading ? result(::recv(fd, buf.data(), buf.size(), flags))
                           : result(::send(fd, buf.data(), buf.size(), flags | MSG_NOSIGNAL));
        };
    }
    if (n == "close") {
        const int sfd = int(int_arg(s, 0, line)), fd = real_fd(s, 0, line);
        fds_.erase(sfd);
        bound_.erase(sfd);
        return [fd] { return result(::close(fd)); };
    }
    if (n == "shutdown") {
        const int fd = real_fd(s, 0, line), how = int(int_arg(s, 1, line));
        return [fd, how] { return result(::shutdown(fd, how)); };
    }
    if (n == "setsockopt") {
        const int fd = real_fd(s, 0, line), level = int(int_arg(s, 1, line)), name = int(int_arg(s, 2, line));
        if (s.args.size() < 4) fail(line, "setsockopt() needs a value");
        const Expr& value = s.args[3];
        if (level == SOL_SOCKET && name == SO_LINGER) {
            const Expr* onoff = value.kind == Expr::Kind::Struct ? struct_field(value, "onoff") : nullptr;
            const Expr* secs = value.kind == Expr::Kind::Struct ? struct_field(value, "linger") : nullptr;
            if (!onoff || !secs) fail(line, "SO_LINGER needs {onoff=N, linger=N}");
            const linger l{int(eval(*onoff, line)), int(eval(*secs, line))};
            return [fd, l] { return result(::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l)); };
        }
        if (value.kind == Expr::Kind::String) {  // TCP_CONGESTION "reno" / "cubic"
            const std::string text = value.text;
            return [fd, level, name, text] {
                return result(::setsockopt(fd, level, name, text.data(), socklen_t(text.size())));
            };
        }
        const int v = int(eval(value, line));
        return [fd, level, name, v] { return result(::setsockopt(fd, level, name, &v, sizeof v)); };
    }
    if (n == "getsockopt") {
        const int fd = real_fd(s, 0, line), level = int(int_arg(s, 1, line)), name = int(int_arg(s, 2, line));
        return [fd, level, name] {
            int v = 0;
            socklen_t len = sizeof v;
            Outcome o = result(::getsockopt(fd, level, name, &v, &len));
            o.optval = v;
            return o;
        };
    }
    if (n == "fcntl") {
        const int fd = real_fd(s, 0, line), cmd = int(int_arg(s, 1, line));
        if (cmd != F_GETFL && cmd != F_SETFL) fail(line, "fcntl command is unsupported by ustack script");
        const long arg = cmd == F_SETFL ? long(int_arg(s, 2, line)) : 0;
        return [fd, cmd, arg] { return result(cmd == F_GETFL ? ::fcntl(fd, cmd) : ::fcntl(fd, cmd, arg)); };
    }
    if (n == "poll") {
        if (s.args.size() != 3 || s.args[0].kind != Expr::Kind::List)
            fail(line, "poll() needs ([{fd=N, events=E, revents=R}, ...], nfds, timeout)");
        std::vector<pollfd> pfds;
        for (const Expr& entry : s.args[0].items) {
            const Expr* fd = struct_field(entry, "fd");
            const Expr* events = struct_field(entry, "events");
            if (!fd || !events) fail(line, "poll() needs {fd=N, events=E}");
            auto it = fds_.find(int(eval(*fd, line)));
            pfds.push_back(pollfd{it == fds_.end() ? kNoSuchFd : it->second, int16_t(eval(*events, line)), 0});
        }
        const int timeout = int(std::clamp<int64_t>(int_arg(s, 2, line), -1, INT_MAX));
        return [pfds, timeout]() mutable {
            Outcome o = result(::poll(pfds.data(), pfds.size(), timeout));
            for (const pollfd& p : pfds) o.revents.push_back(p.revents);
            return o;
        };
    }
    fail(line, "system call " + n + "() is not supported by ustack script");
}

void LinuxRunner::check_result(const Pending& p, const Outcome& in) {
    const SyscallSpec& s = *p.spec;
    const int line = p.event->line;
    Outcome o = in;
    if ((s.name == "socket" || s.name == "accept" || s.name == "accept4") && o.ret >= 0) {
        int sfd = 3;  // the script numbers fds as a fresh process would
        while (fds_.count(sfd)) ++sfd;
        fds_[sfd] = int(o.ret);
        o.ret = sfd;
    }
    std::string got = o.ret == -1 ? "-1 " + errno_name(o.err) : std::to_string(o.ret);
    if (trace_) *trace_ << "  " << format_usecs(o.at_usecs) << " returned    " << s.name << "() = " << got << "\n";
    if (s.result.kind != Expr::Kind::Ellipsis) {
        const int64_t want = eval(s.result, line);
        const std::string want_text = std::to_string(want) + (s.errno_name.empty() ? "" : " " + s.errno_name);
        if (o.ret != want) fail(line, s.name + "() returned " + got + "; the script expects " + want_text);
        if (want == -1 && !s.errno_name.empty()) {
            auto e = errno_number(s.errno_name);
            if (!e) fail(line, "unknown errno name " + s.errno_name);
            if (*e != o.err) fail(line, s.name + "() returned " + got + "; the script expects " + want_text);
        }
    }
    if (s.name == "getsockopt" && o.ret == 0 && s.args.size() > 3 && s.args[3].kind != Expr::Kind::Ellipsis) {
        const int64_t want = eval(s.args[3], line);
        if (want != o.optval)
            fail(line, "getsockopt gave " + std::to_string(o.optval) +
                           (int_arg(s, 2, line) == SO_ERROR && o.optval ? " (" + errno_name(int(o.optval)) + ")" : "") +
                           "; the script expects " + std::to_string(want));
    }
    if (s.name == "poll" && o.ret >= 0) {
        const std::vector<Expr>& entries = s.args[0].items;
        for (size_t i = 0; i < entries.size() && i < o.revents.size(); ++i) {
            const Expr* want = struct_field(entries[i], "revents");
            if (want && eval(*want, line) != o.revents[i])
                fail(line, "poll() revents for entry " + std::to_string(i) + " is " + std::to_string(o.revents[i]) +
                               "; the script expects " + std::to_string(eval(*want, line)));
        }
    }
}

}  // namespace ustack::script
