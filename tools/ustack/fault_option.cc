// --fault SPEC: parse, build the FaultInjector around the TUN link, report its counters.
#include "tools/ustack/fault_option.h"

#include <CLI/CLI.hpp>

#include "stack/link/fault_spec.h"
#include "tools/ustack/common.h"

namespace ustack::cli {

void add_fault_option(CLI::App* cmd, std::string& spec) {
    cmd->add_option("--fault", spec,
                    "impair the link with ustack's seeded fault injector (the kernel has no netem): "
                    "KEY=VALUE,... with loss, dup, reorder (percent), delay, jitter, reorder_delay (e.g. 10ms, "
                    "500us), seed, dir (both|tx|rx, default both), slots (held packets, default 512); "
                    "e.g. --fault loss=2,delay=10ms,jitter=2ms,reorder=5,dup=1,seed=7");
}

std::optional<link::FaultConfig> parse_fault_option(const std::string& spec) {
    if (spec.empty()) return std::nullopt;
    std::string error;
    auto config = link::parse_fault_spec(spec, &error);
    if (!config) throw CliError{kUsage, "--fault: " + error};
    return config;
}

std::unique_ptr<link::FaultInjector> make_fault_injector(link::Link& tun,
                                                         const std::optional<link::FaultConfig>& config) {
    if (!config) return nullptr;
    return std::make_unique<link::FaultInjector>(tun, *config);
}

void print_fault_counters(std::FILE* out, const link::FaultInjector* f) {
    if (!f) return;
    const link::FaultCounters& k = f->counters();
    std::fprintf(out,
                 "ustack: fault injector (%s): %llu packets, %llu dropped, %llu duplicated, %llu delayed, "
                 "%llu reordered, %llu sent undelayed (pool full)\n",
                 link::format_fault_spec(f->config()).c_str(), (unsigned long long)k.packets,
                 (unsigned long long)k.dropped, (unsigned long long)k.duplicated, (unsigned long long)k.delayed,
                 (unsigned long long)k.reordered, (unsigned long long)k.queue_full);
}

}  // namespace ustack::cli
