// The Asio shell around one Stack: fd readiness -> drain -> stack -> batch
// flush; one timer at min(stack deadline, link deadline); kick() coalesced.
#include "stack/asio/event_loop.h"

#include <boost/asio/post.hpp>

#include <algorithm>
#include <chrono>
#include <cstring>

namespace ustack::net {

namespace asio = boost::asio;

namespace {
constexpr size_t TX_SLOTS = 1024;
constexpr size_t RX_BATCH = 256;  // then yield to other handlers on the io_context

asio::steady_timer::time_point to_steady(Instant t) {
    return asio::steady_timer::time_point(
        std::chrono::duration_cast<asio::steady_timer::duration>(t.time_since_epoch()));
}
}  // namespace

// ---- TxRing -----------------------------------------------------------------

EventLoop::TxRing::TxRing(EventLoop& loop, size_t slots, size_t slot_size)
    : loop_(loop), slot_size_(slot_size), storage_(slots * slot_size), len_(slots) {}

void EventLoop::TxRing::send_packet(std::span<const uint8_t> packet) {
    if (full()) loop_.flush();  // make room now rather than drop
    if (full() || packet.size() > slot_size_) {
        ++loop_.counters_.tx_dropped;
        return;
    }
    size_t i = (head_ + count_) % len_.size();
    std::memcpy(storage_.data() + i * slot_size_, packet.data(), packet.size());
    len_[i] = packet.size();
    ++count_;
}

std::span<const uint8_t> EventLoop::TxRing::front() const {
    return std::span<const uint8_t>(storage_.data() + head_ * slot_size_, len_[head_]);
}

void EventLoop::TxRing::pop() {
    head_ = (head_ + 1) % len_.size();
    --count_;
}

// ---- EventLoop --------------------------------------------------------------

EventLoop::EventLoop(asio::io_context& io, link::FdLink& link, const StackConfig& cfg, tcp::IsnGenerator& isn)
    : EventLoop(io, link, link, cfg, isn) {}

EventLoop::EventLoop(asio::io_context& io, link::FdLink& link, link::Link& io_link, const StackConfig& cfg,
                     tcp::IsnGenerator& isn)
    : io_(io),
      fd_link_(link),
      io_link_(io_link),
      tx_(*this, TX_SLOTS, std::max<size_t>(cfg.mtu, io_link.mtu())),
      stack_(cfg, isn, tx_),
      fd_(io, link.fd()),
      timer_(io),
      rx_buf_(std::max<size_t>(io_link.mtu(), 65535)) {}

EventLoop::~EventLoop() {
    alive_.reset();
    boost::system::error_code ignored;
    fd_.cancel(ignored);
    timer_.cancel();
    fd_.release();  // the link owns the fd
}

Instant EventLoop::now() const { return to_instant(std::chrono::steady_clock::now()); }

void EventLoop::start() {
    if (started_) return;
    started_ = true;
    wait_readable();
    // Packets may already be waiting (or the stack may have work) before the first readiness event.
    asio::post(io_, [w = std::weak_ptr<int>(alive_), this] {
        if (w.expired() || !started_) return;
        drain_rx(RX_BATCH);
        after_batch();
    });
}

void EventLoop::stop() {
    if (!started_) return;
    started_ = false;
    flush();
    boost::system::error_code ignored;
    fd_.cancel(ignored);
    timer_.cancel();
    armed_.reset();
    ++timer_generation_;
}

void EventLoop::wait_readable() {
    if (reading_ || !started_) return;
    reading_ = true;
    fd_.async_wait(asio::posix::stream_descriptor::wait_read,
                   [w = std::weak_ptr<int>(alive_), this](const boost::system::error_code& ec) {
                       if (w.expired()) return;
                       reading_ = false;
                       if (ec || !started_) return;
                       on_readable();
                   });
}

void EventLoop::wait_writable() {
    if (writing_ || !started_) return;
    writing_ = true;
    ++counters_.tx_waits;
    fd_.async_wait(asio::posix::stream_descriptor::wait_write,
                   [w = std::weak_ptr<int>(alive_), this](const boost::system::error_code& ec) {
                       if (w.expired()) return;
                       writing_ = false;
                       if (ec || !started_) return;
                       flush();
                   });
}

void EventLoop::on_readable() {
    ++counters_.batches;
    bool more = drain_rx(RX_BATCH);
    after_batch();
    if (more) {
        // Yield so a peer loop on the same io_context gets to run, then continue.
        asio::post(io_, [w = std::weak_ptr<int>(alive_), this] {
            if (!w.expired() && started_) on_readable();
        });
    } else {
        wait_readable();
    }
}

bool EventLoop::drain_rx(size_t limit) {
    for (size_t i = 0; i < limit; ++i) {
        Instant t = now();
        auto n = io_link_.receive(rx_buf_, t);
        if (!n) return false;
        ++counters_.rx_packets;
        stack_.receive(std::span<const uint8_t>(rx_buf_.data(), *n), t);
    }
    return true;
}

void EventLoop::flush() {
    if (in_flush_) return;  // a link decorator's poll can re-enter through the stack
    in_flush_ = true;
    const bool direct = &io_link_ == static_cast<link::Link*>(&fd_link_);
    while (!tx_.empty()) {
        if (direct) {
            auto r = fd_link_.write_packet(tx_.front());
            if (r == link::FdLink::WriteResult::WouldBlock) {
                wait_writable();
                break;
            }
            if (r == link::FdLink::WriteResult::Failed) ++counters_.tx_dropped;
            else ++counters_.tx_packets;
        } else if (io_link_.transmit(tx_.front(), now())) {
            ++counters_.tx_packets;
        } else {
            ++counters_.tx_dropped;  // injected loss, or the inner link refused it
        }
        tx_.pop();
    }
    in_flush_ = false;
}

void EventLoop::rearm_timer() {
    if (!started_) return;
    std::optional<Instant> due = stack_.next_deadline();
    if (auto l = io_link_.next_deadline(); l && (!due || *l < *due)) due = l;
    if (due == armed_) return;
    armed_ = due;
    uint64_t generation = ++timer_generation_;
    if (!due) {
        timer_.cancel();
        return;
    }
    timer_.expires_at(to_steady(*due));
    timer_.async_wait([w = std::weak_ptr<int>(alive_), this, generation](const boost::system::error_code& ec) {
        if (w.expired() || ec || generation != timer_generation_) return;
        on_timer(generation);
    });
}

void EventLoop::on_timer(uint64_t) {
    ++counters_.timer_fires;
    ++counters_.batches;
    armed_.reset();
    Instant t = now();
    stack_.poll(t);
    io_link_.poll(t);           // releases delayed outbound packets
    bool more = drain_rx(RX_BATCH);  // and delayed inbound ones
    after_batch();
    if (more) asio::post(io_, [w = std::weak_ptr<int>(alive_), this] {
        if (!w.expired() && started_) on_readable();
    });
}

void EventLoop::after_batch() {
    flush();
    rearm_timer();
}

void EventLoop::kick() {
    ++counters_.kicks;
    if (kick_posted_) return;
    kick_posted_ = true;
    asio::post(io_, [w = std::weak_ptr<int>(alive_), this] {
        if (w.expired()) return;
        kick_posted_ = false;
        after_batch();
    });
}

}  // namespace ustack::net
