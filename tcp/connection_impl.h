// The transmission control block behind tcp::Connection (RFC 9293 §3.3.1),
// shared by connection.cc (user calls), connection_input.cc (SEGMENT ARRIVES),
// connection_output.cc (what to send) and connection_timers.cc (timeouts).
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "tcp/ack_throttle.h"
#include "tcp/congestion.h"
#include "tcp/connection.h"
#include "tcp/ip_options.h"
#include "tcp/rack.h"
#include "tcp/rcv_space.h"
#include "tcp/receiver.h"
#include "tcp/rtt_estimator.h"
#include "tcp/scoreboard.h"
#include "tcp/sender.h"

namespace ustack::tcp {

// Linux's TCP_CORK ceiling (tcp(7)): a held tail waits at most this long (MAY-15).
inline constexpr Duration kCorkCeiling = std::chrono::milliseconds(200);

struct Connection::Impl {
    Impl(Connection& self, const TcpConfig& config, const FourTuple& tuple, Outbox& outbox, IsnGenerator& isn);

    // ---- identity and collaborators ----
    Connection& self;
    TcpConfig cfg;
    FourTuple tuple;
    Outbox& outbox;
    IsnGenerator& isn_gen;
    ConnectionObserver* observer = nullptr;
    ConnectionObserver* tracer = nullptr;
    ConnectionObserver* layer_hook = nullptr;
    std::optional<Instant> reported_deadline;  // what the layer hook was last told
    uint64_t* retransmit_counter = nullptr;
    uint64_t* unacceptable_counter = nullptr;
    uint64_t* undo_counter = nullptr;  // TcpCounters::spurious_undos
    OrphanCounters* orphan_counters = nullptr;
    TimeWaitCounters* time_wait_counters = nullptr;
    AckThrottle* ack_throttle = nullptr;      // the stack's RFC 5961 §7 budget, if any
    std::optional<Instant> last_oow_ack;      // last throttled-kind ACK sent (tcp_invalid_ratelimit)

    // ---- state ----
    State state = State::Closed;
    TcpError error = TcpError::None;
    bool passive = false;         // came from LISTEN (a RST in SYN-RECEIVED "returns to LISTEN")
    bool close_pending = false;   // CLOSE before ESTABLISHED: FIN once established (§3.10.4)
    bool orphan = false;          // fully closed by the application (CloseMode::Full)
    bool orphan_counted = false;  // counted in OrphanCounters::orphans
    bool syn_retransmitted = false;
    bool nodelay = false;         // Nagle off (set_nodelay, MUST-17)
    std::optional<SeqNum> small_end;  // end of the last sub-MSS data segment sent (Nagle, Minshall)
    uint32_t syn_text = 0;        // text that came on the peer's SYN, kept in `scratch` until ESTABLISHED

    // ---- negotiated options (RFC 7323) ----
    bool ws_ok = false;           // both SYNs carried Window Scale (§2.2)
    bool ts_ok = false;           // both SYNs carried Timestamps (§3.2)
    uint32_t ts_offset = 0;       // added to our 1 ms Timestamps clock (§5.4, from the IsnGenerator)
    uint32_t ts_recent = 0;       // TS.Recent (§4.3)
    // TSval of our latest retransmission: an echo older than it may answer a
    // transmission whose ACK was lost and waited out a timeout (not an RTT).
    std::optional<uint32_t> ts_last_retransmit;
    Instant ts_recent_at{};       // when TS.Recent was set (PAWS 24-day rule, §5.5)
    SeqNum last_ack_sent;         // Last.ACK.sent (§4.3)
    bool sack_ok = false;         // both SYNs carried SACK-permitted (RFC 2018 §2)
    Instant clock{};              // `now` of the call in progress

    // ---- the per-concern parts ----
    Sender snd;
    Receiver rcv;
    RcvSpace rcv_space;  // receive buffer auto-tuning (cfg.recv_autotune)
    RttEstimator rtt;
    std::unique_ptr<CongestionControl> cc;
    std::vector<uint8_t> scratch;  // one segment's payload, allocated once

    // ---- loss recovery (RFC 6675 with SACK, RFC 6582 NewReno without; RFC 3042) ----
    SackScoreboard scoreboard;             // what the peer SACKed above SND.UNA
    Rack rack{0};                          // RACK loss detection with SACK (RFC 8985)
    std::optional<Instant> rack_deadline;  // RACK reordering timer (RFC 8985 §6.3)
    std::optional<Instant> tlp_deadline;   // tail loss probe timer, PTO (RFC 8985 §7.2)
    std::optional<SeqNum> tlp_end_seq;     // TLP.end_seq: a probe is outstanding (§7.3)
    bool tlp_is_retrans = false;           // TLP.is_retrans: the probe resent the last segment
    // Undo of a spurious retransmission (RFC 3522 Eifel detection with timestamps):
    std::optional<uint32_t> undo_tsval;    // TSval of the episode's first retransmission
    SeqNum undo_seq;                       // SND.UNA when it was sent
    uint32_t undo_cwnd = 0, undo_ssthresh = 0;  // the window before the reduction
    uint32_t dup_acks = 0;                 // RFC 5681 §2 / RFC 6675 DupAcks
    bool in_recovery = false;              // fast recovery in progress
    bool rto_recovery = false;             // after an RTO (SACK): unSACKed octets below recovery_point are lost (RFC 6675 §5.1)
    std::optional<SeqNum> recovery_point;  // RFC 6675 RecoveryPoint / RFC 6582 "recover"
    SeqNum high_rxt;                       // one past the highest octet retransmitted in this recovery (HighRxt)
    SeqNum sent_end;                       // end of the segment send_data_segment emitted last

    // ---- timers (deadlines; §3.8.1, §3.8.6.1, §3.4.2) ----
    std::optional<Instant> retransmit_deadline;
    std::optional<Instant> persist_deadline;
    std::optional<Instant> time_wait_deadline;
    std::optional<Instant> delack_deadline;   // a delayed ACK is owed by then (§3.8.6.3)
    uint32_t delack_segments = 0;             // in-order segments received and not yet ACKed
    uint32_t quick_acks = 0;                  // immediate ACKs given so far (quick_ack_segments)
    Duration persist_interval{};
    uint32_t retransmissions = 0;           // consecutive timeouts for the current SND.UNA
    Instant retransmit_series_start{};      // first transmission of what is being retransmitted
    std::optional<Instant> keepalive_deadline;  // next probe, or giving up (§3.8.4)
    Instant last_received{};                // last acceptable segment (the keep-alive idle clock)
    Instant keepalive_start{};              // when keep-alive was turned on
    uint32_t keepalive_probes = 0;          // unanswered probes since last_received
    std::optional<Instant> fin_wait2_deadline;  // an orphan's FIN-WAIT-2 ends then (Linux tcp_fin_timeout)
    std::optional<Instant> probe_series_start;  // first zero-window probe not yet answered
    Instant persist_due{};                  // next probe; persist_deadline may be earlier (user timeout)

    // ---- IP level (connection_icmp.cc; RFC 9293 §3.9.2) ----
    IpSettings ip;                 // the application's choices (MUST-48, MUST-51)
    SourceRoute return_route;      // reversed from a received source route (MUST-53)
    IpOptions ip_wire;             // options as they go on the wire, the route's first hop
    TcpError soft_error = TcpError::None;  // last ICMP soft error (SHLD-25)
    uint16_t path_mtu = 0;         // lowered by Fragmentation Needed (RFC 1191); 0: the link MTU
    // Without SACK, segments in flight sent shorter than the MSS then (RFC
    // 1191 §6.4): after a path MTU drop those that fit the new MSS went
    // through and are not resent; every other octet in flight went in a
    // segment of a full MSS, larger than the new one. Unordered, at most 8: a
    // short segment sent while all are taken is not recorded, and is merely
    // resent after a drop. With SACK, RACK's records hold every segment's size
    // (Rack::each_fitting) and this table stays empty.
    struct ShortSegment {
        SeqNum seq, end;  // [seq, end), a FIN included
        uint16_t size;    // payload plus options beyond those the MSS allows for
    };
    std::array<ShortSegment, 8> short_sent{};
    uint8_t short_sent_n = 0;

    // ---- ECN (connection_ecn.cc; RFC 3168 §6.1) ----
    bool ecn_ok = false;                // both SYNs agreed (§6.1.1)
    bool ecn_echo = false;              // receiver: CE seen, ECE on every ACK until CWR (§6.1.3)
    bool ecn_cwr_due = false;           // sender: window reduced, CWR on the next new data (§6.1.2)
    std::optional<SeqNum> ecn_recover;  // SND.MAX at the last reduction: one per window of data
    uint8_t received_tos = 0;           // TOS byte of the last acceptable segment (MAY-9)

    // ---- user interface extras (§3.9.1) ----
    bool error_reports = true;        // soft errors and advice told to the observer (SHLD-20)
    std::optional<SeqNum> push_mark;  // end of the last segment received with PSH (MAY-17)
    // SEND without PUSH (MAY-15; connection_output.cc, as Linux's MSG_MORE and TCP_CORK).
    bool corked = false;                    // set_cork: sub-MSS tails wait
    bool tail_pushed = true;                // the last SEND that queued data was pushed: PSH at the end
    bool unpushed_call = false;             // inside a SEND without PUSH: its sub-MSS tail waits
    bool cork_release = false;              // the ceiling is sending the held tail
    std::optional<Instant> cork_deadline;   // a held tail goes by then (kCorkCeiling)

    // ---- deferred observer events (fired once the call is done) ----
    enum Event : uint8_t { Readable = 1, Writable = 2, Status = 4, Urgent = 8, Advice = 16 };
    uint8_t pending_events = 0;
    uint32_t advice_retransmissions = 0;  // for the deferred on_negative_advice
    int call_depth = 0;
    bool ack_now = false;  // an ACK is owed to the peer (sent by flush_output)

    // ---- connection.cc ----
    void set_state(State next, std::string_view cause);
    void fail(TcpError err, std::string_view cause);   // to CLOSED with an error
    void to_closed(std::string_view cause);            // to CLOSED, timers off
    void enter_time_wait(std::string_view cause, Instant now);
    void enter_established(std::string_view cause);
    void fire_events();
    void report_deadline();  // tells the layer hook when next_deadline() moved

    // ---- connection_orphan.cc ----
    bool begin_full_close();                // CloseMode::Full; false: done (RST, nothing to do)
    void count_orphan(State next);          // keeps OrphanCounters::orphans in step with set_state
    void arm_fin_wait2();                   // an orphan in FIN-WAIT-2: the Linux tcp_fin_timeout
    bool on_fin_wait2_timeout();            // true: the orphan went to CLOSED
    bool data_after_close(const Segment& seg);  // RFC 1122 4.2.2.13: RST for new data to an orphan

    // ---- connection_time_wait.cc ----
    bool time_wait_full() const;             // max_time_wait reached: CLOSED instead of TIME-WAIT
    void count_time_wait(State prev, State next);  // keeps TimeWaitCounters::time_wait in step with set_state

    // ---- connection_input.cc ----
    void input(const Segment& seg, Instant now);
    void input_closed(const Segment& seg);
    void input_syn_sent(const Segment& seg, Instant now);
    void input_synchronized(const Segment& seg, Instant now);
    bool check_ack(const Segment& seg, Instant now);   // fifth step; false: drop the segment
    void take_mss(const Segment& syn);
    void take_syn_options(const Segment& syn);  // MSS, and what both SYNs agree on (RFC 7323)
    void process_text_and_fin(const Segment& seg, Instant now);  // seventh and eighth steps
    void process_urgent(const Segment& seg);                       // sixth step (URG)
    void take_syn_text(Instant now);
    void ack_received_text(const Segment& seg, SeqNum rcv_nxt_before, bool had_gap, Instant now);
    bool paws_rejects(const Segment& seg) const;         // RFC 7323 §5.3 R1
    void update_ts_recent(const Segment& seg);          // RFC 7323 §4.3 (R3)
    void rtt_on_ack(const Segment& seg, Instant now);   // RTTM from TSecr, else Karn timing
    uint32_t ts_now() const;                            // our TSval: 1 ms ticks + offset
    bool oow_rate_limited(const Segment& seg);          // RFC 5961 §7 per connection
    void challenge_ack(const Segment& seg);             // RFC 5961 §3.2, §4.2, §5.2, throttled
    void oow_ack(const Segment& seg);                   // ACK for an unacceptable segment, throttled

    // ---- connection_output.cc ----
    void send_syn(bool with_ack, Instant now);
    void send_ack();
    void send_rst(SeqNum seq);
    void send_reset_for(const Segment& seg);  // §3.10.7.1 rules, never for a RST
    void emit(const Segment& seg, bool ect = false);  // ect: ECT(0) on an ECN connection
    Segment make_segment(SeqNum seq, uint8_t flags);
    void set_urgent_pointer(Segment& s) const;  // URG and SEG.UP while SEG.SEQ < SND.UP
    void output(Instant now);                  // data/FIN as windows allow, then owed ACKs
    bool send_data_segment(SeqNum seq, uint32_t max_len, bool retransmission, Instant now);
    void retransmit_head(Instant now);
    void update_timers(Instant now);
    // MAY-15: a tail of fewer than `unsent` < MSS octets waits (cork or an unpushed SEND).
    bool tail_held(uint32_t unsent) const;
    void on_cork_timeout(Instant now);  // the ceiling: the held tail goes, with PSH

    // ---- connection_icmp.cc ----
    bool on_icmp_error(const IcmpError& err, Instant now);
    bool on_fragmentation_needed(const IcmpError& err, Instant now);
    bool build_ip_options(const IpSettings& s, const SourceRoute& route);  // into ip_wire; false: too long
    void clamp_mss();            // send MSS within the path MTU less IP and TCP options (§3.7.1)
    // A data segment [seq, end) of `size` went out (size as ShortSegment::size).
    void note_sent_segment(SeqNum seq, SeqNum end, uint32_t size, bool retransmission);
    void forget_short_segments_below(SeqNum una);  // acknowledged: never resent
    void retransmit_too_big(Instant now);  // RFC 1191 §6.4: what no longer fits the MSS, again
    TcpError timeout_error() const { return soft_error != TcpError::None ? soft_error : TcpError::TimedOut; }

    // ---- connection_recovery.cc ----
    uint32_t take_sack(const Segment& seg);  // scoreboard update; returns octets newly SACKed
    void recovery_on_new_ack(uint32_t acked, uint32_t flight_before, Instant now);
    void recovery_on_dup_ack(uint32_t flight_before, Instant now);
    void enter_recovery(uint32_t flight, Instant now);
    void recovery_on_timeout(Instant now);   // RTO for data (not the SYN)
    bool sack_recovery() const { return sack_ok && (in_recovery || rto_recovery); }
    void output_sack_recovery(Instant now);  // RFC 6675 (C): NextSeg while cwnd - pipe >= SMSS
    bool send_hole(SeqNum left, SeqNum right, Instant now);
    bool send_lost(Instant now, bool head_if_untracked = false);           // NextSeg (1): the first segment RACK marked lost
    uint32_t pipe() const;
    void rack_on_ack(const Segment& seg, uint32_t flight_before, Instant now);  // RFC 8985 §6.2
    void rack_detect(uint32_t flight, Instant now);  // marks losses, enters recovery, re-arms the timer
    void on_rack_timeout(Instant now);               // RFC 8985 §6.3
    void undo_arm();                                 // before a reduction: remember the window
    void undo_check(const Segment& seg);             // RFC 3522 §3.2 detection, RFC 4015-style undo
    void arm_tlp(Instant now);                       // RFC 8985 §7.2: schedules the PTO when allowed
    void on_tlp_timeout(Instant now);                // RFC 8985 §7.3: sends the probe
    void tlp_on_ack(const Segment& seg, bool dsack, uint32_t flight_before, Instant now);  // §7.4
    uint32_t limited_transmit() const;       // RFC 3042: extra octets allowed by the first two DupAcks
    void set_congestion(CongestionAlgorithm algo);

    // ---- memory (connection_memory.cc; tcp/memory.h) ----
    MemoryAccount memory;
    MemoryUsage memory_usage() const;
    void memory_begin();  // a call starts: the buffers' growth budget from the pool
    void memory_end();    // the outermost call ends: charge what is held now
    // ---- receive buffer auto-tuning (connection_rcv_space.cc; tcp/rcv_space.h) ----
    void autotune_on_data(const Segment& seg, Instant now);  // in-order text arrived: receiver RTT
    void autotune_on_read(Instant now);                      // the application read: maybe grow the buffer
    // ---- connection_ecn.cc (RFC 3168 §6.1) ----
    void ecn_take_syn(const Segment& syn);     // negotiation from the peer's SYN or SYN-ACK
    uint8_t ecn_syn_flags(bool with_ack) const;  // ECE,CWR on our SYN; ECE on an agreeing SYN-ACK
    void ecn_on_segment(const Segment& seg);   // receiver: CWR stops the echo, CE starts it
    // Sender: an ECE on an ACK reduces the window once per window of data and
    // never lets that ACK grow it (`cwnd_before`: the window before the ACK).
    void ecn_on_ack(const Segment& seg, uint32_t flight_before, uint32_t cwnd_before, Instant now);

    // ---- connection_timers.cc ----
    void on_timer(Instant now);
    void on_retransmit_timeout(Instant now);
    void on_persist_timeout(Instant now);
    void on_keepalive_timeout(Instant now);
    void update_keepalive();                 // (re)computes keepalive_deadline from the TCB
    Instant keepalive_idle_since() const { return std::max(last_received, keepalive_start); }
    void negative_advice();                  // R1 reached (§3.8.3)
    std::optional<Instant> next_deadline() const;
    void arm_retransmit(Instant now) { retransmit_deadline = now + rtt.rto(); }
};

// Formats "<what> <number> <rest>" causes without iostreams (one small allocation per transition).
std::string cause_with_seq(std::string_view before, SeqNum seq, std::string_view after);

}  // namespace ustack::tcp
