// A passive endpoint (RFC 9293 §3.10.1 passive OPEN, §3.10.7.2 LISTEN): its
// SYN-RECEIVED connections and the accept queue of established ones.
#pragma once

#include <cstddef>
#include <deque>
#include <memory>
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
    ListenerImpl(ListenerHost* host, Endpoint local, size_t backlog);

    std::shared_ptr<Connection> accept() override;
    size_t ready() const override { return accept_queue_.size(); }
    Endpoint local() const override { return local_; }
    void set_observer(ListenerObserver* observer) override { observer_ = observer; }
    void close(Instant now) override;

    // ---- for the TcpLayer ----
    bool is_open() const { return host_ != nullptr; }
    void detach() { host_ = nullptr; }
    // Backlog reached: the SYN queue plus the accept queue are full (SYN dropped).
    bool full() const { return syn_queue_.size() + accept_queue_.size() >= backlog_; }
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
    ListenerObserver* observer_ = nullptr;
    std::vector<std::shared_ptr<Connection>> syn_queue_;
    std::deque<std::shared_ptr<Connection>> accept_queue_;
};

}  // namespace ustack::tcp
