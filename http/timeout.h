// RFC 9110 §15.5.9 (408 Request Timeout) and RFC 9112 §9.5 (closing idle connections): a deadline that
// ends a stalled read on any Asio stream by closing it, optionally after writing a 408 response.
#pragma once

#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/system/error_code.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <utility>

namespace ustack::http {

// Customization point: close both directions so a pending read completes. stream.close(ec) (Asio
// sockets), else stream.close() (ustack TcpStream, Beast tcp_stream, beast::test::stream), else
// stream.socket().close(ec).
template <class Stream>
void close_stream(Stream& stream) {
    if constexpr (requires(boost::system::error_code& ec) { stream.close(ec); }) {
        boost::system::error_code ec;
        stream.close(ec);
    } else if constexpr (requires { stream.close(); }) {
        stream.close();
    } else if constexpr (requires(boost::system::error_code& ec) { stream.socket().close(ec); }) {
        boost::system::error_code ec;
        stream.socket().close(ec);
    }
}

namespace detail {

// One timer per connection, armed around each read. Not every stream honours per-operation
// cancellation (beast::test::stream and ustack's TcpStream do not), so expiry closes the stream: the
// pending read then completes with an error and the coroutine sees fired(). When a final response is
// given, it is written first (a read and a write may be outstanding at once on a full-duplex stream).
// Stream must outlive the Watchdog; the coroutine waits for done() before returning when writing().
template <class Stream>
class Watchdog {
public:
    explicit Watchdog(Stream& stream) : s_(std::make_shared<State>(stream)) {}
    Watchdog(const Watchdog&) = delete;
    Watchdog& operator=(const Watchdog&) = delete;
    ~Watchdog() {
        s_->armed = false;
        s_->timer.cancel();
    }

    // At `deadline`: write `final_response` when not empty, then half-close and close the stream.
    template <class HalfClose>
    void arm(std::chrono::steady_clock::time_point deadline, std::string final_response, HalfClose half) {
        s_->armed = true;
        s_->reply = std::move(final_response);
        s_->timer.expires_at(deadline);
        std::weak_ptr<State> weak = s_;
        s_->timer.async_wait([weak, half](boost::system::error_code ec) {
            auto s = weak.lock();
            if (ec || !s || !s->armed) return;  // cancelled, or the read won the race
            s->armed = false;
            s->fired = true;
            if (s->reply.empty()) {
                close_stream(s->stream);
                return;
            }
            s->writing = true;
            boost::asio::async_write(s->stream, boost::asio::buffer(s->reply),
                                     [s, half](boost::system::error_code, size_t) {
                                         half(s->stream);
                                         close_stream(s->stream);
                                         s->writing = false;
                                         s->done.cancel();
                                     });
        });
    }
    void disarm() {
        s_->armed = false;
        s_->timer.cancel();
    }
    bool fired() const { return s_->fired; }
    bool writing() const { return s_->writing; }
    // Completes (operation_aborted) when the final response has been written and the stream closed.
    boost::asio::steady_timer& done() { return s_->done; }

private:
    struct State {
        explicit State(Stream& st)
            : stream(st), timer(st.get_executor()), done(st.get_executor(), std::chrono::steady_clock::time_point::max()) {}
        Stream& stream;
        boost::asio::steady_timer timer;
        boost::asio::steady_timer done;
        std::string reply;
        bool armed = false;
        bool fired = false;
        bool writing = false;
    };
    std::shared_ptr<State> s_;
};

}  // namespace detail
}  // namespace ustack::http
