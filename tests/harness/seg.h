// Test harness: a segment spec written from the peer's side, used both to
// inject a segment and to describe the segment we expect (RFC 9293 §3.1 fields).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/time.h"
#include "tcp/four_tuple.h"
#include "tcp/segment.h"

namespace ustack::testing {

// Sequence numbers in a Seg are relative to the ISN of whoever sends the
// segment (the peer for injected ones, our side for expected ones), and
// acknowledgment numbers relative to the other side's ISN, as tcpdump prints
// them. seq_abs()/ack_abs() give absolute values. For an expectation every
// field left unset is open; flags are compared exactly (PSH only when psh()
// or no_psh() was given) once any flag is named.
class Seg {
public:
    Seg& syn() { return flag(tcp::flags::SYN); }
    Seg& fin() { return flag(tcp::flags::FIN); }
    Seg& rst() { return flag(tcp::flags::RST); }
    Seg& ack_flag() { return flag(tcp::flags::ACK); }
    Seg& urg() { return flag(tcp::flags::URG); }
    Seg& ece() { return flag(tcp::flags::ECE); }  // ECN-Echo (RFC 3168 §6.1)
    Seg& cwr() { return flag(tcp::flags::CWR); }  // Congestion Window Reduced
    Seg& psh() { psh_ = Psh::Required; return flag(tcp::flags::PSH); }
    Seg& no_psh() { psh_ = Psh::Forbidden; flags_given_ = true; return *this; }
    // Expectation: these flag bits may be set or not (e.g. rst().allow(ACK)).
    Seg& allow(uint8_t f) { allowed_ |= f; return *this; }
    // Exactly these flags and nothing else (not even PSH).
    Seg& flags(uint8_t f) { flags_ = f; flags_given_ = true; psh_ = (f & tcp::flags::PSH) ? Psh::Required : Psh::Forbidden; return *this; }

    Seg& seq(int64_t rel) { seq_rel_ = rel; return *this; }
    Seg& ack(int64_t rel) { ack_rel_ = rel; return *this; }
    Seg& seq_abs(uint32_t v) { seq_abs_ = v; return *this; }
    Seg& ack_abs(uint32_t v) { ack_abs_ = v; return *this; }
    Seg& win(uint16_t w) { win_ = w; return *this; }
    Seg& urgent_ptr(uint16_t u) { urp_ = u; return *this; }
    // The IP TOS byte: injected segments arrive with it (CE = 0x03 in the ECN
    // bits); expected ones must leave with exactly it (ECT(0) = 0x02).
    Seg& tos(uint8_t t) { tos_ = t; return *this; }

    Seg& mss(uint16_t v) { mss_ = v; return *this; }
    Seg& no_mss() { no_mss_ = true; return *this; }
    Seg& ws(uint8_t shift) { ws_ = shift; return *this; }
    Seg& sack_perm() { sack_perm_ = true; return *this; }
    Seg& ts(uint32_t val, uint32_t ecr) { ts_ = tcp::Timestamps{val, ecr}; return *this; }
    // A SACK block [left, right) (RFC 2018 §3), relative like ack: to our ISN
    // in injected segments, to the peer's in expected ones. Expectation: the
    // blocks are compared in order and exactly.
    Seg& sack(int64_t left, int64_t right) { sack_.emplace_back(left, right); return *this; }
    // Expectation: no SACK blocks.
    Seg& no_sack() { no_sack_ = true; return *this; }
    // Expectation: no Window Scale / no Timestamps option (RFC 7323).
    Seg& no_ws() { no_ws_ = true; return *this; }
    Seg& no_ts() { no_ts_ = true; return *this; }
    // Expectation: no option at all (MSS, WS, SACK, timestamps).
    Seg& no_options() { no_options_ = true; return *this; }

    Seg& data(std::string_view bytes) { data_ = std::string(bytes); return *this; }
    // `n` bytes of a repeating pattern 'a'..'z' (data), or only the length (expectation).
    Seg& data_len(size_t n);
    Seg& len(size_t payload_len) { len_ = payload_len; return *this; }

    // Ports: default to the harness's current connection.
    Seg& our_port(uint16_t p) { our_port_ = p; return *this; }
    Seg& peer_port(uint16_t p) { peer_port_ = p; return *this; }

    // One line for logs: "SA seq 0 ack 1 win 65535 <mss 1460>", unset fields as '*'.
    std::string describe() const;

private:
    friend class Harness;
    enum class Psh { Open, Required, Forbidden };
    Seg& flag(uint8_t f) { flags_ |= f; flags_given_ = true; return *this; }

    uint8_t flags_ = 0;
    bool flags_given_ = false;
    Psh psh_ = Psh::Open;
    uint8_t allowed_ = 0;
    std::optional<int64_t> seq_rel_, ack_rel_;
    std::optional<uint32_t> seq_abs_, ack_abs_;
    std::optional<uint16_t> win_, urp_, mss_;
    std::optional<uint8_t> tos_;
    bool no_mss_ = false;
    std::optional<uint8_t> ws_;
    bool sack_perm_ = false;
    std::vector<std::pair<int64_t, int64_t>> sack_;
    bool no_sack_ = false;
    std::optional<tcp::Timestamps> ts_;
    bool no_options_ = false;
    bool no_ws_ = false;
    bool no_ts_ = false;
    std::optional<std::string> data_;
    std::optional<size_t> len_;
    std::optional<uint16_t> our_port_, peer_port_;
};

inline Seg seg() { return Seg{}; }

// A segment that crossed the wire in the harness, owning its payload.
struct Recorded {
    Instant at{};
    bool from_peer = false;
    tcp::FourTuple tuple;     // local = our side, remote = the peer, whatever the direction
    tcp::Segment header;      // payload left empty: see data
    std::vector<uint8_t> data;

    tcp::Segment seg() const {
        tcp::Segment s = header;
        s.payload = data;
        return s;
    }
    uint8_t flags() const { return header.flags; }
    uint32_t len() const { return seg().len(); }
    std::string text() const { return std::string(data.begin(), data.end()); }
};

// "S", "SA", "FPA", ... tcpdump-style flag letters (A for ACK, '.' when none).
std::string flag_letters(uint8_t flags);

// "<mss 1460,ws 7,sackOK,TS 1:0>" or "" when there are none.
std::string describe_options(const tcp::TcpOptions& o);

}  // namespace ustack::testing
