// RFC 6528 §3 initial sequence numbers: ISN = M + F(4-tuple, secret), with M a
// 4-microsecond clock (RFC 9293 §3.4.1, MUST-8) and F SipHash-2-4 (SHLD-1);
// per-connection Timestamps clock offsets (RFC 7323 §7.1); ephemeral port
// offsets (RFC 6056 §3.3.3).
#include "tcp/isn.h"

#include <cstdint>

#include "stack/wire/siphash.h"

namespace ustack::tcp {

namespace {
void tuple_bytes(const FourTuple& tuple, uint8_t (&msg)[12]) {
    auto put32 = [&msg](size_t at, uint32_t v) {
        for (int i = 0; i < 4; ++i) msg[at + size_t(i)] = uint8_t(v >> (24 - 8 * i));
    };
    put32(0, tuple.local.addr.to_u32());
    put32(4, tuple.remote.addr.to_u32());
    msg[8] = uint8_t(tuple.local.port >> 8);
    msg[9] = uint8_t(tuple.local.port);
    msg[10] = uint8_t(tuple.remote.port >> 8);
    msg[11] = uint8_t(tuple.remote.port);
}
}  // namespace

wire::SeqNum Rfc6528Isn::isn(const FourTuple& tuple, Instant now) {
    uint8_t msg[12];
    tuple_bytes(tuple, msg);
    uint32_t f = uint32_t(wire::siphash24(k0_, k1_, msg, sizeof msg));
    uint32_t m = uint32_t(uint64_t(to_micros(now)) / 4);  // M wraps every 2^32 * 4 us (about 4.8 h)
    return wire::SeqNum(m + f);
}

uint32_t Rfc6528Isn::ts_offset(const FourTuple& tuple) {
    uint8_t msg[12];
    tuple_bytes(tuple, msg);
    return uint32_t(wire::siphash24(k1_ ^ 0x7473u, k0_, msg, sizeof msg) >> 32);
}

uint32_t Rfc6528Isn::port_offset(wire::Ipv4Address local, Endpoint remote) {
    // The local port is what is being chosen, so it is not an input (RFC 6056 §3.3.3).
    uint8_t msg[12];
    tuple_bytes(FourTuple{Endpoint{local, 0}, remote}, msg);
    return uint32_t(wire::siphash24(k0_ ^ 0x706f7274u, k1_ ^ 0x6f6666u, msg, sizeof msg));
}

uint32_t Rfc6528Isn::random(uint32_t bound) {
    uint8_t msg[8];
    uint64_t n = ++draws_;
    for (int i = 0; i < 8; ++i) msg[i] = uint8_t(n >> (8 * i));
    uint64_t r = wire::siphash24(k0_ ^ 0x726e64u, k1_ ^ 0x726e64u, msg, sizeof msg);
    return uint32_t(r % bound);  // bound is at most ~2^31: the modulo bias is below 2^-32
}

}  // namespace ustack::tcp
