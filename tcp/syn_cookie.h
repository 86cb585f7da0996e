// SYN cookies (RFC 4987 §3.6; the encoding of Linux's net/ipv4/syncookies.c):
// a listener whose SYN queue is full answers a SYN statelessly, with an ISS
// that lets the completing ACK rebuild the connection.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>

#include "base/time.h"
#include "tcp/config.h"
#include "tcp/four_tuple.h"
#include "tcp/segment.h"

namespace ustack::tcp {

// The MSS values a cookie can carry (2 bits), Linux's msstab for IPv4: the
// peer's MSS is rounded down to the largest entry it reaches.
inline constexpr std::array<uint16_t, 4> kCookieMssTable = {536, 1300, 1440, 1460};
// The cookie's coarse clock: one tick every 64 s. A cookie is accepted during
// the tick it was made in and the next one (Linux: MAX_SYNCOOKIE_AGE 2).
inline constexpr Duration kCookieTick = std::chrono::seconds(64);
inline constexpr uint32_t kCookieMaxAge = 2;

// SYN cookie ISS for a SYN with SEG.SEQ = `peer_isn` on `tuple` (local = ours):
//   hash(tuple) + peer_isn + (tick << 24) + ((hash(tuple, tick, peer_isn) + mss_index) mod 2^24),
// with SipHash-2-4 under the secret. `peer_mss` 0 means the SYN carried none.
// (Linux leaves peer_isn out of the second hash, so an ACK whose SEG.SEQ is
// off by one or two can pass with another MSS index; here it cannot.)
SeqNum make_syn_cookie(const SynCookieSecret& secret, const FourTuple& tuple, SeqNum peer_isn, uint16_t peer_mss,
                       Instant now);
// For an ACK with SEG.SEQ - 1 = `peer_isn` and SEG.ACK - 1 = `cookie`: the MSS
// the cookie encodes, or nullopt when it was not made by us for this 4-tuple
// and peer ISN within the last kCookieMaxAge ticks.
std::optional<uint16_t> check_syn_cookie(const SynCookieSecret& secret, const FourTuple& tuple, SeqNum peer_isn,
                                         SeqNum cookie, Instant now);

// The SYN options a cookie SYN-ACK agreed to, kept in the low 6 bits of our
// TSval (Linux TSBITS): bits 0-3 the peer's window shift (15: none), bit 4
// SACK-permitted, bit 5 ECN (never set: a cookie SYN-ACK does not agree to ECN).
struct CookieOptions {
    std::optional<uint8_t> peer_wscale;
    bool sack_permitted = false;
};
// Our TSval for a cookie SYN-ACK: the 1 ms clock `ts_clock` (no offset) with
// its low 6 bits replaced by `o`, never ahead of the clock.
uint32_t cookie_tsval(uint32_t ts_clock, const CookieOptions& o);
// Reads the options back from a TSecr (offset already removed); nullopt when
// they are invalid or name an option `cfg` has turned off (Linux: the cookie fails).
std::optional<CookieOptions> decode_cookie_tsecr(uint32_t tsecr, const TcpConfig& cfg);

// The SYN-ACK for `syn` with ISS `cookie`: the options a SYN-RECEIVED
// connection would send (our MSS; window scale, SACK-permitted and timestamps
// only if the SYN offered timestamps, whose TSval carries them).
// `ts_offset` is the connection's Timestamps clock offset (RFC 7323 §7.1).
Segment cookie_syn_ack(const TcpConfig& cfg, const Segment& syn, SeqNum cookie, uint32_t ts_offset, Instant now);

// The SYN a valid cookie ACK stands for: SEG.SEQ - 1, the decoded MSS and
// options, and the ACK's TSval as the SYN's (TS.Recent). `opts` is nullopt
// when the ACK carries no timestamps (no window scale, no SACK then).
Segment syn_from_cookie(const Segment& ack, uint16_t mss, const std::optional<CookieOptions>& opts);

}  // namespace ustack::tcp
