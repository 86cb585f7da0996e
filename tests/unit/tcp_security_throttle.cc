// RFC 5961 §7 stack-wide challenge ACK budget (tcp/ack_throttle.h): randomized
// per second from the injected source, and what the TcpLayer counts.
#include "tcp/ack_throttle.h"
#include "tests/harness/harness.h"
#include "tests/harness/req.h"

namespace ustack::testing {
namespace {

using namespace tcp::flags;

Instant at(Duration d) { return Instant{} + 1000s + d; }

// Allowed challenge ACKs at `t` until the first refusal (bounded).
uint32_t drain(tcp::AckThrottle& t, Instant when, uint32_t limit) {
    uint32_t n = 0;
    while (n < 10 * limit + 10 && t.allow(when, limit)) ++n;
    return n;
}

TEST(AckThrottle, BudgetIsHalfThePlusRandomBelowLimit) {
    tcp::FixedIsn rnd(0);
    tcp::AckThrottle t(rnd);
    EXPECT_EQ(drain(t, at(0s), 10), 5u);  // random 0: the floor, limit/2
    rnd.set_random(9);
    tcp::AckThrottle t2(rnd);
    EXPECT_EQ(drain(t2, at(0s), 10), 14u);  // the ceiling, limit/2 + limit - 1
    rnd.set_random(13);
    tcp::AckThrottle t3(rnd);
    EXPECT_EQ(drain(t3, at(0s), 10), 8u);   // 5 + 13 % 10
}

TEST(AckThrottle, FreshBudgetEverySecond) {
    tcp::FixedIsn rnd(0);
    tcp::AckThrottle t(rnd);
    EXPECT_EQ(drain(t, at(0s), 4), 2u);
    EXPECT_FALSE(t.allow(at(999ms), 4));
    rnd.set_random(3);  // the next second's draw differs
    EXPECT_EQ(drain(t, at(1s), 4), 5u);
    EXPECT_FALSE(t.allow(at(1999ms), 4));
}

TEST(AckThrottle, ZeroLimitMeansNoStackWideLimit) {
    tcp::FixedIsn rnd(0);
    tcp::AckThrottle t(rnd);
    for (int i = 0; i < 10000; ++i) ASSERT_TRUE(t.allow(at(0s), 0));
}

TEST(AckThrottle, Rfc6528SourceVariesTheBudget) {
    tcp::Rfc6528Isn rnd(0x0123456789abcdefull, 0xfedcba9876543210ull);
    uint32_t lo = UINT32_MAX, hi = 0;
    for (int i = 0; i < 200; ++i) {
        uint32_t r = rnd.random(1000);
        ASSERT_LT(r, 1000u);
        lo = std::min(lo, r);
        hi = std::max(hi, r);
    }
    EXPECT_LT(lo, 100u);  // 200 draws spread over the range
    EXPECT_GT(hi, 900u);
}

// The layer's budget spans connections: with limit 1 (budget 1 per second) and
// no per-connection interval, a second connection's challenge ACK waits for
// the next second.
TEST_F(TcpTest, Security_StackBudgetSharedAcrossConnections) {
    USTACK_REQ("MAY-12");
    config().challenge_ack_limit = 1;
    config().invalid_ack_interval = Duration::zero();
    in_state(State::Established, Open::Passive);
    const uint16_t first_peer = tuple().remote.port;
    inject(seg().syn().seq(50).mss(1460));
    expect(seg().flags(ACK).seq(1).ack(1));
    // A second connection from another peer port, still in the same second.
    inject(seg().syn().seq(0).mss(1460).peer_port(40001));
    expect(seg().flags(SYN | ACK).ack(1).peer_port(40001));
    inject(seg().ack_flag().seq(1).ack(1).peer_port(40001));
    inject(seg().syn().seq(50).mss(1460).peer_port(40001));
    expect_silence();
    EXPECT_EQ(layer().counters().challenge_acks_sent, 1u);
    EXPECT_EQ(layer().counters().challenge_acks_suppressed, 1u);
    advance(1s);
    inject(seg().syn().seq(50).mss(1460).peer_port(first_peer));
    expect(seg().flags(ACK).seq(1).ack(1).peer_port(first_peer));
    EXPECT_EQ(layer().counters().challenge_acks_sent, 2u);
}

}  // namespace
}  // namespace ustack::testing
