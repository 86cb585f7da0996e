// Memory accounting of the TCP layer: per-connection charges and the pool total.
#include "tcp/memory.h"

#include <algorithm>

#include "tcp/byte_ring.h"

namespace ustack::tcp {

MemoryUsage& MemoryUsage::operator+=(const MemoryUsage& o) {
    send_reserved += o.send_reserved;
    recv_reserved += o.recv_reserved;
    scratch += o.scratch;
    send_unsent += o.send_unsent;
    send_unacked += o.send_unacked;
    recv_unread += o.recv_unread;
    recv_out_of_order += o.recv_out_of_order;
    control += o.control;
    return *this;
}

MemoryUsage& MemoryUsage::operator-=(const MemoryUsage& o) {
    send_reserved -= o.send_reserved;
    recv_reserved -= o.recv_reserved;
    scratch -= o.scratch;
    send_unsent -= o.send_unsent;
    send_unacked -= o.send_unacked;
    recv_unread -= o.recv_unread;
    recv_out_of_order -= o.recv_out_of_order;
    control -= o.control;
    return *this;
}

void MemoryAccount::attach(MemoryPool* pool, const void* owner) {
    detach();
    owner_ = owner;
    if (!pool) return;
    pool_ = pool;
    pool_->link(*this);
    pool_->charge(charged_, MemoryUsage{});
}

void MemoryAccount::detach() {
    if (!pool_) return;
    pool_->charge(MemoryUsage{}, charged_);
    pool_->unlink(*this);
    pool_ = nullptr;
}

void MemoryAccount::update(const MemoryUsage& now) {
    if (pool_ && !(now == charged_)) pool_->charge(now, charged_);
    charged_ = now;
}

size_t MemoryPool::admission_cost(size_t mss) { return std::max<size_t>(mss, 1) + 2 * ByteRing::kFirstStep; }

MemoryPool::~MemoryPool() {
    // Connections the application still holds outlive the layer: they keep
    // their buffers but are no longer charged anywhere.
    while (head_) head_->detach();
}

void MemoryPool::link(MemoryAccount& a) {
    a.prev_ = nullptr;
    a.next_ = head_;
    if (head_) head_->prev_ = &a;
    head_ = &a;
    ++connections_;
}

void MemoryPool::unlink(MemoryAccount& a) {
    if (a.prev_) a.prev_->next_ = a.next_;
    else head_ = a.next_;
    if (a.next_) a.next_->prev_ = a.prev_;
    a.prev_ = a.next_ = nullptr;
    --connections_;
}

void MemoryPool::charge(const MemoryUsage& add, const MemoryUsage& remove) {
    total_ += add;
    total_ -= remove;
    high_water_ = std::max(high_water_, total_.reserved());
}

}  // namespace ustack::tcp
