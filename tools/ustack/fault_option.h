// --fault SPEC for `ustack serve` and `ustack fetch`: wraps the TUN link in the
// seeded FaultInjector (stack/link/fault_injector.h), since this kernel has no netem.
#pragma once

#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include "stack/link/fault_injector.h"

namespace CLI {
class App;
}

namespace ustack::cli {

// Adds `--fault SPEC` to `cmd`, storing the text in `spec`.
void add_fault_option(CLI::App* cmd, std::string& spec);

// Parses the option's text; empty -> nullopt (no injector). Throws CliError(kUsage)
// naming the bad KEY=VALUE pair.
std::optional<link::FaultConfig> parse_fault_option(const std::string& spec);

// The injector around `tun` when `config` is set, else nullptr.
std::unique_ptr<link::FaultInjector> make_fault_injector(link::Link& tun, const std::optional<link::FaultConfig>& config);

// One line "ustack: fault injector (SPEC): N packets, N dropped, ..." on `out`; nothing when `f` is null.
void print_fault_counters(std::FILE* out, const link::FaultInjector* f);

}  // namespace ustack::cli
