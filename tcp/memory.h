// Memory accounting of the TCP layer (issue 4 item 5, after Linux's tcp_mem):
// what each connection holds, the stack-wide total, the limit and pressure.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ustack::tcp {

// Bytes one connection holds (or all of them, summed). Buffer storage is
// "reserved"; the bytes in it that carry data are "used".
struct MemoryUsage {
    // ---- reserved: storage allocated for the connection's buffers (limited) ----
    size_t send_reserved = 0;  // send ring storage (grows on demand up to TcpConfig::send_buffer)
    size_t recv_reserved = 0;  // receive ring storage (up to TcpConfig::recv_buffer; auto-tuned: recv_buffer_max)
    size_t scratch = 0;        // one segment's payload buffer (the MSS; none in TIME-WAIT/CLOSED)
    // ---- used: data in those buffers ----
    size_t send_unsent = 0;    // queued by SEND, not yet sent
    size_t send_unacked = 0;   // sent, not yet acknowledged (the retransmission queue)
    size_t recv_unread = 0;    // received in order, not yet read by RECEIVE
    size_t recv_out_of_order = 0;  // held by the reassembler beyond RCV.NXT
    // ---- the control block itself (reported, not limited) ----
    size_t control = 0;        // the TCB: Connection, its Impl, the congestion controller, RACK's records

    size_t reserved() const { return send_reserved + recv_reserved + scratch; }
    size_t used() const { return send_unsent + send_unacked + recv_unread + recv_out_of_order; }
    MemoryUsage& operator+=(const MemoryUsage& o);
    MemoryUsage& operator-=(const MemoryUsage& o);
    bool operator==(const MemoryUsage&) const = default;
};

class MemoryPool;

// One connection's charge against a MemoryPool: update() moves the pool's
// totals by the difference from the last charge, so the pool always holds
// the sum of its accounts. No allocation: the pool links accounts intrusively.
class MemoryAccount {
public:
    MemoryAccount() = default;
    ~MemoryAccount() { detach(); }
    MemoryAccount(const MemoryAccount&) = delete;
    MemoryAccount& operator=(const MemoryAccount&) = delete;

    // Joins `pool` (leaving any other), charging what was charged so far.
    void attach(MemoryPool* pool, const void* owner);
    // Returns the whole charge to the pool and leaves it.
    void detach();
    // Charges `now` in place of the previous charge.
    void update(const MemoryUsage& now);
    const MemoryUsage& charged() const { return charged_; }
    MemoryPool* pool() const { return pool_; }
    const void* owner() const { return owner_; }
    const MemoryAccount* next() const { return next_; }

private:
    friend class MemoryPool;
    MemoryPool* pool_ = nullptr;
    const void* owner_ = nullptr;  // the Connection, for scans
    MemoryAccount* prev_ = nullptr;
    MemoryAccount* next_ = nullptr;
    MemoryUsage charged_;
};

// The stack-wide figures TcpLayer::memory() reports.
struct MemoryStats {
    MemoryUsage total;          // summed over live connections
    size_t limit = 0;           // TcpConfig::memory_limit (0: none)
    size_t connections = 0;     // live connections charged (in the table or still held by the application)
    size_t time_wait = 0;       // of them in TIME-WAIT: each holds its control block only (TcpConfig::max_time_wait)
    size_t high_water = 0;      // the highest `reserved` seen
    bool pressure = false;      // a new connection would not fit: opens are refused, rings stop growing
    uint64_t refused_passive = 0;  // SYNs dropped for want of memory
    uint64_t refused_active = 0;   // connect() calls failed with NoBuffers

    size_t reserved() const { return total.reserved(); }  // what the limit bounds
    size_t used() const { return total.used(); }
};

// The stack-wide total and limit. Outlives none of its accounts' owners
// necessarily: its destructor detaches every account still linked.
class MemoryPool {
public:
    // `limit` points at the configured limit (TcpConfig::memory_limit) and is
    // read at each use, so a change there applies at once; nullptr: no limit.
    explicit MemoryPool(const size_t* limit = nullptr) : limit_(limit) {}
    ~MemoryPool();
    MemoryPool(const MemoryPool&) = delete;
    MemoryPool& operator=(const MemoryPool&) = delete;

    // What a new connection needs room for: its scratch buffer (the MSS) and
    // the first storage step of each ring.
    static size_t admission_cost(size_t mss);

    size_t limit() const { return limit_ ? *limit_ : 0; }
    // True when a new connection needing `cost` bytes fits under the limit.
    bool admits(size_t cost) const { return limit() == 0 || total_.reserved() + cost <= limit(); }
    // Pressure: the next connection (of `cost`) would not fit. Rings then
    // stop growing except to hold data the peer was already allowed to send.
    bool pressure(size_t cost) const { return !admits(cost); }

    const MemoryUsage& total() const { return total_; }
    size_t connections() const { return connections_; }
    size_t high_water() const { return high_water_; }
    const MemoryAccount* first() const { return head_; }

private:
    friend class MemoryAccount;
    void link(MemoryAccount& a);
    void unlink(MemoryAccount& a);
    void charge(const MemoryUsage& add, const MemoryUsage& remove);

    const size_t* limit_;
    MemoryUsage total_;
    size_t connections_ = 0;
    size_t high_water_ = 0;
    MemoryAccount* head_ = nullptr;
};

}  // namespace ustack::tcp
