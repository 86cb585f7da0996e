// One TCP connection: the transmission control block and its state machine
// (RFC 9293 §3.3.1, §3.3.2, §3.10). Pure: time comes in as an argument,
// output goes to the Outbox, the ISN comes from the IsnGenerator.
//
// PUBLIC API CONTRACT (used by tcp_layer, the Asio shell, the test harness).
// Private members are the implementation's business.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>

#include "base/time.h"
#include "tcp/config.h"
#include "tcp/error.h"
#include "tcp/four_tuple.h"
#include "tcp/ip_params.h"
#include "tcp/isn.h"
#include "tcp/memory.h"
#include "tcp/observer.h"
#include "tcp/outbox.h"
#include "tcp/segment.h"
#include "tcp/state.h"

namespace ustack::tcp {

// What CLOSE means to the application (RFC 1122 4.2.2.13, RFC 9293 §3.6.1).
enum class CloseMode : uint8_t {
    // Half-close, like shutdown(SHUT_WR): a FIN after the queued data, and
    // the application still reads what the peer sends (the RFC's CLOSE).
    Send,
    // Full close, like Linux close(): the application will never read again.
    // Unread data, or data arriving later, is lost, so the peer gets a RST
    // (SHLD-3); the connection becomes an orphan (FIN-WAIT-2 timeout, cap).
    Full,
};

// Stack-wide bookkeeping of orphans: connections the application fully
// closed that are not yet CLOSED or TIME-WAIT (Linux tcp_max_orphans counts
// the same). Owned by the TcpLayer, part of TcpCounters.
struct OrphanCounters {
    uint64_t orphans = 0;             // orphans now (a gauge, not a total)
    uint64_t orphans_over_limit = 0;  // fully closed while at the cap: reset instead (TCPAbortOnMemory)
    uint64_t aborts_on_close = 0;     // full close with unread data: RST (TCPAbortOnClose)
    uint64_t aborts_on_data = 0;      // data arrived after a full close: RST (TCPAbortOnData)
    uint64_t fin_wait2_timeouts = 0;  // orphans dropped in FIN-WAIT-2 (tcp_fin_timeout)
};
// Stack-wide bookkeeping of TIME-WAIT (TcpConfig::max_time_wait, Linux's
// tcp_max_tw_buckets). Owned by the TcpLayer, part of TcpCounters.
struct TimeWaitCounters {
    uint64_t time_wait = 0;  // connections in TIME-WAIT now (a gauge, not a total)
    uint64_t overflows = 0;  // went to CLOSED instead, the cap reached (Linux's TCPTimeWaitOverflow)
};
class AckThrottle;

// A read-only snapshot of the TCB, for tests, `ustack status` and invariants.
struct TcbSnapshot {
    State state = State::Closed;
    SeqNum iss, snd_una, snd_nxt;
    uint32_t snd_wnd = 0;       // scaled peer window
    SeqNum irs, rcv_nxt;
    uint32_t rcv_wnd = 0;       // what we advertise now
    uint16_t snd_mss = 0;       // effective send MSS (MUST-16)
    uint32_t cwnd = 0, ssthresh = 0;
    Duration srtt{}, rttvar{}, rto{};
    size_t send_buffered = 0;   // queued but not yet acknowledged (includes in flight)
    size_t bytes_in_flight = 0;
    size_t recv_buffered = 0;   // in order, not yet read by the application
    size_t out_of_order = 0;    // held by the reassembler
    uint32_t retransmissions = 0;  // consecutive, for the current timeout
    std::optional<Instant> retransmit_deadline;
    std::optional<Instant> time_wait_deadline;
    // Added by tcp-core:
    std::optional<Instant> persist_deadline;  // zero-window probe timer (§3.8.6.1)
    SeqNum snd_max;                           // highest sequence number sent (>= snd_nxt)
    // Added by sack:
    bool sack_permitted = false;              // both SYNs carried SACK-permitted (RFC 2018 §2)
    CongestionAlgorithm congestion = CongestionAlgorithm::Cubic;
    bool in_recovery = false;                 // fast recovery, or resending holes after an RTO
    uint32_t sacked_bytes = 0;                // octets above SND.UNA the peer SACKed (scoreboard)
    // Added by keepalive:
    std::optional<Instant> keepalive_deadline;  // next keep-alive probe or give-up (§3.8.4)
    uint32_t keepalive_probes = 0;              // unanswered keep-alive probes so far
    // Added by memory: what this connection holds (tcp/memory.h), as charged to the layer.
    MemoryUsage memory;
    // Added by orphan:
    std::optional<Instant> fin_wait2_deadline;  // an orphan in FIN-WAIT-2 is dropped then
    bool orphaned = false;                      // fully closed by the application
    // Added by challenge (RFC 6191 TIME-WAIT decisions):
    bool timestamps = false;                    // both SYNs carried Timestamps (RFC 7323 §3.2)
    uint32_t ts_recent = 0;                     // TS.Recent (§4.3), meaningful with `timestamps`
    Instant ts_recent_at{};                     // when TS.Recent was last set
    // Added by conform:
    bool ecn = false;                           // ECN negotiated on the SYNs (RFC 3168 §6.1.1)
    bool ecn_echo = false;                      // we set ECE on our ACKs (CE seen, no CWR yet)
};

class Connection {
public:
    Connection(const TcpConfig& config, const FourTuple& tuple, Outbox& outbox, IsnGenerator& isn);
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;
    ~Connection();

    // ---- User calls (RFC 9293 §3.10.1-§3.10.6) ----

    // Active OPEN: CLOSED -> SYN-SENT, sends <SYN> with our MSS.
    void open_active(Instant now);
    // Same, taking over a 4-tuple whose old connection was in TIME-WAIT
    // (client-side reuse, RFC 6191 §2's rule from the active side): the ISS is
    // made larger than `iss_above` (the old connection's SND.NXT).
    void open_active(Instant now, std::optional<SeqNum> iss_above);
    // Passive OPEN completion: a listener hands over the SYN that arrived in
    // LISTEN; LISTEN -> SYN-RECEIVED, sends <SYN,ACK> (§3.10.7.2).
    void open_passive(const Segment& syn, Instant now);
    // Same, for a SYN that reopens a TIME-WAIT connection (MAY-2, §3.6.1): the
    // ISS is made larger than `iss_above` (the old connection's SND.NXT).
    void open_passive(const Segment& syn, Instant now, std::optional<SeqNum> iss_above);
    // Same, for a SYN a listener answered with a SYN cookie (RFC 4987 §3.6)
    // and rebuilt from the ACK (tcp/syn_cookie.h): SYN-RECEIVED with ISS =
    // `iss` and the SYN-ACK counted as sent, nothing sent now. The layer then
    // hands over the ACK, which completes the handshake as usual.
    void open_from_cookie(const Segment& syn, SeqNum iss, Instant now);
    // SEND: queues bytes; returns how many were taken (0 when the buffer is
    // full, or after CLOSE: then error() is ConnectionClosing). `push` is the
    // PUSH flag (§3.9.1.2, MAY-15): push = false is Linux's MSG_MORE: no PSH
    // at the end of this data, and a tail shorter than the MSS is not sent by
    // this call (full segments go as the windows allow). It goes, with the
    // other rules (Nagle, SWS), at the next chance that is not an unpushed
    // SEND: an arriving ACK (as Linux), a pushed SEND, CLOSE, or the 200 ms
    // ceiling (then with PSH).
    size_t send(std::span<const uint8_t> data, Instant now, bool push = true);
    // SEND with the urgent flag (§3.8.5, MUST-30): like send(), and SND.UP
    // becomes one past the last octet taken (RFC 6093: the pointer names the
    // first non-urgent octet, MUST-62). Segments carry URG until SND.UNA passes
    // SND.UP; urgent data is not held back by Nagle (as Linux).
    size_t send_urgent(std::span<const uint8_t> data, Instant now);
    // RECEIVE: copies up to out.size() in-order bytes; returns the count.
    // Opening the window may send a window update. A read stops at the urgent
    // mark (RCV.UP), so urgent data comes out on its own (data stays inline).
    size_t receive(std::span<uint8_t> out, Instant now);
    // CLOSE: FIN after everything queued has been sent (half-close: we may keep reading).
    // Same as close(now, CloseMode::Send).
    void close(Instant now);
    // CLOSE with the application's intent. Send: as above. Full (Linux
    // close()): with unread data, a RST and CLOSED (SHLD-3, RFC 2525 §2.17);
    // otherwise a FIN as above, and from then on the connection is an orphan:
    // new data from the peer is answered with a RST and CLOSED (RFC 1122
    // 4.2.2.13), FIN-WAIT-2 lasts at most TcpConfig::fin_wait2_timeout, and
    // beyond TcpConfig::max_orphans orphans the connection is reset at once.
    void close(Instant now, CloseMode mode);
    // The application closed fully (CloseMode::Full): nobody reads any more.
    bool orphaned() const;
    // ABORT: sends RST where the state calls for one, then CLOSED.
    void abort(Instant now);

    // ---- Events from below ----

    // SEGMENT ARRIVES (§3.10.7) for this connection's 4-tuple.
    void on_segment(const Segment& seg, Instant now);
    // Timeouts (§3.10.8): retransmission, TIME-WAIT, probes. Call at or after next_deadline().
    void on_timer(Instant now);
    // The earliest deadline at which on_timer() has work, if any.
    std::optional<Instant> next_deadline() const;

    // ---- Status (§3.10.6) ----
    State state() const;
    const FourTuple& tuple() const;
    size_t readable() const;         // in-order bytes waiting for receive()
    size_t writable() const;         // free space in the send buffer (0 once closed for sending)
    bool eof() const;                // the peer's FIN arrived and every byte before it was read
    // Urgent octets still to be read, up to RCV.UP, counting those not yet
    // arrived (§3.8.5, MUST-33); 0 when no urgent data is pending.
    size_t urgent_remaining() const;
    // The read position is at the urgent mark: the next octet is the first
    // non-urgent one after urgent data (like sockatmark(), RFC 6093 semantics).
    bool at_urgent_mark() const;
    bool fully_closed() const;       // CLOSED: the table may forget this connection
    TcpError error() const;          // why the connection failed, or None
    TcbSnapshot snapshot() const;
    bool passive() const;            // opened by a listener (a RST in SYN-RECEIVED returns it to LISTEN)

    void set_observer(ConnectionObserver* observer);  // the socket
    void set_tracer(ConnectionObserver* tracer);      // stack-wide (state changes only)
    // The owning TcpLayer's hook: told of every state change (it reaps CLOSED
    // connections from its table). Not for applications.
    void set_layer_hook(ConnectionObserver* hook);
    // Stack-wide counters (TcpCounters): incremented once per retransmitted
    // segment, and once per segment dropped by the §3.10.7.4 acceptability test.
    void set_counters(uint64_t* retransmissions, uint64_t* dropped_unacceptable, uint64_t* spurious_undos = nullptr);
    // The layer's orphan counters (nullptr: none; the cap then does not apply).
    void set_orphan_counters(OrphanCounters* counters);
    // The layer's TIME-WAIT counters (nullptr: none; max_time_wait then does not apply).
    void set_time_wait_counters(TimeWaitCounters* counters);
    // The stack's RFC 5961 §7 challenge ACK budget and counters (tcp/ack_throttle.h);
    // without one only the per-connection limit applies. Not for applications.
    void set_ack_throttle(AckThrottle* throttle);

    // ---- User interface extras (RFC 9293 §3.9.1; added by conform3) ----

    // PUSH on RECEIVE (§3.9.1.3, MAY-17): how many of the readable() octets
    // lead up to the end of the last segment received with PSH; 0 when none is pending.
    size_t pushed_readable() const;
    // FLUSH (§3.9.1.7, MAY-14): forgets queued data never sent (past SND.MAX
    // and any zero-window probe octet); data in flight and a queued FIN stay,
    // so the sequence space stays in step. Returns the octets dropped.
    size_t flush(Instant now);
    // The asynchronous error reports (§3.9.1.8, SHLD-20): soft ICMP errors
    // (on_status) and negative advice (on_negative_advice) reach the observer
    // unless the application turns them off; soft_error() is recorded either
    // way, and the layer still hears the advice (MUST-20). On by default.
    void set_error_reports(bool on);
    bool error_reports() const;

    // Nagle's algorithm (RFC 9293 §3.7.4, SHLD-7) is on by default; true
    // turns it off for this connection (MUST-17), like TCP_NODELAY. Takes
    // effect at the next send or arriving ACK.
    void set_nodelay(bool on);
    // Cork (MAY-15), like Linux's TCP_CORK: while on, a tail shorter than the
    // MSS waits to be combined with later SENDs (full segments still go) until
    // uncorked, CLOSE, or 200 ms after it was first held (then sent with PSH).
    // Turning it off sends what the other rules allow at once. Off by default.
    void set_cork(bool on, Instant now);
    bool corked() const;

    // ---- IP level (added by icmp; RFC 9293 §3.9.1.9, §3.9.2.1, §3.9.2.2) ----

    // An ICMP error quoting one of our segments. Acted on only when the quoted
    // SEG.SEQ lies in [SND.UNA, SND.MAX) (RFC 5927 §4.1); returns true then.
    // Source Quench is discarded (MUST-55); soft errors are recorded, never
    // abort (MUST-56); Fragmentation Needed lowers the send MSS (RFC 1191).
    bool on_icmp_error(const IcmpError& err, Instant now);
    // The last soft error an ICMP message reported (SHLD-25), or None; it
    // becomes error() if the connection later times out (as Linux does).
    TcpError soft_error() const;
    // TOS byte (MUST-48), raw IP options and a source route (MUST-51) for
    // every later datagram. False (nothing changed) when the options and the
    // route do not fit 40 bytes or the options hold a source route.
    bool set_ip_settings(const IpSettings& settings);
    const IpSettings& ip_settings() const;
    void set_tos(uint8_t tos);
    // The reversed source route of a received segment (MUST-53, SHLD-24: a
    // later one replaces it); an application-set route takes precedence (MUST-52).
    void set_return_route(const SourceRoute& route);
    // The IP options and next hop segments leave with now.
    IpParams ip_params() const;
    // The TOS byte (DSCP and ECN field) the last acceptable segment arrived
    // with (RFC 9293 §3.9.1.9, MAY-9), like Linux's IP_RECVTOS; 0 until one has.
    uint8_t received_tos() const;

    // Congestion control of this connection (TcpConfig::congestion by
    // default), like Linux's TCP_CONGESTION: Reno (RFC 5681) or CUBIC
    // (RFC 9438). May change at any time; the window carries over.
    void set_congestion(CongestionAlgorithm algo);
    CongestionAlgorithm congestion() const;

    // Keep-alive (RFC 9293 §3.8.4): off by default (MUST-25); when on, an
    // idle connection (nothing received and nothing in flight for `idle`,
    // counted from the later of the last segment received and `now`) gets an
    // ACK with SEG.SEQ = SND.NXT-1 and no data (SHLD-12); after `count`
    // unanswered probes `interval` apart it sends a RST and fails with TimedOut.
    void set_keepalive(bool on, Instant now);
    void set_keepalive_config(const KeepAliveConfig& k);  // MUST-27; takes effect at once
    bool keepalive() const;
    const KeepAliveConfig& keepalive_config() const;
    // User timeout (§3.9.1, §3.10.8; RFC 5482): zero means R2 applies;
    // otherwise unacknowledged data (or SYN) older than `timeout` closes the
    // connection with TimedOut, without a RST. Applies from the next retransmission.
    void set_user_timeout(Duration timeout);
    Duration user_timeout() const;

    // ---- Memory (added by memory; tcp/memory.h) ----

    // Charges this connection's buffers to `pool` (the layer's), from now
    // until it is destroyed or another pool is set; nullptr: no pool.
    void set_memory_pool(MemoryPool* pool);
    // What the connection holds now, computed from its buffers (the layer
    // is charged the same at the end of every call).
    MemoryUsage memory() const;

    struct Impl;  // the TCB (tcp/connection_impl.h); public so the core's helpers can name it

private:
    size_t send_with(std::span<const uint8_t> data, Instant now, bool urgent, bool push);

    std::unique_ptr<Impl> impl_;
};

}  // namespace ustack::tcp
