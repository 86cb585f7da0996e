// TcpStream: the RFC 9293 §3.10 user calls (OPEN, SEND, RECEIVE, CLOSE,
// ABORT) behind Asio's stream contract. Every completion is posted.
#include "tcp/asio/tcp_stream.h"

#include <boost/asio/append.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>

#include <algorithm>

#include "tcp/asio/error.h"

namespace ustack::net {

namespace asio = boost::asio;

namespace detail {

StreamCore::~StreamCore() {
    if (conn_) conn_->set_observer(nullptr);
}

// Completions go to the io_context's concrete executor: posting to an any_io_executor
// made Asio 1.81 convert it to the handler's any_completion_executor on the heap,
// twice per completed operation (tests/unit/asio_alloc_test.cc counts them).
void StreamCore::complete(PendingHandler<IoHandler>& h, ErrorCode ec, std::size_t n) {
    asio::post(loop_.io_executor(), asio::append(h.take(), ec, n));
}

void StreamCore::complete(PendingHandler<StatusHandler>& h, ErrorCode ec) {
    asio::post(loop_.io_executor(), asio::append(h.take(), ec));
}

void StreamCore::schedule() {
    if (service_posted_) return;
    service_posted_ = true;
    asio::post(loop_.get_executor(), [self = shared_from_this()] {
        self->service_posted_ = false;
        self->service();
    });
}

void StreamCore::service() {
    try_connect();
    try_read();
    try_write();
    try_wait_urgent();
    try_wait_error();
}

void StreamCore::start_connect(tcp::Endpoint remote, StatusHandler handler) {
    if (connect_ || conn_) {
        PendingHandler<StatusHandler> busy;
        busy.set(std::move(handler));
        complete(busy, conn_ ? asio::error::already_connected : asio::error::already_started);
        return;
    }
    tcp::TcpError err = tcp::TcpError::None;
    auto conn = loop_.stack().connect(local_, remote, loop_.now(), &err, ip_);
    connect_.set(std::move(handler));
    if (!conn) {
        complete(connect_, to_error_code(err == tcp::TcpError::None ? tcp::TcpError::InvalidArgument : err));
        return;
    }
    conn_ = std::move(conn);
    conn_->set_observer(this);
    if (congestion_) conn_->set_congestion(*congestion_);
    loop_.kick();  // the SYN goes out on the next flush
    schedule();
}

bool StreamCore::set_ip_settings(const tcp::IpSettings& ip) {
    if (conn_ && !conn_->set_ip_settings(ip)) return false;
    if (!conn_) {
        // Checked the same way a connection would check it, before keeping it.
        if (ip.options_len > tcp::MAX_IP_OPTIONS || ip.route.n > tcp::MAX_ROUTE_HOPS) return false;
        size_t route_len = ip.route.empty() ? 0 : 3 + 4 * size_t(ip.route.n);
        if ((size_t(ip.options_len) + route_len + 3) / 4 * 4 > tcp::MAX_IP_OPTIONS) return false;
    }
    ip_ = ip;
    return true;
}

bool StreamCore::try_connect() {
    if (!connect_) return false;
    if (!conn_) {
        complete(connect_, asio::error::operation_aborted);
        return true;
    }
    tcp::State s = conn_->state();
    if (tcp::is_synchronized(s)) {
        complete(connect_, {});
        return true;
    }
    if (conn_->error() != tcp::TcpError::None) {
        complete(connect_, to_error_code(conn_->error()));
        return true;
    }
    if (s == tcp::State::Closed) {
        complete(connect_, asio::error::connection_aborted);
        return true;
    }
    return false;  // SYN-SENT / SYN-RECEIVED: wait for on_status
}

void StreamCore::start_read(const MutableBuffers& buffers, IoHandler handler) {
    if (read_) {
        PendingHandler<IoHandler> busy;
        busy.set(std::move(handler));
        complete(busy, asio::error::already_started, 0);
        return;
    }
    read_.set(std::move(handler));
    read_buffers_ = buffers;
    if (buffers.total() == 0) {
        complete(read_, {}, 0);
        return;
    }
    try_read();  // if nothing is ready yet, on_readable/on_status will bring us back
}

bool StreamCore::try_read() {
    if (!read_) return false;
    if (!conn_) {
        complete(read_, asio::error::not_connected, 0);
        return true;
    }
    if (conn_->readable() > 0) {
        std::size_t n = 0;
        Instant now = loop_.now();
        for (std::size_t i = 0; i < read_buffers_.count; ++i) {
            auto& b = read_buffers_.items[i];
            std::size_t got = conn_->receive(std::span<uint8_t>(static_cast<uint8_t*>(b.data()), b.size()), now);
            n += got;
            if (got < b.size()) break;
        }
        loop_.kick();  // a window update may be due
        complete(read_, {}, n);
        return true;
    }
    if (conn_->eof()) {
        complete(read_, asio::error::eof, 0);
        return true;
    }
    if (conn_->error() != tcp::TcpError::None) {
        complete(read_, to_error_code(conn_->error()), 0);
        return true;
    }
    if (conn_->state() == tcp::State::Closed) {
        complete(read_, asio::error::eof, 0);
        return true;
    }
    return false;
}

void StreamCore::start_write(const ConstBuffers& buffers, IoHandler handler, bool urgent) {
    if (write_) {
        PendingHandler<IoHandler> busy;
        busy.set(std::move(handler));
        complete(busy, asio::error::already_started, 0);
        return;
    }
    write_.set(std::move(handler));
    write_buffers_ = buffers;
    write_urgent_ = urgent;
    if (buffers.total() == 0) {
        complete(write_, {}, 0);
        return;
    }
    try_write();
}

bool StreamCore::try_write() {
    if (!write_) return false;
    if (!conn_) {
        complete(write_, asio::error::not_connected, 0);
        return true;
    }
    std::size_t n = 0;
    Instant now = loop_.now();
    for (std::size_t i = 0; i < write_buffers_.count; ++i) {
        auto& b = write_buffers_.items[i];
        std::span<const uint8_t> bytes(static_cast<const uint8_t*>(b.data()), b.size());
        std::size_t took = write_urgent_ ? conn_->send_urgent(bytes, now) : conn_->send(bytes, now);
        n += took;
        if (took < b.size()) break;
    }
    if (n > 0) {
        loop_.kick();
        complete(write_, {}, n);
        return true;
    }
    if (conn_->error() != tcp::TcpError::None) {
        complete(write_, to_error_code(conn_->error()), 0);
        return true;
    }
    tcp::State s = conn_->state();
    bool may_send_later = tcp::can_send_data(s) || s == tcp::State::SynSent || s == tcp::State::SynReceived;
    if (!may_send_later) {
        complete(write_, asio::error::broken_pipe, 0);
        return true;
    }
    return false;  // buffer full: wait for on_writable
}

bool StreamCore::park(PendingHandler<StatusHandler>& slot, StatusHandler handler) {
    if (slot) {
        PendingHandler<StatusHandler> busy;
        busy.set(std::move(handler));
        complete(busy, asio::error::already_started);
        return false;
    }
    slot.set(std::move(handler));
    return true;
}

void StreamCore::start_wait_urgent(StatusHandler handler) {
    if (park(urgent_, std::move(handler))) try_wait_urgent();  // otherwise on_urgent/on_status bring us back
}

bool StreamCore::try_wait_urgent() {
    if (!urgent_) return false;
    if (!conn_) {
        complete(urgent_, asio::error::not_connected);
        return true;
    }
    if (conn_->urgent_remaining() > 0) {
        complete(urgent_, {});
        return true;
    }
    if (conn_->error() != tcp::TcpError::None) {
        complete(urgent_, to_error_code(conn_->error()));
        return true;
    }
    // The peer's FIN came: no urgent data can follow (§3.10.7.4 sixth step).
    tcp::State st = conn_->state();
    if (st == tcp::State::Closed || (tcp::is_synchronized(st) && !tcp::can_receive_data(st))) {
        complete(urgent_, asio::error::eof);
        return true;
    }
    return false;
}

// §3.9.1.8: a soft error not seen before is a report; the core signals none
// while reports are off, and a later event (a state change) must not carry
// one either. It is news again once ACK progress has cleared it.
void StreamCore::note_soft_error(tcp::Connection& c) {
    tcp::TcpError soft = c.soft_error();
    if (soft == reported_soft_error_) return;
    reported_soft_error_ = soft;
    if (soft != tcp::TcpError::None && c.error_reports()) error_report_ = to_error_code(soft);
}

void StreamCore::on_negative_advice(tcp::Connection& c, uint32_t) {
    if (c.error_reports()) error_report_ = asio::error::timed_out;  // the path may be broken (§3.8.3)
    schedule();
}

void StreamCore::start_wait_error(StatusHandler handler) {
    if (park(error_wait_, std::move(handler))) try_wait_error();  // otherwise on_status/on_negative_advice bring us back
}

bool StreamCore::try_wait_error() {
    if (!error_wait_) return false;
    if (!conn_) {
        complete(error_wait_, asio::error::not_connected);
        return true;
    }
    if (error_report_) {
        ErrorCode ec = error_report_;
        error_report_ = {};
        complete(error_wait_, ec);
        return true;
    }
    if (conn_->error() != tcp::TcpError::None) {
        complete(error_wait_, to_error_code(conn_->error()));
        return true;
    }
    if (conn_->state() == tcp::State::Closed) {
        complete(error_wait_, asio::error::eof);
        return true;
    }
    return false;
}

void StreamCore::assign(std::shared_ptr<tcp::Connection> conn) {
    if (conn_) release(false);
    conn_ = std::move(conn);
    if (conn_) conn_->set_observer(this);
    if (conn_ && congestion_) conn_->set_congestion(*congestion_);
    schedule();
}

void StreamCore::set_congestion(tcp::CongestionAlgorithm algo) {
    congestion_ = algo;
    if (conn_) conn_->set_congestion(algo);
}

void StreamCore::shutdown_send() {
    if (!conn_) return;
    conn_->close(loop_.now(), tcp::CloseMode::Send);  // half-close: reading goes on
    loop_.kick();
    schedule();  // a pending write now fails with broken_pipe
}

void StreamCore::fail_pending(ErrorCode ec) {
    if (connect_) complete(connect_, ec);
    if (read_) complete(read_, ec, 0);
    if (write_) complete(write_, ec, 0);
    if (urgent_) complete(urgent_, ec);
    if (error_wait_) complete(error_wait_, ec);
}

void StreamCore::release(bool abort_connection) {
    if (!conn_) return;
    conn_->set_observer(nullptr);
    Instant now = loop_.now();
    // The stream lets go of the connection: a full close (the core sends a
    // RST for unread or later data, and bounds the orphan's FIN-WAIT-2).
    if (abort_connection) conn_->abort(now);
    else conn_->close(now, tcp::CloseMode::Full);
    conn_.reset();
    loop_.kick();
}

void StreamCore::close() {
    // A full close (CloseMode::Full): with unread data, or data arriving
    // later, the core says with a RST that it was lost (RFC 9293 §3.6.1,
    // SHLD-3), as Linux does. shutdown_send() is the half-close that keeps reading.
    release(false);
    fail_pending(asio::error::operation_aborted);
}

void StreamCore::abort() {
    release(true);
    fail_pending(asio::error::operation_aborted);
}

}  // namespace detail

bool TcpStream::set_keep_alive(bool on) {
    tcp::Connection* c = connection();
    if (!c) return false;
    return set_keep_alive(on, c->keepalive_config());
}

bool TcpStream::set_keep_alive(bool on, const tcp::KeepAliveConfig& config) {
    tcp::Connection* c = connection();
    if (!c) return false;
    c->set_keepalive_config(config);
    c->set_keepalive(on, core_->loop().now());
    core_->loop().kick();  // the earliest deadline may have moved
    return true;
}

bool TcpStream::set_user_timeout(Duration timeout) {
    tcp::Connection* c = connection();
    if (!c) return false;
    c->set_user_timeout(timeout);
    return true;
}

std::size_t TcpStream::flush() {
    tcp::Connection* c = connection();
    if (!c) return 0;
    std::size_t dropped = c->flush(core_->loop().now());
    core_->loop().kick();  // a queued FIN may have become due
    return dropped;
}

bool TcpStream::set_cork(bool on) {
    tcp::Connection* c = connection();
    if (!c) return false;
    c->set_cork(on, core_->loop().now());
    core_->loop().kick();  // uncorking may have sent, and the ceiling is a new deadline
    return true;
}

bool TcpStream::set_error_reports(bool on) {
    tcp::Connection* c = connection();
    if (!c) return false;
    c->set_error_reports(on);
    return true;
}

TcpStream::~TcpStream() {
    if (core_) core_->close();
}

TcpStream& TcpStream::operator=(TcpStream&& other) noexcept {
    if (this != &other) {
        if (core_) core_->close();
        core_ = std::move(other.core_);
    }
    return *this;
}

void TcpStream::set_tos(uint8_t tos) {
    tcp::IpSettings ip = core_->ip_settings();
    ip.tos = tos;
    core_->set_ip_settings(ip);
}

bool TcpStream::set_ip_options(std::span<const uint8_t> options) {
    if (options.size() > tcp::MAX_IP_OPTIONS) return false;
    tcp::IpSettings ip = core_->ip_settings();
    std::copy(options.begin(), options.end(), ip.options.begin());
    ip.options_len = uint8_t(options.size());
    return core_->set_ip_settings(ip);
}

bool TcpStream::set_source_route(std::span<const wire::Ipv4Address> hops, bool strict) {
    if (hops.size() > tcp::MAX_ROUTE_HOPS) return false;
    tcp::IpSettings ip = core_->ip_settings();
    ip.route = tcp::SourceRoute{};
    std::copy(hops.begin(), hops.end(), ip.route.hops.begin());
    ip.route.n = uint8_t(hops.size());
    ip.route.strict = strict;
    return core_->set_ip_settings(ip);
}

tcp::Endpoint TcpStream::local_endpoint() const {
    auto* c = core_ ? core_->connection() : nullptr;
    return c ? c->tuple().local : tcp::Endpoint{};
}

tcp::Endpoint TcpStream::remote_endpoint() const {
    auto* c = core_ ? core_->connection() : nullptr;
    return c ? c->tuple().remote : tcp::Endpoint{};
}

}  // namespace ustack::net
