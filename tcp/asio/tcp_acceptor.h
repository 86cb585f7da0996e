// A passive OPEN (RFC 9293 §3.10.1, LISTEN) as an Asio-style acceptor:
// async_accept hands the next ESTABLISHED connection to a TcpStream.
#pragma once

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/async_result.hpp>

#include <cstddef>
#include <memory>

#include "stack/asio/event_loop.h"
#include "tcp/asio/tcp_stream.h"
#include "tcp/tcp_layer.h"

namespace ustack::net {

namespace detail {

class AcceptorCore final : public tcp::ListenerObserver, public std::enable_shared_from_this<AcceptorCore> {
public:
    AcceptorCore(EventLoop& loop, std::shared_ptr<tcp::Listener> listener);
    ~AcceptorCore() override;

    void start_accept(TcpStream& peer, StatusHandler handler);
    void close();
    EventLoop& loop() { return loop_; }
    tcp::Listener* listener() const { return listener_.get(); }

    void on_acceptable(tcp::Listener&) override { schedule(); }

private:
    void schedule();
    bool try_accept();

    EventLoop& loop_;
    std::shared_ptr<tcp::Listener> listener_;
    bool service_posted_ = false;
    TcpStream* peer_ = nullptr;
    PendingHandler<StatusHandler> accept_;
};

}  // namespace detail

class TcpAcceptor {
public:
    using executor_type = boost::asio::any_io_executor;

    // LISTEN on `local` (address 0.0.0.0 means the stack's address). Throws
    // boost::system::system_error (address_in_use) when the endpoint is taken.
    TcpAcceptor(EventLoop& loop, tcp::Endpoint local, std::size_t backlog = 128);
    // Stops listening (not-yet-accepted connections are reset).
    ~TcpAcceptor();
    TcpAcceptor(const TcpAcceptor&) = delete;
    TcpAcceptor& operator=(const TcpAcceptor&) = delete;

    executor_type get_executor() { return core_->loop().get_executor(); }

    // void(error_code): `peer` now owns the next established connection.
    // `peer` must stay alive until the completion runs.
    template <class Token>
    auto async_accept(TcpStream& peer, Token&& token) {
        return boost::asio::async_initiate<Token, void(detail::ErrorCode)>(
            [](auto handler, std::shared_ptr<detail::AcceptorCore> core, TcpStream* p) {
                core->start_accept(*p, detail::StatusHandler(std::move(handler)));
            },
            token, core_, &peer);
    }

    // Stops listening; a pending accept completes with operation_aborted.
    void close() { core_->close(); }
    bool is_open() const { return core_->listener() != nullptr; }
    tcp::Endpoint local_endpoint() const { return local_; }

private:
    std::shared_ptr<detail::AcceptorCore> core_;
    tcp::Endpoint local_;
};

}  // namespace ustack::net
