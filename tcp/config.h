// Tunables of the TCP core, with the RFC defaults and where each comes from.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

#include "base/time.h"

namespace ustack::tcp {

using namespace std::chrono_literals;

// Congestion control algorithm of a connection (tcp/congestion.h).
enum class CongestionAlgorithm : uint8_t {
    Reno,   // RFC 5681
    Cubic,  // RFC 9438 (Linux's default)
};

// Keep-alive parameters (RFC 9293 §3.8.4, RFC 1122 §4.2.3.6), with Linux's
// defaults (tcp_keepalive_time, tcp_keepalive_intvl, tcp_keepalive_probes).
struct KeepAliveConfig {
    // Idle time (nothing received, nothing in flight) before the first probe;
    // at least two hours by default (MUST-28), configurable (MUST-27).
    Duration idle = std::chrono::hours(2);
    // Between unanswered probes: one lost ACK is not a dead peer (MUST-29).
    Duration interval = std::chrono::seconds(75);
    // Unanswered probes before the connection is dropped ("timed out").
    uint32_t count = 9;
    // MAY-6: each probe carries one garbage octet at SEG.SEQ = SND.NXT-1 (as
    // BSD did for old peers that ignore zero-length probes); off: no data (SHLD-12, as Linux).
    bool garbage_octet = false;
};

// When a listener answers a SYN with a SYN cookie (tcp/syn_cookie.h).
enum class SynCookies : uint8_t {
    Off,       // a SYN that finds the SYN queue full is dropped
    WhenFull,  // a cookie when the SYN queue is full (Linux tcp_syncookies=1)
    Always,    // a cookie for every SYN; the SYN queue stays empty (tcp_syncookies=2)
};

// The secret behind SYN cookies: two SipHash-2-4 keys.
struct SynCookieSecret {
    uint64_t k0 = 0x736f6d6570736575ull;
    uint64_t k1 = 0x646f72616e646f6dull;
};

// Explicit Congestion Notification (RFC 3168 §6.1.1; RFC 9293 §3.8.2, SHLD-8),
// the modes of Linux's net.ipv4.tcp_ecn.
enum class EcnMode : uint8_t {
    Off,      // never negotiated (tcp_ecn=0)
    Passive,  // accepted when the peer's SYN asks, never asked for (tcp_ecn=2, Linux's default)
    On,       // asked for on our SYNs and accepted (tcp_ecn=1)
};

struct TcpConfig {
    // Maximum segment lifetime; TIME-WAIT lasts 2*MSL (RFC 9293 §3.4.2, MUST-13).
    Duration msl = std::chrono::seconds(120);

    // Retransmission timeout (RFC 6298 §2): initial 1 s (§2.1; RFC 8961 §4
    // (1)), ceiling 60 s. The floor is 200 ms, Linux's TCP_RTO_MIN, not the
    // 1 s RFC 6298 §2.4 SHOULD asks for: RTT samples come from every ACK
    // (timestamps) on a nanosecond clock, RFC 8961 sets no floor for later
    // RTOs, and a 1 s floor costs five times Linux's on every timeout of a
    // short path (docs/architecture.md "Retransmission timeout").
    Duration rto_initial = std::chrono::seconds(1);
    Duration rto_min = std::chrono::milliseconds(200);
    Duration rto_max = std::chrono::seconds(60);

    // Connection failure thresholds (RFC 9293 §3.8.3, MUST-20..23, SHLD-10/11):
    // R1 retransmissions before advising the application; R2 as a time limit,
    // max(r2_timeout, the time r2_retransmissions backed-off RTOs take), see below.
    uint32_t r1_retransmissions = 3;
    Duration r2_timeout = std::chrono::seconds(100);
    Duration r2_syn_timeout = std::chrono::seconds(180);  // at least 3 minutes for SYN (MUST-23)
    // User timeout (§3.9.1 OPEN/SEND timeout, §3.10.8 USER TIMEOUT; RFC 5482;
    // Linux TCP_USER_TIMEOUT): when non-zero it replaces R2, and the connection
    // closes exactly this long after the first unacknowledged transmission.
    Duration user_timeout = Duration::zero();

    // An orphan (fully closed by the application) waits at most this long in
    // FIN-WAIT-2 for the peer's FIN, then goes to CLOSED without a RST, like
    // Linux's tcp_fin_timeout (at least 3.5 RTO, as tcp_fin_time()). A
    // half-closed connection waits indefinitely (RFC 9293 §3.6.1). Zero: no limit.
    Duration fin_wait2_timeout = std::chrono::seconds(60);
    // At most this many orphans (not yet CLOSED or TIME-WAIT) in the stack;
    // a full close beyond it resets the connection instead of closing it
    // gracefully, like Linux's tcp_max_orphans. Zero: no limit.
    size_t max_orphans = 4096;
    // At most this many connections in TIME-WAIT in the stack, like Linux's
    // tcp_max_tw_buckets: a connection that would enter TIME-WAIT beyond it
    // goes to CLOSED at once, after its last ACK, counted in
    // TimeWaitCounters::overflows (Linux's TCPTimeWaitOverflow). It gives up
    // the 2MSL quarantine (MUST-13) for that 4-tuple, as Linux does. Linux
    // scales the cap with memory (262,144 on large machines, for a 60 s
    // TIME-WAIT); 16,384 blocks of about 2.5 KB on the heap (the TCB; its
    // buffers are gone) are about 40 MB, under a third of memory_limit's
    // default, and allow 68 active closes a second for a 240 s 2MSL. Zero: no limit.
    size_t max_time_wait = 16384;

    // Keep-alive is off unless the application asks (MUST-24, MUST-25);
    // accepted connections inherit these from the stack's configuration.
    bool keepalive = false;
    KeepAliveConfig keepalive_config;

    // MSS we announce: MTU minus 40 (MUST-67). The shell sets it from the link MTU.
    uint16_t mss = 1460;
    // Send MSS assumed when the peer sends no MSS option (MUST-15).
    uint16_t default_send_mss = 536;

    // Buffer sizes per connection (bytes). Without window scaling the
    // advertised window is at most 65535; with it, up to 1 GiB (RFC 7323 §2.3).
    size_t send_buffer = 256 * 1024;
    size_t recv_buffer = 256 * 1024;
    // Receive buffer auto-tuning (Linux tcp_moderate_rcvbuf, "dynamic
    // right-sizing"; tcp/rcv_space.h): recv_buffer is the starting size; once
    // per receiver RTT the buffer grows to about twice what the application
    // read in the last RTT plus 16 MSS, up to recv_buffer_max (Linux's
    // tcp_rmem[2], 6 MiB), never under memory pressure, never shrinking. The
    // Window Scale we offer is chosen for recv_buffer_max. Off: recv_buffer
    // is fixed (as Linux with SO_RCVBUF set).
    bool recv_autotune = true;
    size_t recv_buffer_max = 6 * 1024 * 1024;

    // Bytes of buffer storage all connections together may reserve (send and
    // receive rings, segment scratch; tcp/memory.h). Rings start empty and
    // grow in doubling steps from 4 KiB as data needs them. At the limit
    // (pressure) a SYN for a listener is dropped, connect() fails with
    // NoBuffers, and rings stop growing; existing connections keep working.
    // Auto-tuned receive rings may grow further (recv_buffer_max) while there is room.
    // 128 MiB holds 255 connections with both rings grown to the full 256 KiB
    // (525,748 bytes each with the 1,460-byte scratch), or about 91,900 idle
    // ones (1,460 bytes each; a new one needs 9,652 bytes of room). 0: no limit.
    size_t memory_limit = 128 * 1024 * 1024;

    // RFC 7323 §2: offer the Window Scale option on SYNs (the shift is chosen
    // so recv_buffer_ceiling() fits the 16-bit field); scaling is used only when both SYNs carry it.
    bool window_scaling = true;
    // RFC 7323 §3-5: offer the Timestamps option on SYNs; when both SYNs carry
    // it, every segment does, RTT samples come from TSecr and PAWS drops old segments.
    bool timestamps = true;

    // RFC 2018 §2: offer SACK-permitted on SYNs (on by default, as Linux);
    // SACK blocks are sent and used for loss recovery (RFC 6675) only when
    // both SYNs carry it.
    bool sack = true;
    // RFC 8985 §7 tail loss probe (with SACK, as Linux's tcp_early_retrans):
    // 2 SRTT after the last transmission or ACK, one probe segment lets RACK
    // find a loss at the tail of a flight without waiting for the RTO.
    bool tail_loss_probe = true;

    // Delayed ACK (RFC 9293 §3.8.6.3, SHLD-18, MUST-40, SHLD-19): in-order
    // data is ACKed after at most `delayed_ack_timeout` (< 0.5 s), or at once
    // for every second segment, out-of-order data, a filled gap or a FIN.
    bool delayed_ack = true;
    Duration delayed_ack_timeout = std::chrono::milliseconds(200);
    // The first in-order data segments of a connection, and those after any
    // out-of-order or repeated text, are ACKed at once (as Linux's quick-ACK
    // mode does) so neither slow start nor loss recovery waits for a delay.
    uint32_t quick_ack_segments = 16;

    // Initial congestion window in segments: RFC 6928 IW10, i.e.
    // min(10*MSS, max(2*MSS, 14600)) (tcp/congestion.h initial_window()).
    uint32_t initial_window_segments = 10;
    // Congestion control of new connections (Connection::set_congestion changes one).
    CongestionAlgorithm congestion = CongestionAlgorithm::Cubic;

    // ECN (RFC 3168): on a negotiated connection data segments carry ECT(0),
    // the receiver echoes CE with ECE until CWR, the sender halves its window
    // once per window of data and answers with CWR.
    EcnMode ecn = EcnMode::Passive;

    // Listen backlog when the application gives none.
    size_t default_backlog = 128;

    // SYN queue (connections in SYN-RECEIVED) of each listener: at most
    // min(backlog, max_syn_backlog) entries, as Linux (its SYN queue is full
    // at sk_max_ack_backlog; tcp_max_syn_backlog bounds it further). The
    // accept queue holds at most `backlog` established connections.
    size_t max_syn_backlog = 1024;
    // SYN cookies (RFC 4987 §3.6) when the SYN queue is full (Linux's
    // tcp_syncookies=1, the default), for every SYN (=2), or never (=0).
    SynCookies syn_cookies = SynCookies::WhenFull;
    // Keys of the cookie's keyed hash (SipHash-2-4). The core never reads a
    // random device: the shell fills them from one; tests keep these fixed ones.
    SynCookieSecret syn_cookie_secret;

    // Ephemeral port range for active opens.
    uint16_t ephemeral_port_first = 49152;
    uint16_t ephemeral_port_last = 65535;

    // TTL for outgoing segments (MUST-49: configurable).
    uint8_t ttl = 64;

    // Lowest path MTU a Fragmentation Needed message may set (RFC 1191 §3).
    // 576 keeps the send MSS at or above the RFC 9293 default of 536, so a
    // forged ICMP cannot shrink segments further (RFC 5927 §7); 68 is the
    // floor RFC 791 allows, below which the value is never taken.
    uint16_t min_path_mtu = 576;

    // RFC 5961 §7 ("An implementation SHOULD include an ACK throttling
    // mechanism"), per connection: at most one challenge ACK (§3-§5), or ACK
    // for an out-of-window segment without text, per this interval (Linux
    // net.ipv4.tcp_invalid_ratelimit, 500 ms). Segments with text are always
    // answered (a retransmission needs its ACK). Zero: no per-connection limit.
    Duration invalid_ack_interval = std::chrono::milliseconds(500);
    // RFC 5961 §7, per stack: challenge ACKs per second across all connections
    // (Linux net.ipv4.tcp_challenge_ack_limit, 1000 before Linux 6.0). Each
    // second's budget is drawn from [limit/2, limit/2 + limit) by the
    // IsnGenerator's random(), so an off-path attacker cannot count a shared,
    // exact budget (CVE-2016-5696). Zero: no stack-wide limit (Linux >= 6.0's
    // default, which relies on the per-connection limit alone).
    uint32_t challenge_ack_limit = 1000;
    // Client-side TIME-WAIT reuse (RFC 6191's reasoning from the active side,
    // Linux net.ipv4.tcp_tw_reuse): when every ephemeral port to a peer is
    // taken, connect() may take over a 4-tuple in TIME-WAIT if the old
    // connection used Timestamps and its last timestamp arrived at least
    // `time_wait_reuse_after` ago (Linux: 1 s). The new ISS is above the old SND.NXT.
    bool time_wait_reuse = true;
    Duration time_wait_reuse_after = std::chrono::seconds(1);
    // R2 for a synchronized connection as Linux's tcp_retries2 (tcp_model_timeout):
    // the time `r2_retransmissions` RTO backoffs take from rto_min, doubling
    // up to rto_max (rto_min*(2^(n+1)-1) before the ceiling, rto_max per step
    // after it), but never less than r2_timeout (RFC 9293 §3.8.3: at least
    // 100 s). 15 gives 522.2 s with the default 200 ms / 60 s RTO bounds,
    // 663 s with RFC 6298's 1 s floor (Linux: 924.6 s with 200 ms / 120 s). 100 s alone killed about 0.3 % of healthy
    // connections at 20 % loss each way (tests/unit/stack_lossy_sim_test.cc).
    // 0: R2 is r2_timeout alone. SYNs keep r2_syn_timeout (MUST-23).
    uint32_t r2_retransmissions = 15;
};

// The most a connection's receive buffer may grow to under `cfg`: what the
// Window Scale option is chosen for (RFC 7323 §2.3).
inline size_t recv_buffer_ceiling(const TcpConfig& cfg) {
    return cfg.recv_autotune && cfg.recv_buffer_max > cfg.recv_buffer ? cfg.recv_buffer_max : cfg.recv_buffer;
}

// R2 of a synchronized connection under `cfg` (§3.8.3; see r2_retransmissions).
Duration r2_limit(const TcpConfig& cfg);

}  // namespace ustack::tcp
