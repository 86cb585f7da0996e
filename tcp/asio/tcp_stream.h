// A TCP connection as an Asio AsyncReadStream/AsyncWriteStream (so Beast and
// asio::async_read/async_write work on it). Completion tokens go through
// asio::async_initiate: callbacks, use_future, use_awaitable and deferred.
// Completions are always posted, never run inside the initiating call or
// inside a callback from the TCP core.
#pragma once

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/socket_base.hpp>
#include <boost/system/error_code.hpp>

#include <array>
#include <cstddef>
#include <memory>
#include <optional>
#include <span>

#include "stack/asio/event_loop.h"
#include "tcp/connection.h"
#include "tcp/four_tuple.h"
#include "tcp/observer.h"

namespace ustack::net {

namespace detail {

using ErrorCode = boost::system::error_code;
using IoHandler = boost::asio::any_completion_handler<void(ErrorCode, std::size_t)>;
using StatusHandler = boost::asio::any_completion_handler<void(ErrorCode)>;

// A slot for one pending completion handler. Boost 1.81's
// any_completion_handler move-assignment recurses forever (fixed in 1.82),
// so handlers are only ever move-constructed, into and out of this slot.
template <class Handler>
class PendingHandler {
public:
    explicit operator bool() const { return h_.has_value() && bool(*h_); }
    void set(Handler&& h) { h_.emplace(std::move(h)); }
    Handler take() {
        Handler h(std::move(*h_));
        h_.reset();
        return h;
    }

private:
    std::optional<Handler> h_;
};

// The first buffers of a sequence, copied so a pending operation can keep
// them without allocating. A read_some/write_some may use fewer than all.
template <class Buffer>
struct BufferList {
    static constexpr std::size_t MAX = 16;
    std::array<Buffer, MAX> items{};
    std::size_t count = 0;
    std::size_t total() const {
        std::size_t t = 0;
        for (std::size_t i = 0; i < count; ++i) t += items[i].size();
        return t;
    }
    template <class Sequence>
    static BufferList collect(const Sequence& seq) {
        BufferList out;
        auto it = boost::asio::buffer_sequence_begin(seq);
        auto end = boost::asio::buffer_sequence_end(seq);
        for (; it != end && out.count < MAX; ++it) {
            Buffer b(*it);
            if (b.size() != 0) out.items[out.count++] = b;
        }
        return out;
    }
};
using MutableBuffers = BufferList<boost::asio::mutable_buffer>;
using ConstBuffers = BufferList<boost::asio::const_buffer>;

// The state behind a TcpStream, shared with posted work so that work never
// outlives it. It observes the connection and completes pending operations.
class StreamCore final : public tcp::ConnectionObserver, public std::enable_shared_from_this<StreamCore> {
public:
    explicit StreamCore(EventLoop& loop) : loop_(loop) {}
    ~StreamCore() override;

    void start_connect(tcp::Endpoint remote, StatusHandler handler);
    void start_read(const MutableBuffers& buffers, IoHandler handler);
    void start_write(const ConstBuffers& buffers, IoHandler handler, bool urgent = false);
    void start_wait_urgent(StatusHandler handler);
    void start_wait_error(StatusHandler handler);

    void assign(std::shared_ptr<tcp::Connection> conn);
    void shutdown_send();
    void close();
    void abort();

    EventLoop& loop() { return loop_; }
    tcp::Connection* connection() const { return conn_.get(); }
    // TCP_CONGESTION for this stream: now if connected, else on connect/assign.
    void set_congestion(tcp::CongestionAlgorithm algo);

    // IP-level choices (RFC 9293 MUST-43, MUST-48, MUST-51): kept for the
    // next OPEN and applied at once to an open connection.
    bool set_ip_settings(const tcp::IpSettings& ip);
    const tcp::IpSettings& ip_settings() const { return ip_; }
    void set_local_address(wire::Ipv4Address a) { local_ = a; }

    // ConnectionObserver: defer the work to the executor (never inline).
    void on_readable(tcp::Connection&) override { schedule(); }
    void on_writable(tcp::Connection& c) override {
        note_soft_error(c);  // ACK progress clears it: the next one is news again
        schedule();
    }
    void on_status(tcp::Connection& c) override {
        note_soft_error(c);
        schedule();
    }
    void on_urgent(tcp::Connection&) override { schedule(); }
    void on_negative_advice(tcp::Connection&, uint32_t) override;

private:
    void schedule();
    void service();
    bool try_connect();
    bool try_read();
    bool try_write();
    bool try_wait_urgent();
    bool try_wait_error();
    void note_soft_error(tcp::Connection& c);
    void release(bool abort_connection);
    void fail_pending(ErrorCode ec);
    void complete(PendingHandler<IoHandler>& h, ErrorCode ec, std::size_t n);
    void complete(PendingHandler<StatusHandler>& h, ErrorCode ec);
    // Keeps `handler` in `slot`; false (completed with already_started) when one waits there.
    bool park(PendingHandler<StatusHandler>& slot, StatusHandler handler);

    EventLoop& loop_;
    std::shared_ptr<tcp::Connection> conn_;
    std::optional<tcp::CongestionAlgorithm> congestion_;
    bool service_posted_ = false;
    PendingHandler<StatusHandler> connect_;
    PendingHandler<IoHandler> read_;
    MutableBuffers read_buffers_;
    PendingHandler<IoHandler> write_;
    ConstBuffers write_buffers_;
    bool write_urgent_ = false;
    PendingHandler<StatusHandler> urgent_;
    PendingHandler<StatusHandler> error_wait_;
    ErrorCode error_report_;                                 // not yet delivered (SHLD-20)
    tcp::TcpError reported_soft_error_ = tcp::TcpError::None;  // the last soft error seen
    tcp::IpSettings ip_;
    std::optional<wire::Ipv4Address> local_;
};

}  // namespace detail

class TcpStream {
public:
    using executor_type = boost::asio::any_io_executor;

    explicit TcpStream(EventLoop& loop) : core_(std::make_shared<detail::StreamCore>(loop)) {}
    // Closes if still open: CLOSE (FIN), or RST when received data was never read (SHLD-3);
    // pending operations complete with operation_aborted.
    ~TcpStream();
    TcpStream(TcpStream&&) noexcept = default;
    TcpStream& operator=(TcpStream&& other) noexcept;
    TcpStream(const TcpStream&) = delete;
    TcpStream& operator=(const TcpStream&) = delete;

    executor_type get_executor() { return core_->loop().get_executor(); }

    // Active OPEN (RFC 9293 §3.10.1) from the stack's address to `remote`:
    // void(error_code) once ESTABLISHED, or connection_refused (RST), timed_out.
    template <class Token>
    auto async_connect(tcp::Endpoint remote, Token&& token) {
        return boost::asio::async_initiate<Token, void(detail::ErrorCode)>(
            [](auto handler, std::shared_ptr<detail::StreamCore> core, tcp::Endpoint r) {
                core->start_connect(r, detail::StatusHandler(std::move(handler)));
            },
            token, core_, remote);
    }

    // RECEIVE (§3.10.3): void(error_code, bytes). At least one byte, or
    // asio::error::eof once the peer's FIN arrived and everything was read.
    // Zero-size buffers complete at once with 0.
    template <class MutableBufferSequence, class Token>
    auto async_read_some(const MutableBufferSequence& buffers, Token&& token) {
        return boost::asio::async_initiate<Token, void(detail::ErrorCode, std::size_t)>(
            [](auto handler, std::shared_ptr<detail::StreamCore> core, detail::MutableBuffers b) {
                core->start_read(b, detail::IoHandler(std::move(handler)));
            },
            token, core_, detail::MutableBuffers::collect(buffers));
    }

    // SEND (§3.10.2): void(error_code, bytes the send buffer took), waiting
    // for space when the buffer is full. broken_pipe after shutdown_send().
    template <class ConstBufferSequence, class Token>
    auto async_write_some(const ConstBufferSequence& buffers, Token&& token) {
        return boost::asio::async_initiate<Token, void(detail::ErrorCode, std::size_t)>(
            [](auto handler, std::shared_ptr<detail::StreamCore> core, detail::ConstBuffers b) {
                core->start_write(b, detail::IoHandler(std::move(handler)));
            },
            token, core_, detail::ConstBuffers::collect(buffers));
    }

    // SEND with the URGENT flag (§3.8.5): like async_write_some, and the
    // octets taken end the urgent data (SND.UP just past them, RFC 6093). The
    // peer reads them inline; they are not held back by Nagle.
    template <class ConstBufferSequence, class Token>
    auto async_write_some_urgent(const ConstBufferSequence& buffers, Token&& token) {
        return boost::asio::async_initiate<Token, void(detail::ErrorCode, std::size_t)>(
            [](auto handler, std::shared_ptr<detail::StreamCore> core, detail::ConstBuffers b) {
                core->start_write(b, detail::IoHandler(std::move(handler)), true);
            },
            token, core_, detail::ConstBuffers::collect(buffers));
    }

    // Urgent data notice (§3.8.5, MUST-32): void(error_code) as soon as the
    // peer's urgent pointer is ahead of what was read (urgent_remaining() > 0),
    // at once if it already is; eof or the connection's error when it ends first.
    template <class Token>
    auto async_wait_urgent(Token&& token) {
        return boost::asio::async_initiate<Token, void(detail::ErrorCode)>(
            [](auto handler, std::shared_ptr<detail::StreamCore> core) {
                core->start_wait_urgent(detail::StatusHandler(std::move(handler)));
            },
            token, core_);
    }
    // Urgent octets still to be read (MUST-33); reads stop at the mark, so
    // reading this many returns exactly the urgent data (it stays inline).
    std::size_t urgent_remaining() const {
        auto* c = core_ ? core_->connection() : nullptr;
        return c ? c->urgent_remaining() : 0;
    }
    // The next octet to read is the first after the urgent data (sockatmark()).
    bool at_urgent_mark() const {
        auto* c = core_ ? core_->connection() : nullptr;
        return c && c->at_urgent_mark();
    }

    // PUSH (§3.9.1.3, MAY-17): how many of the readable octets lead up to the
    // end of the last segment the peer sent with PSH; 0 when none is pending.
    std::size_t pushed_readable() const {
        auto* c = core_ ? core_->connection() : nullptr;
        return c ? c->pushed_readable() : 0;
    }
    // FLUSH (§3.9.1.7, MAY-14): forgets what writes queued that was never
    // sent; data in flight and a queued FIN stay. Returns the octets dropped.
    std::size_t flush();
    // The asynchronous error report (§3.9.1.8): void(error_code) at the next
    // soft error (an ICMP error: host_unreachable, network_unreachable, ...;
    // the connection goes on) or negative advice (R1 retransmissions of one
    // segment: timed_out); at once if one came since the last wait; the
    // connection's error or eof when it ends first. A report nobody waits for
    // is kept (the latest only), like SO_ERROR.
    template <class Token>
    auto async_wait_error(Token&& token) {
        return boost::asio::async_initiate<Token, void(detail::ErrorCode)>(
            [](auto handler, std::shared_ptr<detail::StreamCore> core) {
                core->start_wait_error(detail::StatusHandler(std::move(handler)));
            },
            token, core_);
    }
    // SHLD-20: false turns those reports off (on by default); the soft error
    // is still recorded and still becomes the error if the connection times
    // out. False when the stream holds no connection.
    bool set_error_reports(bool on);
    // Cork (§3.9.1.2, MAY-15), like TCP_CORK: while on, writes shorter than
    // the MSS are combined, held until uncorked, close or 200 ms (full
    // segments still go); off sends what is held. False when no connection.
    bool set_cork(bool on);

    // Takes over a connection (from a listener's accept queue).
    void assign(std::shared_ptr<tcp::Connection> conn) { core_->assign(std::move(conn)); }
    // CLOSE (§3.10.4) for our direction only: FIN after queued data; reading goes on.
    void shutdown_send() { core_->shutdown_send(); }
    // As an Asio socket's shutdown(): shutdown_send is the half-close above;
    // the receive side has no ustack equivalent (operation_not_supported;
    // shutdown_both still half-closes the send side).
    void shutdown(boost::asio::socket_base::shutdown_type what, boost::system::error_code& ec) {
        ec = {};
        if (what != boost::asio::socket_base::shutdown_receive) shutdown_send();
        if (what != boost::asio::socket_base::shutdown_send) ec = boost::asio::error::operation_not_supported;
    }
    // Full close, like a socket's close(): let go for good. Unread data, or
    // data the peer sends later, gets a RST (SHLD-3, tcp::CloseMode::Full);
    // the connection finishes as an orphan. Pending ops -> operation_aborted.
    void close() { core_->close(); }
    // ABORT (§3.10.5): RST; pending ops -> operation_aborted.
    void abort() { core_->abort(); }

    // The Diffserv/TOS byte of outgoing datagrams (MUST-48), like IP_TOS;
    // takes effect for the SYN when set before async_connect.
    void set_tos(uint8_t tos);
    // Raw IP options for outgoing datagrams (MUST-51), like IP_OPTIONS;
    // false when longer than 40 bytes or holding a source route.
    bool set_ip_options(std::span<const uint8_t> options);
    // A source route (first hop first) for outgoing datagrams (MUST-51); it
    // takes precedence over a route received from the peer (MUST-52).
    bool set_source_route(std::span<const wire::Ipv4Address> hops, bool strict = false);
    // The local address async_connect opens from (MUST-43); it must be the
    // stack's (address_not_available otherwise). Default: the stack's (MUST-44).
    void set_local_address(wire::Ipv4Address addr) { core_->set_local_address(addr); }

    // Keep-alive (RFC 9293 §3.8.4), like SO_KEEPALIVE with TCP_KEEPIDLE,
    // TCP_KEEPINTVL and TCP_KEEPCNT: off by default; when the peer answers
    // none of `count` probes, pending operations complete with timed_out.
    // False when the stream holds no connection.
    bool set_keep_alive(bool on);
    bool set_keep_alive(bool on, const tcp::KeepAliveConfig& config);
    // User timeout (§3.9.1, RFC 5482; like TCP_USER_TIMEOUT): unacknowledged
    // data older than `timeout` fails the connection with timed_out; zero = R2.
    bool set_user_timeout(Duration timeout);

    bool is_open() const { return core_ && core_->connection() != nullptr; }
    tcp::Endpoint local_endpoint() const;
    tcp::Endpoint remote_endpoint() const;
    tcp::Connection* connection() { return core_ ? core_->connection() : nullptr; }
    // Congestion control of this stream's connection, like Linux's
    // TCP_CONGESTION: Reno (RFC 5681) or CUBIC (RFC 9438, the stack's default).
    // Before async_connect/assign it applies to the connection made then.
    void set_congestion(tcp::CongestionAlgorithm algo) { core_->set_congestion(algo); }

private:
    std::shared_ptr<detail::StreamCore> core_;
};

}  // namespace ustack::net
