// Socket API constants and errno numbers (Linux x86-64 values).
#include "tools/script/symbols.h"

#include <array>
#include <utility>

namespace ustack::script {

namespace {

struct Named {
    std::string_view name;
    int64_t value;
};

constexpr std::array kErrnos{
    Named{"EPERM", 1},         Named{"ENOENT", 2},         Named{"EINTR", 4},          Named{"EBADF", 9},
    Named{"EAGAIN", 11},       Named{"EWOULDBLOCK", 11},   Named{"ENOMEM", 12},        Named{"EFAULT", 14},
    Named{"EINVAL", 22},       Named{"EPIPE", 32},         Named{"ENOTSOCK", 88},      Named{"ENOPROTOOPT", 92},
    Named{"EPROTONOSUPPORT", 93}, Named{"EOPNOTSUPP", 95}, Named{"EAFNOSUPPORT", 97},  Named{"EADDRINUSE", 98},
    Named{"EADDRNOTAVAIL", 99}, Named{"ENETUNREACH", 101}, Named{"ECONNABORTED", 103}, Named{"ECONNRESET", 104},
    Named{"EISCONN", 106},     Named{"ENOTCONN", 107},     Named{"ETIMEDOUT", 110},    Named{"ECONNREFUSED", 111},
    Named{"EHOSTUNREACH", 113}, Named{"EALREADY", 114},    Named{"EINPROGRESS", 115},
};

constexpr std::array kSymbols{
    Named{"AF_INET", 2},        Named{"AF_INET6", 10},      Named{"PF_INET", 2},        Named{"SOCK_STREAM", 1},
    Named{"SOCK_DGRAM", 2},     Named{"SOCK_NONBLOCK", 0x800}, Named{"IPPROTO_IP", 0},  Named{"IPPROTO_TCP", 6},
    Named{"SOL_SOCKET", 1},     Named{"SOL_TCP", 6},        Named{"SO_REUSEADDR", 2},   Named{"SO_ERROR", 4},
    Named{"SO_SNDBUF", 7},      Named{"SO_RCVBUF", 8},      Named{"SO_KEEPALIVE", 9},   Named{"SO_LINGER", 13},
    Named{"SO_REUSEPORT", 15},  Named{"TCP_NODELAY", 1},    Named{"TCP_MAXSEG", 2},     Named{"TCP_CONGESTION", 13}, Named{"F_GETFL", 3},
    Named{"TCP_KEEPIDLE", 4},   Named{"TCP_KEEPINTVL", 5},  Named{"TCP_KEEPCNT", 6},    Named{"TCP_USER_TIMEOUT", 18},
    Named{"F_SETFL", 4},        Named{"O_RDONLY", 0},       Named{"O_WRONLY", 1},       Named{"O_RDWR", 2},
    Named{"O_NONBLOCK", 0x800}, Named{"SHUT_RD", 0},        Named{"SHUT_WR", 1},        Named{"SHUT_RDWR", 2},
    Named{"POLLIN", 0x1},       Named{"POLLPRI", 0x2},      Named{"POLLOUT", 0x4},      Named{"POLLERR", 0x8},
    Named{"POLLHUP", 0x10},     Named{"POLLNVAL", 0x20},    Named{"POLLRDNORM", 0x40},  Named{"POLLWRNORM", 0x100},
    Named{"POLLRDHUP", 0x2000}, Named{"MSG_PEEK", 0x2},     Named{"MSG_DONTWAIT", 0x40}, Named{"MSG_NOSIGNAL", 0x4000},
    Named{"MSG_OOB", 0x1},      Named{"SO_OOBINLINE", 10},  Named{"MSG_MORE", 0x8000},  Named{"TCP_CORK", 3},
};

}  // namespace

std::optional<int64_t> symbol_value(std::string_view name) {
    for (const Named& s : kSymbols) {
        if (s.name == name) return s.value;
    }
    if (auto e = errno_number(name)) return *e;
    return std::nullopt;
}

std::optional<int> errno_number(std::string_view name) {
    for (const Named& e : kErrnos) {
        if (e.name == name) return int(e.value);
    }
    return std::nullopt;
}

std::string errno_name(int number) {
    for (const Named& e : kErrnos) {
        if (e.value == number) return std::string(e.name);
    }
    return "errno " + std::to_string(number);
}

int errno_of(tcp::TcpError e) {
    switch (e) {
    case tcp::TcpError::None: return 0;
    case tcp::TcpError::ConnectionRefused: return 111;
    case tcp::TcpError::ConnectionReset: return 104;
    case tcp::TcpError::TimedOut: return 110;
    case tcp::TcpError::ConnectionAborted: return 103;
    case tcp::TcpError::ConnectionClosing: return 32;
    case tcp::TcpError::AddressInUse: return 98;
    case tcp::TcpError::InvalidArgument: return 22;
    case tcp::TcpError::NoPortsAvailable: return 99;
    case tcp::TcpError::AddressNotAvailable: return 99;   // EADDRNOTAVAIL
    case tcp::TcpError::NetworkUnreachable: return 101;   // ENETUNREACH
    case tcp::TcpError::HostUnreachable: return 113;      // EHOSTUNREACH
    case tcp::TcpError::ProtocolUnreachable: return 92;   // ENOPROTOOPT
    case tcp::TcpError::ParameterProblem: return 71;      // EPROTO
    case tcp::TcpError::NoBuffers: return 105;            // ENOBUFS
    }
    return 22;
}

std::optional<int64_t> eval_int(const Expr& e, std::string* error) {
    switch (e.kind) {
    case Expr::Kind::Int: return e.num;
    case Expr::Kind::Word:
        if (auto v = symbol_value(e.text)) return v;
        *error = "unknown symbol " + e.text + " (not supported by ustack script)";
        return std::nullopt;
    case Expr::Kind::Or: {
        int64_t v = 0;
        for (const Expr& i : e.items) {
            auto item = eval_int(i, error);
            if (!item) return std::nullopt;
            v |= *item;
        }
        return v;
    }
    case Expr::Kind::List:
        if (e.items.size() == 1) return eval_int(e.items[0], error);
        break;
    case Expr::Kind::Call:
        if (e.text == "htons" && e.items.size() == 1) return eval_int(e.items[0], error);
        break;
    default: break;
    }
    *error = "expected an integer value here";
    return std::nullopt;
}

}  // namespace ustack::script
