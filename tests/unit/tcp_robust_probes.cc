// The user timeout (RFC 9293 §3.9.1, §3.10.8; RFC 5482; Linux TCP_USER_TIMEOUT)
// over zero-window probes (§3.8.6.1) and keep-alives (§3.8.4): probes the
// peer leaves unanswered that long drop the connection; answered ones never do.
#include "tests/harness/harness.h"
#include "tests/harness/req.h"

namespace ustack::testing {
namespace {

using namespace tcp::flags;

Seg window_probe() { return seg().ack_flag().seq(1).ack(1).len(1); }

TEST_F(TcpTest, ZeroWindow_ProbesUnansweredForUserTimeout_ClosesWithoutRst) {
    USTACK_REQ("MUST-21");
    peer_closes_window();
    conn().set_user_timeout(10s);
    send("hello");
    expect_after(1s, window_probe());  // the first unanswered probe: the clock starts
    expect_after(2s, window_probe());
    expect_after(4s, window_probe());
    // The next probe would be due 8 s later; the user timeout ends it at 10 s.
    expect_times_out_at(4s);
}

TEST_F(TcpTest, ZeroWindow_AnsweredProbesOutliveUserTimeout) {
    USTACK_REQ("MUST-37", "MUST-35");
    peer_closes_window();
    conn().set_user_timeout(10s);
    send("hello");
    for (int i = 0; i < 10; ++i) {  // the peer answers every probe: the window may stay closed
        expect_within(61s, window_probe());
        inject(seg().ack_flag().seq(1).ack(1).win(0));
    }
    EXPECT_GT(elapsed(), 300s);
    expect_state(State::Established);
    // Then the peer falls silent: 10 s after the first unanswered probe it is gone.
    expect_within(61s, window_probe());
    expect_times_out_at(10s);
}

TEST_F(TcpTest, ZeroWindow_WithoutUserTimeout_AnsweredProbesNeverClose) {
    USTACK_REQ("MUST-37");
    peer_closes_window();
    send("hello");
    for (int i = 0; i < 20; ++i) {  // past R2 (663 s): answered probes are no failure
        expect_within(61s, window_probe());
        inject(seg().ack_flag().seq(1).ack(1).win(0));
    }
    EXPECT_GT(elapsed(), tcp::r2_limit(config()));
    expect_state(State::Established);
    EXPECT_EQ(conn().error(), TcpError::None);
}

TEST_F(TcpTest, ZeroWindow_WithoutUserTimeout_UnansweredProbesEndAfterR2) {
    // As Linux (tcp_probe_timer, tcp_retries2): a peer that answers no probe
    // for R2 is gone, as it would be for unacknowledged data.
    USTACK_REQ("MUST-20");
    peer_closes_window();
    send("hello");
    advance(tcp::r2_limit(config()) - 1s);
    discard_pending();
    expect_state(State::Established);
    advance(61s);
    discard_pending();
    expect_state(State::Closed);
    expect_error(TcpError::TimedOut);
}

TEST_F(TcpTest, ZeroWindow_ReopenAfterUnansweredProbes_ClockRestarts) {
    peer_closes_window();
    conn().set_user_timeout(10s);
    send("hello");
    expect_after(1s, window_probe());
    expect_after(2s, window_probe());
    inject(seg().ack_flag().seq(1).ack(2).win(0));  // late: takes the probe byte, window still closed
    expect_within(5s, seg().ack_flag().seq(2).ack(1).len(1));  // at 7 s: a new series
    advance(9s);  // past 11 s, where the first series would have ended
    discard_pending();
    expect_state(State::Established);
}

Seg keepalive_probe() { return seg().flags(ACK).seq(0).ack(1).len(0); }

TEST_F(TcpTest, KeepAlive_UserTimeoutReplacesProbeCount) {
    // Linux tcp_keepalive_timer: with TCP_USER_TIMEOUT the count is not used;
    // the connection goes once it has been silent that long and a probe is out.
    in_state(State::Established);
    conn().set_keepalive_config({10s, 5s, 3});
    conn().set_user_timeout(40s);
    conn().set_keepalive(true, now());
    expect_after(10s, keepalive_probe());
    for (int i = 0; i < 5; ++i) expect_after(5s, keepalive_probe());  // past `count` = 3
    expect_after(5s, seg().rst().ack_flag().seq(1).ack(1));           // 40 s of silence
    expect_state(State::Closed);
    expect_error(TcpError::TimedOut);
}

TEST_F(TcpTest, KeepAlive_UserTimeoutShorterThanIdle_GivesUpAfterOneProbe) {
    in_state(State::Established);
    conn().set_keepalive_config({10s, 5s, 3});
    conn().set_user_timeout(3s);
    conn().set_keepalive(true, now());
    expect_after(10s, keepalive_probe());  // one chance to answer
    expect_after(5s, seg().rst().ack_flag().seq(1).ack(1));
    expect_error(TcpError::TimedOut);
}

TEST_F(TcpTest, KeepAlive_UserTimeout_AnsweredProbesKeepTheConnection) {
    in_state(State::Established);
    conn().set_keepalive_config({10s, 5s, 3});
    conn().set_user_timeout(3s);
    conn().set_keepalive(true, now());
    for (int i = 0; i < 10; ++i) {
        expect_within(11s, keepalive_probe());
        inject(seg().ack_flag().seq(1).ack(1));
    }
    expect_state(State::Established);
}

}  // namespace
}  // namespace ustack::testing
