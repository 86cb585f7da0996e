// What a connection's buffers hold, charged to the layer's MemoryPool
// (tcp/memory.h); the growth budget its rings get under the limit.
#include <algorithm>
#include <cstdint>

#include "tcp/connection_impl.h"
#include "tcp/cubic.h"
#include "tcp/reno.h"

namespace ustack::tcp {

MemoryUsage Connection::Impl::memory_usage() const {
    MemoryUsage u;
    u.send_reserved = snd.capacity();
    u.recv_reserved = rcv.allocated();
    u.scratch = scratch.capacity();
    // The send ring holds [data_seq, data_end): what lies below SND.MAX was
    // sent and waits for its ACK; the rest is still to send.
    size_t queued = snd.buffered();
    size_t sent = snd.max() > snd.data_seq() ? std::min<size_t>(uint32_t(snd.max() - snd.data_seq()), queued) : 0;
    u.send_unacked = sent;
    u.send_unsent = queued - sent;
    u.recv_unread = rcv.readable();
    u.recv_out_of_order = rcv.out_of_order();
    u.control = sizeof(Connection) + sizeof(Impl) +
                (cc->algorithm() == CongestionAlgorithm::Cubic ? sizeof(Cubic) : sizeof(Reno)) + rack.memory();
    return u;
}

void Connection::Impl::memory_begin() {
    // Growth budget: the pool's room below its limit, none under pressure
    // (Linux's tcp_mem pressure: existing connections keep what they have).
    size_t budget = SIZE_MAX;
    if (const MemoryPool* pool = memory.pool(); pool && pool->limit() != 0) {
        size_t reserved = pool->total().reserved();
        bool pressure = pool->pressure(MemoryPool::admission_cost(cfg.mss));
        budget = pressure || reserved >= pool->limit() ? 0 : pool->limit() - reserved;
    }
    snd.set_growth_budget(budget);
    rcv.set_growth_budget(budget);
}

void Connection::Impl::memory_end() { memory.update(memory_usage()); }

void Connection::set_memory_pool(MemoryPool* pool) {
    impl_->memory.update(impl_->memory_usage());
    impl_->memory.attach(pool, this);
}

MemoryUsage Connection::memory() const { return impl_->memory_usage(); }

}  // namespace ustack::tcp
