// TcpAcceptor: LISTEN plus an accept queue consumer; completions are posted.
#include "tcp/asio/tcp_acceptor.h"

#include <boost/asio/append.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>
#include <boost/system/system_error.hpp>

#include "tcp/asio/error.h"

namespace ustack::net {

namespace asio = boost::asio;

namespace detail {

AcceptorCore::AcceptorCore(EventLoop& loop, std::shared_ptr<tcp::Listener> listener)
    : loop_(loop), listener_(std::move(listener)) {}

AcceptorCore::~AcceptorCore() {
    if (listener_) listener_->set_observer(nullptr);
}

void AcceptorCore::schedule() {
    if (service_posted_) return;
    service_posted_ = true;
    asio::post(loop_.get_executor(), [self = shared_from_this()] {
        self->service_posted_ = false;
        self->try_accept();
    });
}

void AcceptorCore::start_accept(TcpStream& peer, StatusHandler handler) {
    if (accept_) {
        asio::post(loop_.get_executor(), asio::append(std::move(handler), asio::error::already_started));
        return;
    }
    peer_ = &peer;
    accept_.set(std::move(handler));
    try_accept();
}

bool AcceptorCore::try_accept() {
    if (!accept_) return false;
    ErrorCode ec;
    if (!listener_) {
        ec = asio::error::operation_aborted;
    } else if (auto conn = listener_->accept()) {
        peer_->assign(std::move(conn));
    } else {
        return false;  // wait for on_acceptable
    }
    peer_ = nullptr;
    asio::post(loop_.get_executor(), asio::append(accept_.take(), ec));
    return true;
}

void AcceptorCore::close() {
    if (listener_) {
        listener_->set_observer(nullptr);
        listener_->close(loop_.now());
        listener_.reset();
        loop_.kick();
    }
    try_accept();  // a pending accept completes with operation_aborted
}

}  // namespace detail

TcpAcceptor::TcpAcceptor(EventLoop& loop, tcp::Endpoint local, std::size_t backlog) : local_(local) {
    tcp::TcpError err = tcp::TcpError::None;
    auto listener = loop.stack().tcp().listen(local, backlog, &err);
    if (!listener)
        throw boost::system::system_error(
            to_error_code(err == tcp::TcpError::None ? tcp::TcpError::AddressInUse : err),
            "listen on " + local.to_string());
    local_ = listener->local();
    core_ = std::make_shared<detail::AcceptorCore>(loop, listener);
    listener->set_observer(core_.get());
}

TcpAcceptor::~TcpAcceptor() { core_->close(); }

}  // namespace ustack::net
