// Runs one parsed script against the Linux kernel's own TCP in real time:
// injects `<` packets into a TUN device, matches what the kernel sends out of
// it against `>` lines, and performs the calls on real kernel sockets in
// helper threads so packets can be checked while a call blocks.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "tools/script/ast.h"
#include "tools/script/packet_io.h"
#include "tools/script/runner.h"
#include "tools/script/script.h"

namespace ustack::script {

// The run configuration from the command line (before a script's own options).
RunConfig base_config(const ScriptOptions& o);

// --against-linux and --diff over many files (run_scripts() dispatches here).
int run_scripts_linux(const ScriptOptions& options, const std::vector<std::string>& files, std::ostream& out);

// Parses one IPv4 packet read from the TUN device. Returns false for anything
// that is not TCP from `local` to `remote` (IPv6 noise, ICMP, other hosts).
bool parse_outbound_ipv4(const uint8_t* data, size_t len, wire::Ipv4Address local, wire::Ipv4Address remote,
                         Instant at, WirePacket& out);

class LinuxRunner {
public:
    // `tun_fd` is the TUN device of a private namespace (enter_private_netns).
    LinuxRunner(const Script& script, const RunConfig& cfg, int tun_fd, std::ostream* trace);
    ~LinuxRunner();
    // Runs every event; throws ScriptError(line, message) at the first failure.
    // A failure may leave a helper thread blocked in a kernel call: the caller
    // is a forked child that _exit()s afterwards.
    void run();
    const std::vector<WirePacket>& capture() const { return capture_; }
    // Lines due later than this fail at once instead of being waited for.
    void set_max_usecs(int64_t usecs) { max_usecs_ = usecs; }

    // The result of a kernel call, as the script sees it.
    struct Outcome {
        int64_t ret = 0;
        int err = 0;           // errno when ret == -1
        int64_t at_usecs = 0;  // when the call returned
        std::vector<int16_t> revents;  // poll()
        int64_t optval = 0;            // getsockopt()
    };

private:
    struct Pending {
        const Event* event = nullptr;
        const SyscallSpec* spec = nullptr;
        std::optional<int64_t> end_usecs;
        std::future<Outcome> result;
    };

    int64_t now_usecs() const;
    Instant instant(int64_t usecs) const;
    int64_t tolerance_for(int64_t script_usecs) const;
    void reader_loop();
    void take_packets();                  // reader queue -> outq_, learning the kernel's ISN
    bool wait_packet(int64_t until_usecs);  // true when outq_ is non-empty
    void sleep_until(int64_t usecs);
    void inject(const Event& e, const PacketSpec& p, int64_t t);
    void expect(const Event& e, const PacketSpec& p, int64_t lo, int64_t hi, bool any_time);
    void syscall(const Event& e, const SyscallSpec& s, int64_t t, std::optional<int64_t> end);
    void wait_pending(int line_starting);  // a blocked call must return before the next one starts
    void complete(Pending& p, const Outcome& o);
    void finish();
    [[noreturn]] void fail(int line, const std::string& what) const;

    // ---- calls (linux_syscalls.cc): prepare on this thread, run on a helper ----
    std::function<Outcome()> prepare(const Event& e, const SyscallSpec& s);
    int64_t eval(const Expr& e, int line) const;
    int real_fd(const SyscallSpec& s, size_t arg, int line) const;  // -1: not a script fd
    int64_t int_arg(const SyscallSpec& s, size_t arg, int line) const;
    void check_result(const Pending& p, const Outcome& o);

    const Script& script_;
    RunConfig cfg_;
    int tun_fd_;
    std::ostream* trace_;
    std::chrono::steady_clock::time_point start_;
    IsnPair isn_;
    std::map<std::pair<uint16_t, uint16_t>, uint32_t> isn_by_ports_;  // (local, remote port) -> kernel ISN
    IsnPair isn_for(const tcp::FourTuple& t) const;  // each connection has its own kernel ISN
    std::optional<tcp::FourTuple> live_;
    std::deque<WirePacket> outq_;
    std::vector<WirePacket> capture_;
    std::map<int, int> fds_;  // script fd -> kernel fd
    std::map<int, tcp::Endpoint> bound_;  // script fd -> its bind() address
    std::optional<Pending> pending_;
    const Event* last_event_ = nullptr;
    int64_t last_script_usecs_ = 0;
    int line_ = 0;
    int64_t max_usecs_ = 300'000'000;

    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<WirePacket> arrived_;  // read by the reader thread, guarded by mu_
    bool stop_ = false;
    std::thread reader_;
};

}  // namespace ustack::script
