// Time as a value. The TCP core never reads a clock: every call that needs the
// time takes an Instant, and timers are Instants stored in data (DEVELOPERS.md).
#pragma once

#include <chrono>
#include <cstdint>

namespace ustack {

// The clock of a stack. It has no now(): the shell (Asio loop or the test
// harness) decides what time it is and passes it in.
struct StackClock {
    using duration = std::chrono::nanoseconds;
    using rep = duration::rep;
    using period = duration::period;
    using time_point = std::chrono::time_point<StackClock>;
    static constexpr bool is_steady = true;
};

using Duration = StackClock::duration;
using Instant = StackClock::time_point;

// Converts a std::chrono::steady_clock reading into an Instant (shells only).
template <class TimePoint>
constexpr Instant to_instant(TimePoint tp) {
    return Instant(std::chrono::duration_cast<Duration>(tp.time_since_epoch()));
}

// Microseconds since the clock's epoch, for logs and pcap timestamps.
constexpr int64_t to_micros(Instant t) {
    return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}

}  // namespace ustack
