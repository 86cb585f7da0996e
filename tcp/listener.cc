// Listener queues (RFC 9293 §3.10.1 passive OPEN, §3.10.7.2, §3.10.7.4 "return to LISTEN"):
// the SYN queue and the accept queue, each with its own limit (RFC 4987 §3.1, §3.6).
#include "tcp/listener.h"

#include <algorithm>

namespace ustack::tcp {

ListenerImpl::ListenerImpl(ListenerHost* host, Endpoint local, size_t backlog, size_t max_syn_backlog)
    : host_(host),
      local_(local),
      backlog_(std::max<size_t>(backlog, 1)),
      syn_limit_(std::max<size_t>(std::min(backlog_, max_syn_backlog), 1)) {}

std::shared_ptr<Connection> ListenerImpl::accept() {
    if (accept_queue_.empty()) return nullptr;
    auto c = std::move(accept_queue_.front());
    accept_queue_.pop_front();
    return c;
}

void ListenerImpl::close(Instant now) {
    // Pending connections were never accepted: reset them (ABORT sends the RST).
    auto syns = std::move(syn_queue_);
    auto ready = std::move(accept_queue_);
    syn_queue_.clear();
    accept_queue_.clear();
    for (auto& c : syns) c->abort(now);
    for (auto& c : ready) c->abort(now);
    if (host_) {
        ListenerHost* h = host_;
        host_ = nullptr;
        h->remove_listener(*this);
    }
}

void ListenerImpl::add_syn_received(std::shared_ptr<Connection> conn) { syn_queue_.push_back(std::move(conn)); }

bool ListenerImpl::update(const std::shared_ptr<Connection>& conn) {
    auto it = std::find(syn_queue_.begin(), syn_queue_.end(), conn);
    if (it == syn_queue_.end()) return false;
    State s = conn->state();
    if (s == State::Closed) {
        syn_queue_.erase(it);  // RST or timeout in SYN-RECEIVED: back to LISTEN
        return false;
    }
    if (s == State::SynReceived) return false;
    syn_queue_.erase(it);
    accept_queue_.push_back(conn);
    return true;
}

void ListenerImpl::notify_acceptable() {
    if (observer_) observer_->on_acceptable(*this);
}

}  // namespace ustack::tcp
