// The `ustack fetch` progress meter: formatting and redraw pacing (no I/O, no clock reads).
#include "http/progress.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace ustack::http {

std::string format_bytes(uint64_t bytes) {
    if (bytes < 1024) return std::to_string(bytes) + " B";
    static constexpr const char* units[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    double v = double(bytes) / 1024;
    size_t u = 0;
    while (v >= 1024 && u + 1 < std::size(units)) {
        v /= 1024;
        ++u;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f %s", v, units[u]);
    return buf;
}

std::string format_duration(double seconds) {
    if (!std::isfinite(seconds) || seconds < 0 || seconds > 359999999) return "--:--";
    auto s = uint64_t(seconds + 0.5);
    char buf[32];
    if (s >= 3600)
        std::snprintf(buf, sizeof buf, "%llu:%02llu:%02llu", (unsigned long long)(s / 3600),
                      (unsigned long long)(s / 60 % 60), (unsigned long long)(s % 60));
    else
        std::snprintf(buf, sizeof buf, "%llu:%02llu", (unsigned long long)(s / 60), (unsigned long long)(s % 60));
    return buf;
}

std::string format_progress(uint64_t bytes, std::optional<uint64_t> total, double elapsed) {
    double rate = elapsed > 0 ? double(bytes) / elapsed : 0;
    std::string line = "  " + format_bytes(bytes);
    if (total) {
        line += " / " + format_bytes(*total);
        uint64_t pct = *total == 0 ? 100 : std::min<uint64_t>(100, bytes * 100 / *total);
        line += "  " + std::to_string(pct) + "%";
    }
    line += "  " + format_bytes(uint64_t(rate)) + "/s";
    line += "  " + format_duration(elapsed) + " elapsed";
    if (total) {
        double left = bytes >= *total ? 0.0 : rate > 0 ? double(*total - bytes) / rate : -1.0;
        line += "  " + format_duration(left) + " left";
    }
    return line;
}

bool progress_enabled(bool stderr_is_tty, bool force_on, bool force_off, bool silent) {
    if (force_off) return false;
    if (force_on) return true;
    return stderr_is_tty && !silent;
}

void ProgressMeter::start(Instant now) {
    started_ = now;
    last_draw_.reset();
    total_.reset();
    last_width_ = 0;
}

std::string ProgressMeter::draw(uint64_t bytes, Instant now) {
    last_draw_ = now;
    std::string line = format_progress(bytes, total_, std::chrono::duration<double>(now - started_).count());
    size_t width = line.size();
    if (width < last_width_) line.append(last_width_ - width, ' ');  // wipe the rest of a longer line
    last_width_ = width;
    return "\r" + line;
}

std::string ProgressMeter::update(uint64_t bytes, Instant now) {
    if (!enabled_) return "";
    if (last_draw_ && now - *last_draw_ < interval_) return "";
    return draw(bytes, now);
}

std::string ProgressMeter::finish(uint64_t bytes, Instant now) {
    if (!enabled_) return "";
    std::string out = draw(bytes, now) + "\n";
    last_draw_.reset();
    last_width_ = 0;
    return out;
}

}  // namespace ustack::http
