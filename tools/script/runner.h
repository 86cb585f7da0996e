// Runs one parsed script against a TcpLayer on a virtual clock: injects
// packets, matches ustack's segments against expected lines with timing
// tolerance, and executes system calls on script-level sockets.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "tcp/isn.h"
#include "tcp/tcp_layer.h"
#include "tools/script/ast.h"
#include "tools/script/packet_io.h"

namespace ustack::script {

// The corpus's reference is Linux with tcp_early_retrans=0 and
// tcp_rto_min_us=1000000 (linux_netns.cc): ustack runs the same way, no
// tail loss probes and the RFC 6298 §2.4 floor of 1 s.
inline tcp::TcpConfig script_tcp_config() {
    tcp::TcpConfig t;
    t.tail_loss_probe = false;
    t.rto_min = std::chrono::seconds(1);
    return t;
}

struct RunConfig {
    int64_t tolerance_usecs = 4000;  // packetdrill's default
    double tolerance_percent = 0;    // of the gap since the previous event, when larger
    wire::Ipv4Address local_ip{192, 168, 0, 1};
    wire::Ipv4Address remote_ip{192, 0, 2, 1};
    uint16_t bind_port = 8080;     // bind(fd, ..., ...) and listen without bind
    uint16_t connect_port = 8080;  // connect(fd, ..., ...)
    uint16_t remote_port = 40000;  // the peer's port towards a listener
    tcp::TcpConfig tcp = script_tcp_config();
    uint32_t local_isn = 0x4a1c2b3d;   // ustack's ISN (FixedIsn)
    uint32_t remote_isn = 0x2f3e4d5c;  // the script peer's ISN
    // What the options mean for a run against Linux ("net.NAME=VALUE"), e.g.
    // --syn_cookies=2: net.ipv4.tcp_syncookies=2. --linux_sysctl overrides them.
    std::vector<std::string> linux_sysctls;
};

// Sets SYN cookies from Linux's tcp_syncookies value (0, 1, 2) for ustack and
// for Linux; false when `value` is not one of them.
bool set_syn_cookies(RunConfig& cfg, int64_t value);

// Applies a script's --options to `cfg`; throws ScriptError for an unknown one.
void apply_option(RunConfig& cfg, const ScriptOption& o);

class Runner final : public tcp::Outbox {
public:
    Runner(const Script& script, const RunConfig& cfg, std::ostream* trace);
    ~Runner() override;
    // Runs every event; throws ScriptError(line, message) at the first failure.
    void run();
    const std::vector<WirePacket>& capture() const { return capture_; }

    // Outbox: a segment ustack sends now.
    void send(const tcp::FourTuple& tuple, const tcp::Segment& seg) override;

private:
    struct Socket {
        bool nonblocking = false;
        bool linger_abort = false;  // SO_LINGER {onoff=1, linger=0}: close() sends RST
        bool nodelay = false;       // TCP_NODELAY
        bool cork = false;          // TCP_CORK
        std::optional<tcp::CongestionAlgorithm> congestion;  // TCP_CONGESTION
        // SO_KEEPALIVE, TCP_KEEPIDLE/KEEPINTVL/KEEPCNT, TCP_USER_TIMEOUT (ms):
        // kept here, applied to the connection, inherited by accepted sockets.
        bool keepalive = false;
        tcp::KeepAliveConfig keepalive_config;
        int64_t user_timeout_ms = 0;
        bool bound = false;
        bool error_reported = false;
        bool shut_rd = false;
        bool connect_started = false;
        tcp::Endpoint local;
        std::shared_ptr<tcp::Listener> listener;
        std::shared_ptr<tcp::Connection> conn;
    };
    // A system call in progress (blocked, or being tried the first time).
    struct Call {
        const Event* event = nullptr;
        const SyscallSpec* spec = nullptr;
        int64_t start_usecs = 0;
        std::optional<int64_t> end_usecs;  // when it must return; none: at once
        size_t written = 0;                // write(): bytes queued so far
        std::optional<Instant> timeout_at;  // poll() with a timeout
    };
    struct Outcome {
        bool blocked = false;
        int64_t ret = 0;
        int err = 0;  // errno when ret == -1
    };

    // ---- time (runner.cc) ----
    int64_t now_usecs() const;
    Instant at_usecs(int64_t usecs) const;
    std::optional<Instant> next_deadline() const;
    void fire(Instant when);
    void advance_to(int64_t usecs);
    void settle();  // completes a blocked call that can finish now
    int64_t tolerance_for(int64_t script_usecs) const;

    // ---- events (runner.cc) ----
    void inject(const Event& e, const PacketSpec& p, int64_t t);
    void expect(const Event& e, const PacketSpec& p, int64_t lo, int64_t hi, bool any_time);
    void syscall(const Event& e, const SyscallSpec& s, int64_t t, std::optional<int64_t> end);
    void finish();
    tcp::FourTuple inbound_tuple(const PacketSpec& p);
    void check_result(const Call& c, const Outcome& o);
    [[noreturn]] void fail(int line, const std::string& what) const;

    // ---- system calls (runner_syscalls.cc) ----
    Outcome perform(Call& c, bool first);
    Socket* socket_for(const Call& c, size_t arg);  // nullptr: no such fd
    int64_t int_arg(const Call& c, size_t arg) const;
    int64_t eval(const Expr& e, int line) const;
    int error_of(Socket& s);
    int16_t poll_events(Socket& s);
    Outcome sys_socket(Call& c);
    Outcome sys_bind(Call& c);
    Outcome sys_listen(Call& c);
    Outcome sys_accept(Call& c);
    Outcome sys_connect(Call& c, bool first);
    Outcome sys_read(Call& c);
    Outcome sys_write(Call& c);
    Outcome sys_close(Call& c);
    Outcome sys_shutdown(Call& c);
    Outcome sys_setsockopt(Call& c);
    Outcome sys_getsockopt(Call& c);
    void apply_tcp_options(Socket& s);  // the keep-alive and user-timeout settings, once s.conn exists
    Outcome sys_fcntl(Call& c);
    Outcome sys_poll(Call& c, bool first);
    tcp::Endpoint sockaddr_arg(const Call& c, size_t arg, tcp::Endpoint fallback) const;

    const Script& script_;
    RunConfig cfg_;
    std::ostream* trace_;
    tcp::FixedIsn isn_gen_;
    std::unique_ptr<tcp::TcpLayer> layer_;
    Instant now_{};
    IsnPair isn_;
    std::optional<tcp::FourTuple> live_;  // the connection the script's packets belong to
    std::deque<WirePacket> outq_;         // sent by ustack, not yet matched by a > line
    std::vector<WirePacket> capture_;     // everything, for the pcap
    std::map<int, Socket> sockets_;
    std::optional<Call> blocked_;
    const Event* last_event_ = nullptr;
    int64_t last_script_usecs_ = 0;
    int line_ = 0;  // the event being run
    int fires_at_now_ = 0;  // on_timer() calls without the clock moving (loop guard)
    std::vector<uint8_t> scratch_;  // read() destination
};

}  // namespace ustack::script
