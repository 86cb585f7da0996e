// RFC 9293 §3.8.3 R2 (MUST-20, MUST-21, SHLD-11): at least 100 s, by default
// the time Linux's tcp_retries2 = 15 backed-off retransmissions take.
#include "tests/harness/harness.h"
#include "tests/harness/req.h"

namespace ustack::testing {
namespace {

using namespace tcp::flags;

TEST(TcpRobustR2, LimitModelsBackedOffRetransmissions) {
    tcp::TcpConfig c;
    EXPECT_EQ(c.r2_retransmissions, 15u);
    EXPECT_EQ(tcp::r2_limit(c), 522200ms);  // default 200 ms floor: 0.2 x (2^9 - 1) s, then 7 x 60 s
    c.rto_min = 1s;
    EXPECT_EQ(tcp::r2_limit(c), 663s);  // RFC 6298's 1 s floor: 1+2+4+8+16+32 s, then 10 x 60 s
    c.rto_min = 200ms;
    c.rto_max = 120s;
    EXPECT_EQ(tcp::r2_limit(c), 924600ms);  // Linux: tcp_retries2 = 15 with TCP_RTO_MIN/MAX
    c.r2_retransmissions = 3;
    EXPECT_EQ(tcp::r2_limit(c), 100s);  // 3 s modelled, but never below r2_timeout
    c.r2_retransmissions = 0;
    c.r2_timeout = 10s;
    EXPECT_EQ(tcp::r2_limit(c), 10s);  // 0: the time limit alone
}

TEST_F(TcpTest, Established_R2DefaultIsFifteenBackedOffRetransmissions) {
    USTACK_REQ("MUST-20", "SHLD-11", "MUST-47");
    in_state(State::Established);
    send("hello");
    expect(seg().ack_flag().seq(1).data("hello"));
    Duration rto = 1s;
    for (int i = 1; i <= 15; ++i) {
        expect_after(rto, seg().ack_flag().seq(1).data("hello"));
        rto = std::min(rto * 2, Duration(60s));
    }
    EXPECT_EQ(elapsed(), 603s);
    // The 16th wait ends the series at 663 s: RST, then TimedOut.
    advance(60s - 1ns);
    expect_silence();
    expect_state(State::Established);
    advance(1ns);
    expect(seg().rst().seq(6));
    expect_state(State::Closed);
    expect_error(TcpError::TimedOut);
    expect_event(Event::Error);
}

TEST_F(TcpTest, Established_R2NeverBelowHundredSeconds) {
    USTACK_REQ("SHLD-11");
    config().r2_retransmissions = 3;  // modelled: 1+2+4+8 = 15 s
    in_state(State::Established);
    send("hello");
    advance(99s);
    discard_pending();
    expect_state(State::Established);
    advance(30s);  // the timer at 127 s is the first at or past 100 s
    discard_pending();
    expect_state(State::Closed);
    expect_error(TcpError::TimedOut);
}

TEST_F(TcpTest, Established_R2RetransmissionsConfigurable) {
    USTACK_REQ("MUST-21");
    config().r2_retransmissions = 8;  // 1+2+4+8+16+32+60+60+60 = 243 s
    in_state(State::Established);
    send("hello");
    advance(243s - 1ns);
    discard_pending();
    expect_state(State::Established);
    advance(1ns);
    discard_pending();
    expect_state(State::Closed);
}

TEST_F(TcpTest, SynSent_R2StaysThreeMinutes) {
    USTACK_REQ("MUST-23");
    in_state(State::SynSent);
    advance(179s);
    discard_pending();
    expect_state(State::SynSent);
    advance(100s);
    discard_pending();
    expect_state(State::Closed);
    expect_error(TcpError::TimedOut);
}

}  // namespace
}  // namespace ustack::testing
