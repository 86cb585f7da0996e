// The text form of a FaultConfig, as the CLI's --fault option takes it:
// "loss=2,delay=10ms,jitter=2ms,reorder=5,dup=1,seed=7" (see fault_injector.h).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "stack/link/fault_injector.h"

namespace ustack::link {

// Parses comma-separated KEY=VALUE pairs into a FaultConfig; keys left out keep
// their FaultConfig defaults. Keys:
//   loss, dup, reorder      percent in [0, 100]
//   delay, jitter, reorder_delay  durations with unit: 10ms, 500us, 1s, 2.5ms (a bare 0 is allowed)
//   seed                    unsigned integer
//   dir                     both | tx | rx   (which direction is impaired)
//   slots                   held-packet pool size, 1..65536
// Returns nullopt and sets *error (one line naming the bad pair) on a malformed spec.
std::optional<FaultConfig> parse_fault_spec(std::string_view text, std::string* error);

// The canonical text of `config` (every key), which parse_fault_spec reads back to an equal
// config (when at least one direction is impaired; neither has no text form).
std::string format_fault_spec(const FaultConfig& config);

// True when `config` impairs nothing (all rates and delays zero).
bool is_identity(const FaultConfig& config);

}  // namespace ustack::link
