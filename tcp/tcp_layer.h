// The TCP layer of one stack: the table of connections and listeners, the
// demux of arriving segments (RFC 9293 §3.10.7), RST for closed ports
// (§3.10.7.1), and the earliest timer deadline across connections.
//
// PUBLIC API CONTRACT (used by stack/stack.cc, the Asio shell, the harness).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <unordered_map>

#include "base/time.h"
#include "stack/wire/ipv4_address.h"
#include "tcp/config.h"
#include "tcp/connection.h"
#include "tcp/isn.h"
#include "tcp/memory.h"
#include "tcp/observer.h"
#include "tcp/outbox.h"
#include "tcp/segment_codec.h"

namespace ustack::tcp {

// A passive endpoint in LISTEN. Holds connections in SYN-RECEIVED and the
// accept queue of ESTABLISHED ones not yet taken by the application.
class Listener {
public:
    // Next established connection, or nullptr when none is ready.
    virtual std::shared_ptr<Connection> accept() = 0;
    virtual size_t ready() const = 0;
    virtual Endpoint local() const = 0;
    virtual void set_observer(ListenerObserver* observer) = 0;
    // Stop listening: pending not-yet-accepted connections are reset.
    virtual void close(Instant now) = 0;
    virtual ~Listener() = default;
};

struct TcpCounters {
    uint64_t segments_in = 0;
    uint64_t segments_out = 0;
    uint64_t rst_out = 0;            // includes RSTs for closed ports
    uint64_t closed_port_segments = 0;
    uint64_t dropped_unacceptable = 0;
    uint64_t retransmissions = 0;
    uint64_t spurious_undos = 0;     // recoveries and timeouts found spurious by timestamps and undone (RFC 3522)
    uint64_t connections_opened = 0;
    uint64_t connections_accepted = 0;
    uint64_t icmp_errors_applied = 0;   // ICMP errors a connection acted on
    uint64_t icmp_errors_ignored = 0;   // no such connection, stale sequence number, Source Quench
    uint64_t negative_advice = 0;    // R1 reached (§3.8.3, MUST-20): advice for IP, counted here
    // Listen queues and SYN cookies (RFC 4987 §3.6; Linux's TCPReqQFullDoCookies,
    // SyncookiesRecv, SyncookiesFailed, TCPReqQFullDrop, ListenOverflows).
    uint64_t syncookies_sent = 0;         // SYN-ACKs with a cookie ISS
    uint64_t syncookies_received_ok = 0;  // ACKs whose cookie validated (a connection was made)
    uint64_t syncookies_failed = 0;       // ACKs to a listener whose cookie did not (answered with RST)
    uint64_t syn_queue_drops = 0;         // SYNs dropped: SYN queue full, cookies off
    uint64_t accept_queue_drops = 0;      // SYNs and completing ACKs dropped: accept queue full
    OrphanCounters orphan;           // fully closed connections (Connection::close(now, CloseMode::Full))
    TimeWaitCounters time_wait;      // TIME-WAIT now, and closes past TcpConfig::max_time_wait
    // RFC 5961 §7: challenge ACKs (§3-§5) sent, and held back by the
    // per-connection interval or the stack's per-second budget; ACKs for
    // out-of-window segments without text held back by the interval.
    uint64_t challenge_acks_sent = 0;
    uint64_t challenge_acks_suppressed = 0;
    uint64_t oow_acks_suppressed = 0;
    uint64_t time_wait_reused = 0;   // connect() took over a TIME-WAIT 4-tuple (TcpConfig::time_wait_reuse)
};

class TcpLayer {
public:
    TcpLayer(const TcpConfig& config, Outbox& outbox, IsnGenerator& isn);
    ~TcpLayer();
    TcpLayer(const TcpLayer&) = delete;
    TcpLayer& operator=(const TcpLayer&) = delete;

    // A segment arrived from `src` to `dst` (checksum already verified);
    // `parsed` carries the ports and the semantic segment.
    void input(wire::Ipv4Address src, wire::Ipv4Address dst, const ParsedSegment& parsed, Instant now);
    // Same, for a datagram that carried a completed source route: `return_route`
    // is it reversed, and replies follow it (RFC 9293 §3.9.2.1 MUST-53, SHLD-24).
    void input(wire::Ipv4Address src, wire::Ipv4Address dst, const ParsedSegment& parsed, Instant now,
               const SourceRoute* return_route);
    // An ICMP error quoting a segment of `tuple` (local = our side). Returns
    // true when a connection acted on it (RFC 9293 §3.9.2.2, RFC 5927 §4.1);
    // errors for unknown connections are ignored.
    bool icmp_error(const FourTuple& tuple, const IcmpError& err, Instant now);

    // Passive OPEN on local (addr may be 0.0.0.0 for any). nullptr + error on failure.
    std::shared_ptr<Listener> listen(Endpoint local, size_t backlog, TcpError* error = nullptr);
    // Active OPEN from `local_addr` (ephemeral port) to `remote`.
    std::shared_ptr<Connection> connect(wire::Ipv4Address local_addr, Endpoint remote, Instant now,
                                        TcpError* error = nullptr);
    // Same, with TOS and IP options already in place for the SYN (MUST-48, MUST-51).
    // InvalidArgument when `ip` does not fit (see Connection::set_ip_settings).
    std::shared_ptr<Connection> connect(wire::Ipv4Address local_addr, Endpoint remote, Instant now,
                                        TcpError* error, const IpSettings& ip);

    void on_timer(Instant now);
    // The earliest deadline of any connection: O(1), from the layer's timer heap.
    std::optional<Instant> next_deadline() const;
    // The same answer by asking every connection (O(n)); tests check the heap with it.
    std::optional<Instant> next_deadline_by_scan() const;

    void set_tracer(ConnectionObserver* tracer);
    const TcpConfig& config() const;
    TcpConfig& mutable_config();
    const TcpCounters& counters() const;
    size_t connection_count() const;
    // Memory of all connections (tcp/memory.h): reserved and used bytes, the
    // limit (TcpConfig::memory_limit), pressure, high-water mark, refusals.
    MemoryStats memory() const;
    // The same total by asking every live connection (O(n)); tests check the
    // layer's running total with it.
    MemoryUsage memory_by_scan() const;
    // The connection for a 4-tuple (local = our side), or nullptr.
    std::shared_ptr<Connection> find(const FourTuple& tuple) const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace ustack::tcp
