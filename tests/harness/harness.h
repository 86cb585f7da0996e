// Test harness: one TcpLayer on a manual clock facing a scripted peer
// (style.md rules 10 and 11). Tests read as the peer's script: inject a
// segment, expect the next one exactly, expect silence, advance the clock.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <source_location>
#include <string>
#include <string_view>
#include <vector>

#include "base/time.h"
#include "stack/wire/ipv4_address.h"
#include "tcp/config.h"
#include "tcp/connection.h"
#include "tcp/isn.h"
#include "tcp/observer.h"
#include "tcp/outbox.h"
#include "tcp/tcp_layer.h"
#include "tests/harness/seg.h"

#include <gtest/gtest.h>

namespace ustack::testing {

using namespace std::chrono_literals;
using tcp::State;
using tcp::TcpError;
using Loc = std::source_location;

// How the fixture opened the connection, where it matters (§3.5).
enum class Open { Active, Passive };

// Application events, from ConnectionObserver / ListenerObserver.
enum class Event { Readable, Eof, Writable, Established, Error, Closed, Acceptable, Urgent, NegativeAdvice };
std::string_view to_string(Event e);

struct HarnessOptions {
    wire::Ipv4Address local{10, 0, 0, 2};   // our side
    wire::Ipv4Address remote{10, 0, 0, 1};  // the scripted peer
    uint16_t listen_port = 80;              // our port for passive opens
    uint16_t peer_port = 40000;             // the peer's port
    uint32_t our_isn = 1000;                // FixedIsn for our side
    uint32_t peer_isn = 5000;
    uint16_t peer_window = 65535;           // window of injected segments by default
    uint16_t peer_mss = 1460;               // MSS the fixtures announce in the peer's SYN
    bool peer_sack_permitted = false;       // the peer's SYN (or SYN-ACK) in the fixtures offers SACK (RFC 2018 §2)
};

class Harness {
public:
    explicit Harness(HarnessOptions options = {});
    virtual ~Harness();  // on test failure: prints the step log and writes a pcap
    Harness(const Harness&) = delete;
    Harness& operator=(const Harness&) = delete;

    // ---- Setup: change the configuration before the first step. ----
    tcp::TcpConfig& config();
    HarnessOptions& options() { return opt_; }
    tcp::TcpLayer& layer();
    tcp::FixedIsn& isn() { return isn_; }
    Instant now() const { return now_; }
    Duration elapsed() const { return now_ - start_; }

    // ---- The peer's script ----
    // The peer sends `s` (relative to the peer's ISN; defaults: seq = the peer's
    // next sequence number, ack = our highest sent sequence number when ACK is set).
    void inject(const Seg& s, Loc loc = Loc::current());
    // The next segment our side sent matches `s` exactly (unset fields open). Returns it.
    Recorded expect(const Seg& s, Loc loc = Loc::current());
    // Same, letting the clock run (timers fire) for at most `d` until something is sent.
    Recorded expect_within(Duration d, const Seg& s, Loc loc = Loc::current());
    // Silence for d - 1ns, then `s` exactly d from now (timer precision tests).
    Recorded expect_after(Duration d, const Seg& s, Loc loc = Loc::current());
    // Nothing sent while the clock advances `d` (0: nothing pending now).
    void expect_silence(Duration d = Duration::zero(), Loc loc = Loc::current());
    // A user timeout at exactly `d` (§3.10.8): `before` until d - 1ns, then CLOSED, TimedOut, nothing sent (no RST).
    void expect_times_out_at(Duration d, State before = State::Established, Loc loc = Loc::current());
    // Advances the clock, firing on_timer at each deadline reached on the way, in order.
    void advance(Duration d, Loc loc = Loc::current());
    // Segments sent and not yet expected; expect/expect_silence consume them.
    const std::deque<Recorded>& pending() const { return out_; }
    // Drops pending output (for tests that do not care, e.g. optional ACKs).
    void discard_pending(Loc loc = Loc::current());
    // An ICMP error quoting our segment at relative seq `rel_seq` reaches the layer now
    // (RFC 1122 §4.2.3.9, RFC 1191 for `mtu`). Returns true when a connection acted on it.
    bool icmp(tcp::IcmpError::Kind kind, uint8_t code, int64_t rel_seq, uint16_t mtu = 0, uint16_t quoted_len = 0);

    // State of the current connection. LISTEN means: no live connection on the
    // current 4-tuple and a listener on our port (a passive SYN-RECEIVED
    // connection "returns to LISTEN", §3.10.7.4).
    void expect_state(State s, Loc loc = Loc::current());
    State state();
    void expect_event(Event e, Loc loc = Loc::current());
    void expect_no_event(Event e, Loc loc = Loc::current());
    void expect_error(TcpError e, Loc loc = Loc::current());

    // ---- The application's calls ----
    tcp::Listener& listen(uint16_t port = 0, size_t backlog = 16, Loc loc = Loc::current());
    tcp::Connection& connect(Loc loc = Loc::current());
    tcp::Connection& accept(Loc loc = Loc::current());
    size_t send(std::string_view bytes, Loc loc = Loc::current());
    size_t send_urgent(std::string_view bytes, Loc loc = Loc::current());  // SEND with URGENT (§3.8.5)
    std::string receive(size_t max = SIZE_MAX, Loc loc = Loc::current());
    void close(Loc loc = Loc::current());       // CLOSE, half-close (CloseMode::Send)
    void close_full(Loc loc = Loc::current());  // close(now, CloseMode::Full): an orphan from now on
    void abort(Loc loc = Loc::current());

    // ---- Fixtures (rule 11): reach `s` by driving real segments. ----
    // CLOSED: ESTABLISHED then ABORT. SYN-RECEIVED active: simultaneous open.
    // CLOSING: simultaneous close. Data offsets afterwards: both sides at seq 1,
    // plus 1 for each FIN already sent.
    void in_state(State s, Open how = Open::Active, Loc loc = Loc::current());
    // ESTABLISHED (active open), the peer has just advertised a zero window.
    void peer_closes_window(Loc loc = Loc::current());

    // ---- Access ----
    bool has_connection() const { return conn_ != nullptr; }
    tcp::Connection& conn();
    tcp::TcbSnapshot snap();
    tcp::Listener* listener() { return listener_.get(); }
    const tcp::FourTuple& tuple() const { return tuple_; }
    // Relative numbers of a segment we sent (seq vs our ISN, ack vs the peer's ISN).
    int64_t rel_seq(const Recorded& r) const;
    int64_t rel_ack(const Recorded& r) const;
    uint32_t our_iss() const { return opt_.our_isn; }
    uint32_t peer_iss() const { return opt_.peer_isn; }
    void set_check_invariants(bool on) { check_invariants_ = on; }

    // Failure artefacts.
    std::string log_text() const;
    bool write_pcap(const std::string& path) const;  // LINKTYPE_RAW IPv4, built with libtins

private:
    class Out;
    class Tracer;
    class AppObserver;
    class ListenObserver;
    struct TracedConn { tcp::FourTuple tuple; State state; };

    void note(std::string line);
    void record_out(const tcp::FourTuple& t, const tcp::Segment& s);
    void run_until(Instant target, Loc loc);
    void check_invariants(Loc loc);
    void fail(Loc loc, const std::string& msg);
    std::vector<std::string> mismatches(const Seg& s, const Recorded& r) const;
    std::string line(const Recorded& r) const;
    void adopt(std::shared_ptr<tcp::Connection> c);
    void push_event(Event e);

    HarnessOptions opt_;
    // RFC 6298 §2.4's 1 s RTO floor (the tests' timings assume it; the
    // 200 ms default is tested on its own), no tail loss probes unless a test turns them on.
    tcp::TcpConfig config_ = [] {
        tcp::TcpConfig c;
        c.rto_min = std::chrono::seconds(1);
        c.tail_loss_probe = false;
        return c;
    }();
    tcp::FixedIsn isn_;
    std::unique_ptr<Out> outbox_;
    std::unique_ptr<Tracer> tracer_;
    std::unique_ptr<AppObserver> app_;
    std::unique_ptr<ListenObserver> listen_obs_;
    std::unique_ptr<tcp::TcpLayer> layer_;
    Instant start_, now_;

    std::shared_ptr<tcp::Listener> listener_;
    std::shared_ptr<tcp::Connection> conn_;
    std::vector<std::shared_ptr<tcp::Connection>> held_;
    tcp::FourTuple tuple_;
    std::map<const tcp::Connection*, TracedConn> traced_;

    std::deque<Recorded> out_;
    std::vector<Recorded> wire_;  // everything, both directions, for the pcap
    std::vector<std::string> log_;
    std::vector<std::pair<Event, bool>> events_;  // event, consumed
    std::vector<std::string> violations_;         // found while recording output
    bool last_in_was_rst_ = false;
    int64_t peer_next_ = 0;  // relative to the peer's ISN
    int64_t our_next_ = 0;   // relative to our ISN
    bool check_invariants_ = true;
};

// GoogleTest fixture: the test body calls the harness directly.
class TcpTest : public ::testing::Test, public Harness {};

}  // namespace ustack::testing
