// Tests for RFC 6528 ISNs (RFC 9293 §3.4.1) and the SipHash-2-4 PRF behind them.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <set>

#include "stack/wire/siphash.h"
#include "tcp/isn.h"
#include "tests/harness/req.h"

namespace ustack::tcp {
namespace {

using namespace std::chrono_literals;
using wire::SeqNum;

constexpr uint64_t K0 = 0x0706050403020100ull;  // key bytes 00..07, little-endian
constexpr uint64_t K1 = 0x0f0e0d0c0b0a0908ull;  // key bytes 08..0f

TEST(WireSipHash, ReferenceVectorsFromThePaper) {
    uint8_t msg[64];
    for (int i = 0; i < 64; ++i) msg[i] = uint8_t(i);
    // Appendix A of the SipHash paper: 15-byte message 00..0e.
    EXPECT_EQ(wire::siphash24(K0, K1, msg, 15), 0xa129ca6149be45e5ull);
    // vectors.h of the reference implementation: empty, 8 and 63 bytes.
    EXPECT_EQ(wire::siphash24(K0, K1, msg, 0), 0x726fdb47dd0e0e31ull);
    EXPECT_EQ(wire::siphash24(K0, K1, msg, 8), 0x93f5f5799a932462ull);
    EXPECT_EQ(wire::siphash24(K0, K1, msg, 63), 0x958a324ceb064572ull);
}

FourTuple tuple(uint16_t lport = 40000, uint16_t rport = 80) {
    return FourTuple{{wire::Ipv4Address(10, 0, 0, 2), lport}, {wire::Ipv4Address(10, 0, 0, 1), rport}};
}

Instant at(Duration d) { return Instant(d); }

TEST(WireIsn, AdvancesWithA4MicrosecondClock) {
    USTACK_REQ("MUST-8");
    Rfc6528Isn gen(1, 2);
    auto t = tuple();
    SeqNum base = gen.isn(t, at(1s));
    EXPECT_EQ(gen.isn(t, at(1s)), base);  // same inputs, same ISN
    EXPECT_EQ(gen.isn(t, at(1s + 4us)) - base, 1);
    EXPECT_EQ(gen.isn(t, at(1s + 3us)) - base, 0);
    EXPECT_EQ(gen.isn(t, at(2s)) - base, 250000);
    // Monotone over an hour for a fixed 4-tuple (the clock wraps after ~4.8 h).
    SeqNum prev = base;
    for (int minute = 1; minute <= 60; ++minute) {
        SeqNum now = gen.isn(t, at(1s + std::chrono::minutes(minute)));
        EXPECT_EQ(now - prev, 15000000) << minute;
        prev = now;
    }
}

TEST(WireIsn, KeyedHashSeparatesTuplesAndKeys) {
    USTACK_REQ("SHLD-1");
    Rfc6528Isn gen(0x1234, 0x5678);
    Instant now = at(10s);
    SeqNum base = gen.isn(tuple(), now);
    FourTuple t1 = tuple(40001, 80);
    FourTuple t2 = tuple(40000, 81);
    FourTuple t3 = tuple();
    t3.local.addr = wire::Ipv4Address(10, 0, 0, 3);
    FourTuple t4 = tuple();
    t4.remote.addr = wire::Ipv4Address(10, 0, 0, 9);
    FourTuple swapped{tuple().remote, tuple().local};
    for (const FourTuple& t : {t1, t2, t3, t4, swapped}) EXPECT_NE(gen.isn(t, now), base);
    EXPECT_NE(Rfc6528Isn(0x1234, 0x5679).isn(tuple(), now), base);
    EXPECT_NE(Rfc6528Isn(0x1235, 0x5678).isn(tuple(), now), base);

    // Neighbouring ports give unrelated ISNs, not ISNs a small step apart.
    std::set<uint32_t> seen;
    for (uint16_t p = 1000; p < 1256; ++p) {
        SeqNum s = gen.isn(tuple(p, 80), now);
        EXPECT_GT(std::abs(int64_t(s - base)), 65536) << p;
        seen.insert(s.raw());
    }
    EXPECT_EQ(seen.size(), 256u);
}


TEST(WireIsn, OffsetsBetweenTuplesDependOnTheSecretKey) {
    USTACK_REQ("MUST-9");
    // MUST-9: someone outside the host sees the ISNs of its own connections
    // (here: the attacker's port 40000) and wants the ISN of a victim's
    // connection (port 40001) at the same moment. Without the key the gap
    // between the two is unknown: it is different under every key, so the
    // algorithm alone (which is public) does not give it.
    Instant now = at(10s);
    std::set<int32_t> gaps;
    for (uint64_t k = 1; k <= 64; ++k) {
        Rfc6528Isn gen(k * 0x9e3779b97f4a7c15ull, ~k);
        gaps.insert(gen.isn(tuple(40001, 80), now) - gen.isn(tuple(40000, 80), now));
    }
    EXPECT_EQ(gaps.size(), 64u);
    // Nor does a series of the attacker's own tuples reveal a pattern to
    // extrapolate: successive port gaps are not constant.
    Rfc6528Isn gen(0xfeedfacecafebeefull, 0x0123456789abcdefull);
    std::set<int32_t> steps;
    for (uint16_t p = 2000; p < 2032; ++p) {
        steps.insert(gen.isn(tuple(uint16_t(p + 1), 80), now) - gen.isn(tuple(p, 80), now));
    }
    EXPECT_EQ(steps.size(), 32u);
}

TEST(WireIsn, PortOffsetsAreKeyedPerDestinationAndIgnoreTheLocalPort) {
    Rfc6528Isn a(1, 2), b(3, 4);
    const wire::Ipv4Address us(10, 0, 0, 2), peer(10, 0, 0, 1);
    const uint32_t a80 = a.port_offset(us, Endpoint{peer, 80});
    EXPECT_EQ(a80, a.port_offset(us, Endpoint{peer, 80}));   // a function of its inputs
    EXPECT_NE(a80, a.port_offset(us, Endpoint{peer, 81}));   // remote port
    EXPECT_NE(a80, a.port_offset(us, Endpoint{wire::Ipv4Address(10, 0, 0, 3), 80}));
    EXPECT_NE(a80, b.port_offset(us, Endpoint{peer, 80}));   // the secret
    // Not the ISN's or the timestamp offset's hash of the same inputs.
    const FourTuple t{Endpoint{us, 0}, Endpoint{peer, 80}};
    EXPECT_NE(a80, a.ts_offset(t));
    EXPECT_NE(a80, a.isn(t, Instant{}).raw());
}


}  // namespace
}  // namespace ustack::tcp
