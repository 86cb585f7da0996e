// The `ustack fetch` progress meter (no RFC): bytes, rate and time left on one redrawn stderr line.
// Pure: the caller passes the time in and decides whether stderr is a terminal.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "base/time.h"

namespace ustack::http {

// 1023 -> "1023 B", 1536 -> "1.5 KiB", 5 << 20 -> "5.0 MiB" (binary units, one decimal).
std::string format_bytes(uint64_t bytes);
// Seconds -> "0:07", "12:34", "1:02:03"; negative or not finite -> "--:--".
std::string format_duration(double seconds);
// One meter line without "\r": "  1.0 MiB / 4.0 MiB  25%  512.0 KiB/s  0:03 elapsed  0:06 left"; with no
// total (no Content-Length), the size, rate and elapsed time only.
std::string format_progress(uint64_t bytes, std::optional<uint64_t> total, double elapsed_seconds);

// Whether to draw: --progress / --no-progress win, -s silences, else only when stderr is a terminal.
bool progress_enabled(bool stderr_is_tty, bool force_on, bool force_off, bool silent);

// Draws at most every `interval` (default 200 ms); the rate is bytes over the time since start().
class ProgressMeter {
public:
    explicit ProgressMeter(bool enabled, Duration interval = std::chrono::milliseconds(200))
        : enabled_(enabled), interval_(interval) {}
    // A new transfer begins (total unknown until set_total()).
    void start(Instant now);
    void set_total(std::optional<uint64_t> total) { total_ = total; }
    // The text to write to stderr ("\r" + line, padded over the previous one), or "" when not due/disabled.
    std::string update(uint64_t bytes, Instant now);
    // The final line and a newline ("" when disabled).
    std::string finish(uint64_t bytes, Instant now);
    bool enabled() const { return enabled_; }

private:
    std::string draw(uint64_t bytes, Instant now);

    bool enabled_;
    Duration interval_;
    Instant started_{};
    std::optional<Instant> last_draw_;
    std::optional<uint64_t> total_;
    size_t last_width_ = 0;
};

}  // namespace ustack::http
