// The parsed form of a packet script in the packetdrill dialect: event times,
// packet lines (< inject, > expect) and system-call lines.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace ustack::script {

// A problem with the script itself or a failed expectation, at file:line.
struct ScriptError : std::runtime_error {
    ScriptError(int l, const std::string& what) : std::runtime_error(what), line(l) {}
    int line;
};

enum class TimeKind { Absolute, Relative, Any, AbsoluteRange, RelativeRange };

struct EventTime {
    TimeKind kind = TimeKind::Absolute;
    int64_t usecs = 0;      // the time, or the start of a range
    int64_t end_usecs = 0;  // end of a range (ranges only)
};

// One element of a <...> option list, kept in script order so injected
// packets carry exactly the bytes the script wrote.
struct OptionSpec {
    enum class Kind { Nop, Eol, Mss, WindowScale, SackOk, Sack, Timestamp };
    Kind kind = Kind::Nop;
    uint32_t a = 0, b = 0;  // mss / shift count / TS val and ecr
    std::vector<std::pair<uint32_t, uint32_t>> blocks;  // sack left:right, relative
};

struct PacketSpec {
    bool inbound = true;
    std::optional<uint16_t> src_port, dst_port;
    uint8_t flags = 0;  // tcp::flags bits
    uint32_t start = 0;
    uint32_t len = 0;
    std::optional<uint32_t> ack;
    std::optional<uint16_t> win;
    std::optional<uint16_t> urg;
    bool options_unchecked = false;  // <...>
    std::vector<OptionSpec> options;
};

// A syscall argument or result: integers, symbols, [lists], {structs}, a|b, name=value, f(x).
struct Expr {
    enum class Kind { Ellipsis, Int, Word, String, List, Struct, Or, Assign, Call };
    Kind kind = Kind::Ellipsis;
    int64_t num = 0;
    std::string text;         // Word, String, Assign (the name), Call (the function)
    std::vector<Expr> items;  // List/Struct elements, Or operands, Assign value, Call arguments
};

struct SyscallSpec {
    std::string name;
    std::vector<Expr> args;
    Expr result;
    std::string errno_name;           // empty when the script gives none
    std::optional<int64_t> end_usecs;  // `...END`: the call may block until END
};

struct Event {
    int line = 0;
    EventTime time;
    std::variant<PacketSpec, SyscallSpec> action;
};

struct ScriptOption {
    std::string name;   // without the leading "--"
    std::string value;  // empty for a bare flag
    int line = 0;
};

struct Script {
    std::vector<ScriptOption> options;
    std::vector<Event> events;
    std::vector<std::string> rfc9293;  // requirement IDs from "// rfc9293: MUST-1, ..."
};

}  // namespace ustack::script
