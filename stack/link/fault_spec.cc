// Text form of a FaultConfig for the CLI's --fault option (parse and format).
#include "stack/link/fault_spec.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>

namespace ustack::link {

namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// A whole decimal number (no sign, no trailing text); returns its length used.
std::optional<double> parse_number(std::string_view s, size_t* used) {
    double v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v, std::chars_format::fixed);
    if (ec != std::errc() || !std::isfinite(v) || v < 0 || s.front() == '-' || s.front() == '+') return std::nullopt;
    *used = size_t(end - s.data());
    return v;
}

std::optional<double> parse_percent(std::string_view s) {
    size_t used = 0;
    if (!s.empty() && s.back() == '%') s.remove_suffix(1);
    if (s.empty()) return std::nullopt;
    auto v = parse_number(s, &used);
    if (!v || used != s.size() || *v > 100) return std::nullopt;
    return v;
}

std::optional<Duration> parse_duration(std::string_view s) {
    if (s.empty()) return std::nullopt;
    size_t used = 0;
    auto v = parse_number(s, &used);
    if (!v) return std::nullopt;
    std::string_view unit = s.substr(used);
    double ns_per = 0;
    if (unit == "ns") ns_per = 1;
    else if (unit == "us") ns_per = 1e3;
    else if (unit == "ms") ns_per = 1e6;
    else if (unit == "s") ns_per = 1e9;
    else if (unit.empty() && *v == 0) ns_per = 1;  // "0" needs no unit
    else return std::nullopt;
    double ns = *v * ns_per;
    if (ns > 3600e9) return std::nullopt;  // an hour of delay is a typo
    return Duration(int64_t(std::llround(ns)));
}

std::optional<uint64_t> parse_unsigned(std::string_view s) {
    uint64_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
    return v;
}

std::string format_duration(Duration d) {
    auto ns = d.count();
    char buf[48];
    if (ns % 1000000 == 0) std::snprintf(buf, sizeof buf, "%lldms", (long long)(ns / 1000000));
    else if (ns % 1000 == 0) std::snprintf(buf, sizeof buf, "%lldus", (long long)(ns / 1000));
    else std::snprintf(buf, sizeof buf, "%lldns", (long long)ns);
    return buf;
}

std::string format_percent(double p) {
    char buf[48];
    std::snprintf(buf, sizeof buf, "%.17g", p);
    return buf;
}

}  // namespace

// "'" + text + "'" built by appending: GCC 12 at -O3 (the bench build) warns
// falsely (-Wrestrict, GCC PR 105329) on `const char* + std::string&&`.
static std::string quoted(std::string_view text) {
    std::string s;
    s.reserve(text.size() + 2);
    s += '\'';
    s.append(text);
    s += '\'';
    return s;
}

std::optional<FaultConfig> parse_fault_spec(std::string_view text, std::string* error) {
    FaultConfig c;
    auto fail = [&](std::string why) -> std::optional<FaultConfig> {
        if (error) *error = std::move(why);
        return std::nullopt;
    };
    text = trim(text);
    if (text.empty()) return fail("empty fault spec (want KEY=VALUE[,KEY=VALUE...], e.g. loss=2,delay=10ms)");
    while (!text.empty()) {
        size_t comma = text.find(',');
        std::string_view pair = trim(text.substr(0, comma));
        text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
        if (comma != std::string_view::npos && trim(text).empty()) return fail("trailing ',' in fault spec");
        size_t eq = pair.find('=');
        if (pair.empty() || eq == std::string_view::npos)
            return fail(quoted(pair) + " is not KEY=VALUE");
        std::string_view key = trim(pair.substr(0, eq)), value = trim(pair.substr(eq + 1));
        std::string where = quoted(pair) + ": ";
        if (key == "loss" || key == "dup" || key == "reorder") {
            auto p = parse_percent(value);
            if (!p) return fail(where + "want a percentage in [0, 100]");
            (key == "loss" ? c.loss_percent : key == "dup" ? c.duplicate_percent : c.reorder_percent) = *p;
        } else if (key == "delay" || key == "jitter" || key == "reorder_delay") {
            auto d = parse_duration(value);
            if (!d) return fail(where + "want a duration with a unit (ns, us, ms, s), at most 3600s");
            (key == "delay" ? c.delay : key == "jitter" ? c.jitter : c.reorder_delay) = *d;
        } else if (key == "seed") {
            auto v = parse_unsigned(value);
            if (!v) return fail(where + "want an unsigned integer");
            c.seed = *v;
        } else if (key == "slots") {
            auto v = parse_unsigned(value);
            if (!v || *v < 1 || *v > 65536) return fail(where + "want 1..65536");
            c.queue_slots = size_t(*v);
        } else if (key == "dir") {
            if (value == "both") c.on_transmit = c.on_receive = true;
            else if (value == "tx") c.on_transmit = true, c.on_receive = false;
            else if (value == "rx") c.on_transmit = false, c.on_receive = true;
            else return fail(where + "want both, tx or rx");
        } else {
            return fail(where + "unknown key (loss, dup, reorder, delay, jitter, reorder_delay, seed, dir, slots)");
        }
    }
    return c;
}

std::string format_fault_spec(const FaultConfig& c) {
    const char* dir = c.on_transmit && c.on_receive ? "both" : c.on_transmit ? "tx" : c.on_receive ? "rx" : nullptr;
    std::string s = "loss=" + format_percent(c.loss_percent) + ",dup=" + format_percent(c.duplicate_percent) +
                    ",reorder=" + format_percent(c.reorder_percent) + ",delay=" + format_duration(c.delay) +
                    ",jitter=" + format_duration(c.jitter) + ",reorder_delay=" + format_duration(c.reorder_delay) +
                    ",seed=" + std::to_string(c.seed) + ",slots=" + std::to_string(c.queue_slots);
    // Neither direction has no text form; "both" then keeps the rest meaningful.
    s += std::string(",dir=") + (dir ? dir : "both");
    return s;
}

bool is_identity(const FaultConfig& c) {
    return (!c.on_transmit && !c.on_receive) ||
           (c.loss_percent == 0 && c.duplicate_percent == 0 && c.reorder_percent == 0 && c.delay == Duration::zero() &&
            c.jitter == Duration::zero());
}

}  // namespace ustack::link
