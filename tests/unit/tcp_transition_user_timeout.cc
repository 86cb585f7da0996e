// RFC 9293 §3.8.3 connection failures: negative advice at R1 retransmissions
// (MUST-20, SHLD-9, SHLD-10), and the user timeout of §3.9.1 / §3.10.8
// (RFC 5482, Linux TCP_USER_TIMEOUT) that replaces R2 (MUST-21).
#include "tests/harness/harness.h"
#include "tests/harness/req.h"

namespace ustack::testing {
namespace {

using namespace tcp::flags;

TEST_F(TcpTest, Established_NegativeAdviceAtR1RetransmissionsNotBefore) {
    USTACK_REQ("MUST-20", "SHLD-9", "SHLD-10");
    EXPECT_GE(config().r1_retransmissions, 3u);  // SHLD-10: at least 3 retransmissions
    in_state(State::Established);
    send("hello");
    expect(seg().ack_flag().seq(1).data("hello"));
    expect_after(1s, seg().ack_flag().seq(1).data("hello"));
    expect_after(2s, seg().ack_flag().seq(1).data("hello"));
    expect_no_event(Event::NegativeAdvice);
    EXPECT_EQ(layer().counters().negative_advice, 0u);
    expect_after(4s, seg().ack_flag().seq(1).data("hello"));  // the third retransmission: R1
    expect_event(Event::NegativeAdvice);                      // the application is told (SHLD-9)
    EXPECT_EQ(layer().counters().negative_advice, 1u);         // and the layer below (MUST-20)
    expect_state(State::Established);                         // R1 < R2: advice, not failure
    expect_no_event(Event::Error);
}

TEST_F(TcpTest, SynSent_NegativeAdviceAtR1) {
    USTACK_REQ("MUST-20", "MUST-22");
    in_state(State::SynSent);
    expect_after(1s, seg().flags(SYN).seq(0));
    expect_after(2s, seg().flags(SYN).seq(0));
    EXPECT_EQ(layer().counters().negative_advice, 0u);
    expect_after(4s, seg().flags(SYN).seq(0));
    EXPECT_EQ(layer().counters().negative_advice, 1u);
    expect_event(Event::NegativeAdvice);
    expect_state(State::SynSent);
}

TEST_F(TcpTest, Established_R1IsConfigurable) {
    config().r1_retransmissions = 1;
    in_state(State::Established);
    send("hello");
    expect(seg().ack_flag().seq(1).data("hello"));
    expect_after(1s, seg().ack_flag().seq(1).data("hello"));
    expect_event(Event::NegativeAdvice);
}

TEST_F(TcpTest, Established_UserTimeoutShorterThanR2ClosesWithoutRst) {
    USTACK_REQ("MUST-21");
    in_state(State::Established);
    conn().set_user_timeout(5s);
    EXPECT_EQ(conn().user_timeout(), 5s);
    send("hello");
    expect(seg().ack_flag().seq(1).data("hello"));
    expect_after(1s, seg().ack_flag().seq(1).data("hello"));
    expect_after(2s, seg().ack_flag().seq(1).data("hello"));
    // The next RTO would end at 7 s; the user timeout ends the wait at 5 s.
    expect_times_out_at(2s);
}

TEST_F(TcpTest, Established_UserTimeoutLongerThanR2KeepsRetrying) {
    USTACK_REQ("MUST-21");
    EXPECT_LT(tcp::r2_limit(config()), 800s);
    in_state(State::Established);
    conn().set_user_timeout(900s);
    send("hello");
    advance(800s);
    discard_pending();
    expect_state(State::Established);  // past R2, before the user timeout
    advance(100s);
    discard_pending();
    expect_state(State::Closed);
    expect_error(TcpError::TimedOut);
}

TEST_F(TcpTest, Established_UserTimeoutCountsFromOldestUnackedData) {
    in_state(State::Established);
    conn().set_user_timeout(5s);
    send("one");
    expect(seg().ack_flag().seq(1).data("one"));
    advance(500ms);
    inject(seg().ack_flag().seq(1).ack(4));  // acknowledged: the clock restarts
    advance(10s);
    expect_state(State::Established);
    send("two");
    expect(seg().ack_flag().seq(4).data("two"));
    advance(5s);
    discard_pending();
    expect_state(State::Closed);
    expect_error(TcpError::TimedOut);
}

TEST_F(TcpTest, SynSent_UserTimeoutFromStackConfig) {
    USTACK_REQ("MUST-21");
    config().user_timeout = 10s;
    in_state(State::SynSent);
    expect_after(1s, seg().flags(SYN).seq(0));
    expect_after(2s, seg().flags(SYN).seq(0));
    expect_after(4s, seg().flags(SYN).seq(0));
    expect_times_out_at(3s, State::SynSent);  // 10 s after the first SYN
}

TEST_F(TcpTest, Established_ZeroUserTimeoutMeansR2) {
    in_state(State::Established);
    conn().set_user_timeout(5s);
    conn().set_user_timeout(Duration::zero());
    send("hello");
    advance(60s);
    discard_pending();
    expect_state(State::Established);
}

}  // namespace
}  // namespace ustack::testing
