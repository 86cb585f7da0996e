// SYN cookies (RFC 4987 §3.6): the ISS encoding and its check, the option bits
// in our TSval (as Linux's cookie_init_timestamp / cookie_timestamp_decode),
// and the stateless SYN-ACK.
#include "tcp/syn_cookie.h"

#include <algorithm>

#include "stack/wire/siphash.h"
#include "tcp/receiver.h"

namespace ustack::tcp {

namespace {

constexpr uint32_t kCookieBits = 24;  // below them the hashed MSS index, above the tick
constexpr uint32_t kCookieMask = (uint32_t(1) << kCookieBits) - 1;
constexpr uint32_t kTsBits = 6;       // option bits at the bottom of the TSval
constexpr uint32_t kTsMask = (uint32_t(1) << kTsBits) - 1;
constexpr uint32_t kTsWscaleNone = 0xf;
constexpr uint32_t kTsSack = 1u << 4;
constexpr uint32_t kTsEcn = 1u << 5;

// SipHash-2-4 of the 4-tuple, `count` and `isn`; `which` keeps the two
// hashes of a cookie independent under one key.
uint32_t cookie_hash(const SynCookieSecret& s, const FourTuple& t, uint32_t count, uint32_t isn, uint8_t which) {
    uint8_t msg[21];
    auto put32 = [&msg](size_t at, uint32_t v) {
        for (int i = 0; i < 4; ++i) msg[at + size_t(i)] = uint8_t(v >> (24 - 8 * i));
    };
    put32(0, t.local.addr.to_u32());
    put32(4, t.remote.addr.to_u32());
    put32(8, (uint32_t(t.local.port) << 16) | t.remote.port);
    put32(12, count);
    put32(16, isn);
    msg[20] = which;
    return uint32_t(wire::siphash24(s.k0, s.k1, msg, sizeof msg));
}

uint32_t tick_of(Instant now) {
    return uint32_t(uint64_t(now.time_since_epoch() / kCookieTick));
}

uint32_t mss_index(uint16_t peer_mss) {
    uint32_t i = 0;
    for (uint32_t k = 0; k < kCookieMssTable.size(); ++k) {
        if (peer_mss >= kCookieMssTable[k]) i = k;
    }
    return i;  // 0 (536, the RFC 9293 default) also when the SYN had no MSS
}

}  // namespace

SeqNum make_syn_cookie(const SynCookieSecret& secret, const FourTuple& tuple, SeqNum peer_isn, uint16_t peer_mss,
                       Instant now) {
    const uint32_t count = tick_of(now);
    const uint32_t idx = mss_index(peer_mss);
    uint32_t v = cookie_hash(secret, tuple, 0, 0, 0) + peer_isn.raw() + (count << kCookieBits) +
                 ((cookie_hash(secret, tuple, count, peer_isn.raw(), 1) + idx) & kCookieMask);
    return SeqNum(v);
}

std::optional<uint16_t> check_syn_cookie(const SynCookieSecret& secret, const FourTuple& tuple, SeqNum peer_isn,
                                         SeqNum cookie, Instant now) {
    const uint32_t count = tick_of(now);
    uint32_t v = cookie.raw() - cookie_hash(secret, tuple, 0, 0, 0) - peer_isn.raw();
    // The tick the cookie was made in, modulo 2^8 (the bits above 24).
    uint32_t age = (count - (v >> kCookieBits)) & (0xffffffffu >> kCookieBits);
    if (age >= kCookieMaxAge) return std::nullopt;
    uint32_t made = count - age;
    uint32_t idx = (v - cookie_hash(secret, tuple, made, peer_isn.raw(), 1)) & kCookieMask;
    if (idx >= kCookieMssTable.size()) return std::nullopt;  // 22 of the 24 bits must match
    return kCookieMssTable[idx];
}

uint32_t cookie_tsval(uint32_t ts_clock, const CookieOptions& o) {
    uint32_t bits = o.peer_wscale ? std::min<uint32_t>(*o.peer_wscale, 14) : kTsWscaleNone;
    if (o.sack_permitted) bits |= kTsSack;
    uint32_t ts = (ts_clock & ~kTsMask) | bits;
    if (ts > ts_clock) ts -= kTsMask + 1;  // never a TSval from the future
    return ts;
}

std::optional<CookieOptions> decode_cookie_tsecr(uint32_t tsecr, const TcpConfig& cfg) {
    CookieOptions o;
    uint32_t bits = tsecr & kTsMask;
    if (bits & kTsEcn) return std::nullopt;  // we never set it
    uint32_t ws = bits & kTsWscaleNone;
    if (ws != kTsWscaleNone) {
        if (ws > 14 || !cfg.window_scaling) return std::nullopt;
        o.peer_wscale = uint8_t(ws);
    }
    if (bits & kTsSack) {
        if (!cfg.sack) return std::nullopt;
        o.sack_permitted = true;
    }
    return o;
}

Segment cookie_syn_ack(const TcpConfig& cfg, const Segment& syn, SeqNum cookie, uint32_t ts_offset, Instant now) {
    // As Connection::Impl::send_syn(true) would, from a TCB that is never made.
    Segment s;
    s.seq = cookie;
    s.ack = syn.seq + 1;
    s.flags = flags::SYN | flags::ACK;
    s.window = uint16_t(std::min<size_t>(cfg.recv_buffer, 65535));  // a SYN's window is never scaled
    s.options.mss = cfg.mss;
    // Without timestamps nothing can carry window scale or SACK to the ACK:
    // neither is offered (Linux clears the options the same way).
    if (!cfg.timestamps || !syn.options.timestamps) return s;
    CookieOptions o;
    if (cfg.window_scaling && syn.options.window_scale) {
        o.peer_wscale = *syn.options.window_scale;
        s.options.window_scale = window_scale_for(recv_buffer_ceiling(cfg));
    }
    if (cfg.sack && syn.options.sack_permitted) {
        o.sack_permitted = true;
        s.options.sack_permitted = true;
    }
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
    s.options.timestamps = Timestamps{cookie_tsval(uint32_t(uint64_t(ms)), o) + ts_offset, syn.options.timestamps->val};
    return s;
}

Segment syn_from_cookie(const Segment& ack, uint16_t mss, const std::optional<CookieOptions>& opts) {
    Segment syn;
    syn.seq = ack.seq - 1;
    syn.flags = flags::SYN;
    syn.window = ack.window;  // unscaled, as a SYN's; the ACK's own window update follows at once
    syn.options.mss = mss;
    if (opts && ack.options.timestamps) {
        syn.options.window_scale = opts->peer_wscale;
        syn.options.sack_permitted = opts->sack_permitted;
        syn.options.timestamps = Timestamps{ack.options.timestamps->val, 0};
    }
    return syn;
}

}  // namespace ustack::tcp
