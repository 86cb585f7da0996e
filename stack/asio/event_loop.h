// The production shell: one Stack driven by Boost.Asio over a packet fd (TUN
// or socketpair). Reads until EAGAIN, feeds the stack, flushes queued output
// once per batch, and keeps one steady_timer at the earliest deadline.
// Single-threaded: every call runs on the io_context's thread.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "base/time.h"
#include "stack/link/fd_link.h"
#include "stack/stack.h"

namespace ustack::net {

struct EventLoopCounters {
    uint64_t batches = 0;          // readiness events or timer fires handled
    uint64_t rx_packets = 0;
    uint64_t tx_packets = 0;
    uint64_t tx_dropped = 0;       // the output ring was full, or the link refused the packet
    uint64_t tx_waits = 0;         // EAGAIN on write: waited for writability
    uint64_t timer_fires = 0;
    uint64_t kicks = 0;            // kick() calls; a burst of them shares one posted flush
};

class EventLoop {
public:
    // Reads and writes `link` directly. `link`, `isn` and `io` must outlive the loop.
    EventLoop(boost::asio::io_context& io, link::FdLink& link, const StackConfig& cfg, tcp::IsnGenerator& isn);
    // Waits on `link`'s fd but moves packets through `io_link`, a decorator
    // chain (pcap, fault injection) whose innermost link is `link`.
    EventLoop(boost::asio::io_context& io, link::FdLink& link, link::Link& io_link, const StackConfig& cfg,
              tcp::IsnGenerator& isn);
    ~EventLoop();
    EventLoop(const EventLoop&) = delete;
    EventLoop& operator=(const EventLoop&) = delete;

    // Starts waiting for packets and arms the timer. Idempotent.
    void start();
    // Cancels the waits and the timer; queued output is flushed once more.
    void stop();

    Stack& stack() { return stack_; }
    boost::asio::any_io_executor get_executor() { return io_.get_executor(); }
    // The concrete executor: handlers posted to it need no type-erased executor on the heap.
    boost::asio::io_context::executor_type io_executor() { return io_.get_executor(); }
    void set_tracer(tcp::ConnectionObserver* tracer) { stack_.tcp().set_tracer(tracer); }
    // After user calls on a connection: flush output and re-arm the timer.
    // Coalesced: a burst of calls before the loop runs again costs one flush.
    void kick();
    // The loop's clock: steady_clock as an Instant.
    Instant now() const;

    const EventLoopCounters& counters() const { return counters_; }

private:
    // Outbound packets wait here between the stack and the link: a ring of
    // preallocated mtu-sized slots, written out once per batch.
    class TxRing final : public PacketSink {
    public:
        TxRing(EventLoop& loop, size_t slots, size_t slot_size);
        void send_packet(std::span<const uint8_t> packet) override;
        bool empty() const { return count_ == 0; }
        bool full() const { return count_ == len_.size(); }
        std::span<const uint8_t> front() const;
        void pop();

    private:
        EventLoop& loop_;
        size_t slot_size_;
        std::vector<uint8_t> storage_;
        std::vector<size_t> len_;
        size_t head_ = 0, count_ = 0;
    };

    void wait_readable();
    void wait_writable();
    void on_readable();
    void on_timer(uint64_t generation);
    // Reads up to `limit` packets into the stack; true when the limit was hit.
    bool drain_rx(size_t limit);
    void flush();
    void rearm_timer();
    void after_batch();

    boost::asio::io_context& io_;
    link::FdLink& fd_link_;
    link::Link& io_link_;
    TxRing tx_;
    Stack stack_;
    boost::asio::posix::stream_descriptor fd_;
    boost::asio::steady_timer timer_;
    std::vector<uint8_t> rx_buf_;
    std::shared_ptr<int> alive_ = std::make_shared<int>(0);  // handlers hold a weak_ptr
    bool started_ = false;
    bool reading_ = false;
    bool writing_ = false;
    bool kick_posted_ = false;
    bool in_flush_ = false;
    std::optional<Instant> armed_;
    uint64_t timer_generation_ = 0;
    EventLoopCounters counters_;
};

}  // namespace ustack::net
