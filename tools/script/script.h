// `ustack script FILE...`: packet scripts in the packetdrill dialect, run
// in-process against ustack's TCP core on a virtual clock (no root needed).
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace ustack::script {

// Command-line settings. Options at the top of a script override these for
// that script (as in packetdrill, where script options are applied last).
struct ScriptOptions {
    std::optional<int64_t> tolerance_usecs;  // default 4000
    std::optional<uint16_t> mss;             // the MSS ustack announces (default 1460)
    std::optional<std::string> local_ip;     // ustack's address (default 192.168.0.1)
    std::optional<std::string> remote_ip;    // the script peer's address (default 192.0.2.1)
    std::optional<int64_t> msl_secs;         // maximum segment lifetime (default 120 s)
    // SYN cookies as Linux's tcp_syncookies: 0 never, 1 when the SYN queue is
    // full (ustack's default), 2 for every SYN; against Linux it sets that sysctl.
    std::optional<int64_t> syn_cookies;
    std::string pcap_dir;   // write every run's pcap here; empty: failing runs to /tmp/ustack-script-pcaps
    std::string json_path;  // results as [{"name", "passed", "rfc9293": [...]}]
    bool verbose = false;   // print every packet and call as it happens
    // --against-linux: run against the Linux kernel's TCP in a private network
    // namespace (root only; exit 77 without). --diff: against ustack and Linux.
    bool against_linux = false;
    bool diff = false;
    std::vector<std::string> linux_sysctls;  // extra "net.NAME=VALUE" for each namespace
    int jobs = 1;                            // Linux runs at once (each in its own namespace)
    int64_t linux_max_secs = 300;            // a script reaching past this is not run in real time
};

// The timing tolerance against Linux when neither the command line nor the
// script gives one: real time on a shared machine needs more than packetdrill's 4 ms.
inline constexpr int64_t kLinuxToleranceUsecs = 25'000;
// ... plus this share of the gap since the previous line: Linux's timer wheel
// fires a timer up to 1/8 of its length late (kernel/time/timer.c levels).
inline constexpr double kLinuxTolerancePercent = 12.5;

struct ScriptResult {
    std::string name;
    bool passed = false;
    std::string message;  // "FILE:LINE: what went wrong" (with expected and actual packets)
    std::vector<std::string> rfc9293;
    std::string pcap_path;  // empty when none was written
};

// Runs one script given as text; `name` is used in messages and pcap names.
ScriptResult run_script_text(std::string_view text, const std::string& name, const ScriptOptions& options,
                             std::ostream* trace = nullptr);

// Runs one script against the Linux kernel in a forked child inside a fresh
// network namespace. `skipped` is set (and passed false) when the namespace
// cannot be created; the message says why.
ScriptResult run_script_linux(std::string_view text, const std::string& name, const ScriptOptions& options,
                              bool* skipped, std::string* trace = nullptr);

// Runs each file, prints PASS/FAIL per script and a final "N passed, M failed"
// line to `out`, writes JSON and pcaps as asked. Returns 0 only when every script passed.
int run_scripts(const ScriptOptions& options, std::vector<std::string> files, std::ostream& out);

}  // namespace ustack::script
