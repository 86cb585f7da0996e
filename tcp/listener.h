// A passive endpoint (RFC 9293 §3.10.1 passive OPEN, §3.10.7.2 LISTEN): its
// SYN-RECEIVED connections and the accept queue of established ones.
#pragma once

#include <cstddef>
#include <deque>
#include <memory>
#include <optional>
#include <vector>

#include "tcp/tcp_layer.h"

namespace ustack::tcp {

class ListenerImpl;

// What a listener needs from the table that owns it.
class ListenerHost {
public:
    virtual void remove_listener(ListenerImpl& listener) = 0;

protected:
    ~ListenerHost() = default;
};

class ListenerImpl final : public Listener {
public:
    // `backlog` bounds the accept queue; the SYN queue holds at most
    // min(backlog, max_syn_backlog) connections in SYN-RECEIVED (as Linux).
    ListenerImpl(ListenerHost* host, Endpoint local, size_t backlog, size_t max_syn_backlog);

    std::shared_ptr<Connection> accept() override;
    size_t ready() const override { return accept_queue_.size(); }
    Endpoint local() const override { return local_; }
    void set_observer(ListenerObserver* observer) override { observer_ = observer; }
    void close(Instant now) override;

    // ---- for the TcpLayer ----
    bool is_open() const { return host_ != nullptr; }
    void detach() { host_ = nullptr; }
    // No room for another connection in SYN-RECEIVED (a SYN cookie, or a drop).
    bool syn_queue_full() const { return syn_queue_.size() >= syn_limit_; }
    // `backlog` established connections wait for accept(): a new SYN, or an
    // ACK that would complete a handshake, is dropped (Linux: ListenOverflows).
    bool accept_queue_full() const { return accept_queue_.size() >= backlog_; }
    // Room for a new connection in SYN-RECEIVED right now.
    bool can_queue_syn() const { return !syn_queue_full() && !accept_queue_full(); }
    // A SYN found the SYN queue full at `now`: ACKs are checked for SYN cookies
    // only within kCookieMaxAge ticks of the last overflow (Linux's
    // tcp_synq_no_recent_overflow), so a cookie is not guessable at other times.
    void note_overflow(Instant now) { last_overflow_ = now; }
    std::optional<Instant> last_overflow() const { return last_overflow_; }
    void add_syn_received(std::shared_ptr<Connection> conn);
    // After an event on a connection of this listener's SYN queue: moves it to
    // the accept queue once synchronized, forgets it once closed. Returns true
    // when it became acceptable (the caller then calls notify_acceptable()).
    bool update(const std::shared_ptr<Connection>& conn);
    void notify_acceptable();
    size_t pending() const { return syn_queue_.size(); }

private:
    ListenerHost* host_;
    Endpoint local_;
    size_t backlog_;
    size_t syn_limit_;
    std::optional<Instant> last_overflow_;
    ListenerObserver* observer_ = nullptr;
    std::vector<std::shared_ptr<Connection>> syn_queue_;
    std::deque<std::shared_ptr<Connection>> accept_queue_;
};

}  // namespace ustack::tcp
