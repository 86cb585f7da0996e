// IPv4 fragment reassembly (RFC 791 §3.2, RFC 815, RFC 1122 §3.3.2) in a
// fixed pool: a bounded number of datagrams and bytes, a timeout passed in
// as time values, overlapping fragments discarding the whole datagram (as
// RFC 5722 requires for IPv6 and Linux does for IPv4).
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "base/time.h"
#include "stack/wire/ipv4.h"

namespace ustack {

struct ReassemblyConfig {
    size_t max_datagrams = 4;            // datagrams in reassembly at once (each slot holds up to 64 KiB)
    size_t max_bytes = 256 * 1024;       // fragment data held across all of them
    Duration timeout = std::chrono::seconds(30);  // RFC 1122 §3.3.2: 60 to 120 s suggested; Linux uses 30
};

class Ipv4Reassembly {
public:
    enum class Result {
        Incomplete,  // kept; more fragments are missing
        Complete,    // `whole` views the reassembled datagram
        Duplicate,   // an exact copy of a fragment already held: dropped, the datagram kept
        Overlap,     // overlaps a held fragment differently: the whole datagram dropped (RFC 5722 §4)
        NoRoom,      // no free slot or byte budget: fragment dropped
        Invalid,     // beyond 65535 bytes, a non-final fragment not a multiple of 8, past the last fragment
    };

    explicit Ipv4Reassembly(const ReassemblyConfig& config);

    // Adds one checked fragment (is_fragment()). On Complete, `whole` views
    // the datagram with MF and offset cleared and a valid header checksum;
    // it stays valid until the next call.
    Result add(const wire::Ipv4View& frag, Instant now, std::span<const uint8_t>& whole);

    // Forgets datagrams whose timer ran out, calling `on_expired(quote)` for
    // each: the IP header and first 8 data octets when fragment 0 arrived
    // (for an ICMP Time Exceeded, code 1, RFC 792), else an empty span.
    template <class F>
    void expire(Instant now, F&& on_expired) {
        for (Slot& s : slots_) {
            if (!s.used || now < s.deadline) continue;
            on_expired(s.header_len != 0 ? quote(s) : std::span<const uint8_t>());
            release(s);
        }
    }

    std::optional<Instant> next_deadline() const;
    size_t in_progress() const;
    size_t bytes_held() const { return bytes_held_; }

private:
    static constexpr size_t MAX_FRAGMENTS = 64;  // per datagram; more is an attack or a broken sender
    static constexpr size_t HEADER_ROOM = 60;    // largest IPv4 header
    static constexpr size_t MAX_DATA = 65535 - wire::IPV4_MIN_HEADER_LEN;

    struct Range {
        uint32_t begin, end;
    };
    struct Slot {
        bool used = false;
        wire::Ipv4Address src, dst;
        uint16_t ident = 0;
        uint8_t protocol = 0;
        Instant deadline{};
        size_t header_len = 0;       // of fragment 0, 0 until it arrives
        uint32_t total = 0;          // data length, known once the last fragment arrived
        bool last_seen = false;
        uint32_t received = 0;       // data octets held (no overlaps, so this counts coverage)
        std::array<Range, MAX_FRAGMENTS> ranges{};
        size_t n_ranges = 0;
        std::vector<uint8_t> buf;    // HEADER_ROOM + MAX_DATA, allocated on the slot's first use only
    };

    Slot* find_or_claim(const wire::Ipv4View& frag, Instant now);
    void release(Slot& s);
    std::span<const uint8_t> quote(const Slot& s) const;
    std::span<const uint8_t> finish(Slot& s);

    ReassemblyConfig cfg_;
    std::vector<Slot> slots_;
    size_t bytes_held_ = 0;
};

}  // namespace ustack
