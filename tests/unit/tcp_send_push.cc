// SEND without PUSH (RFC 9293 §3.9.1.2, MAY-15): Linux's MSG_MORE and TCP_CORK, the 200 ms ceiling, PSH placement (SHLD-27).
#include <string>
#include <string_view>

#include "tests/harness/harness.h"
#include "tests/harness/req.h"

namespace ustack::testing {
namespace {
using namespace tcp::flags;

// SEND with PUSH = false (send(fd, ..., MSG_MORE)).
size_t send_unpushed(Harness& h, std::string_view bytes) {
    auto span = std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    return h.conn().send(span, h.now(), false);
}

TEST_F(TcpTest, Unpushed_SubMssTailWaitsForPushedSend) {
    USTACK_REQ("MAY-15", "SHLD-27");
    in_state(State::Established);
    EXPECT_EQ(send_unpushed(*this, "ab"), 2u);
    expect_silence();
    advance(50ms);
    send_unpushed(*this, "cd");
    expect_silence();
    advance(50ms);
    send("ef");  // pushed: everything goes in one segment, PSH once at its end
    expect(seg().ack_flag().psh().seq(1).data("abcdef"));
    expect_silence();
}

TEST_F(TcpTest, Unpushed_FullSegmentsGoTailWaits) {
    USTACK_REQ("MAY-15");
    options().peer_mss = 1000;
    in_state(State::Established);
    send_unpushed(*this, std::string(2500, 'x'));
    expect(seg().ack_flag().no_psh().seq(1).len(1000));
    expect(seg().ack_flag().no_psh().seq(1001).len(1000));
    expect_silence();  // the 500-octet tail waits
    send("y");
    expect(seg().ack_flag().psh().seq(2001).len(501));
}

TEST_F(TcpTest, Unpushed_HoldsEvenWithNagleOffAckSendsTailWithoutPsh) {
    USTACK_REQ("MAY-15");
    in_state(State::Established);
    conn().set_nodelay(true);
    send("x");
    expect(seg().ack_flag().psh().seq(1).data("x"));
    send_unpushed(*this, "abc");
    expect_silence();  // MSG_MORE overrides TCP_NODELAY (as Linux)
    // The next chance to send that is not an unpushed SEND takes the tail,
    // unmarked (Linux: tcp_data_snd_check after the ACK).
    inject(seg().ack_flag().seq(1).ack(2));
    expect(seg().ack_flag().no_psh().seq(2).data("abc"));
    EXPECT_FALSE(conn().next_deadline() && *conn().next_deadline() <= now() + 200ms);  // no ceiling left
}

TEST_F(TcpTest, Unpushed_CeilingSendsTailWithPshAfter200ms) {
    USTACK_REQ("MAY-15");
    in_state(State::Established);
    send_unpushed(*this, "abc");
    expect_after(200ms, seg().ack_flag().psh().seq(1).data("abc"));
    expect_silence();
}

TEST_F(TcpTest, Unpushed_CloseSendsTailWithFin) {
    USTACK_REQ("MAY-15");
    in_state(State::Established);
    send_unpushed(*this, "abc");
    expect_silence();
    close();  // the FIN ends the hold; the data was never pushed (Linux: "F.")
    expect(seg().ack_flag().fin().no_psh().seq(1).data("abc"));
}

TEST_F(TcpTest, Unpushed_FlushForgetsHeldTailAndCeiling) {
    USTACK_REQ("MAY-15", "MAY-14");
    in_state(State::Established);
    send_unpushed(*this, "abc");
    EXPECT_TRUE(conn().next_deadline().has_value());  // the ceiling
    EXPECT_EQ(conn().flush(now()), 3u);               // FLUSH drops what was never sent
    EXPECT_FALSE(conn().next_deadline().has_value());
    expect_silence(1s);
    send("d");
    expect(seg().ack_flag().psh().seq(1).data("d"));
}

TEST_F(TcpTest, Cork_HoldsSmallSendsUntilUncorked) {
    USTACK_REQ("MAY-15", "SHLD-27");
    in_state(State::Established);
    conn().set_cork(true, now());
    EXPECT_TRUE(conn().corked());
    send("ab");
    advance(50ms);
    send("cd");
    expect_silence();
    advance(10ms);
    conn().set_cork(false, now());  // the sends were pushed: PSH (Linux's "P." on uncork)
    expect(seg().ack_flag().psh().seq(1).data("abcd"));
    send("e");  // uncorked: the default again
    expect_silence();  // (Nagle: "abcd" is unacknowledged)
    inject(seg().ack_flag().seq(1).ack(5));
    expect(seg().ack_flag().psh().seq(5).data("e"));
}

TEST_F(TcpTest, Cork_FullSegmentsGoTailWaitsAcrossAcks) {
    USTACK_REQ("MAY-15");
    options().peer_mss = 1000;
    in_state(State::Established);
    conn().set_nodelay(true);  // TCP_CORK overrides TCP_NODELAY (as Linux)
    conn().set_cork(true, now());
    send(std::string(2500, 'x'));
    expect(seg().ack_flag().no_psh().seq(1).len(1000));
    expect(seg().ack_flag().no_psh().seq(1001).len(1000));
    expect_silence();
    advance(20ms);
    inject(seg().ack_flag().seq(1).ack(2001));
    expect_silence();  // still corked: an ACK does not release the tail
    // The ceiling, 200 ms after the tail was first held, sends it with PSH.
    expect_after(180ms, seg().ack_flag().psh().seq(2001).len(500));
}

TEST_F(TcpTest, Cork_CeilingCountsFromFirstHeldSend) {
    USTACK_REQ("MAY-15");
    in_state(State::Established);
    conn().set_cork(true, now());
    send("a");
    advance(150ms);
    send("b");  // combined with "a"; the ceiling does not restart
    expect_after(50ms, seg().ack_flag().psh().seq(1).data("ab"));
    inject(seg().ack_flag().seq(1).ack(3));
    send("c");  // a new tail, a new ceiling
    expect_after(200ms, seg().ack_flag().psh().seq(3).data("c"));
}

TEST_F(TcpTest, Cork_CloseSendsTailWithFinAndPsh) {
    USTACK_REQ("MAY-15");
    in_state(State::Established);
    conn().set_cork(true, now());
    send("ab");
    expect_silence();
    close();
    expect(seg().ack_flag().fin().psh().seq(1).data("ab"));
}

TEST_F(TcpTest, Cork_UnpushedSendThenUncorkSendsWithoutPsh) {
    USTACK_REQ("MAY-15");
    in_state(State::Established);
    conn().set_cork(true, now());
    send_unpushed(*this, "ab");
    conn().set_cork(false, now());
    expect(seg().ack_flag().no_psh().seq(1).data("ab"));
}

TEST_F(TcpTest, Push_DefaultSendIsPushedAndNotHeld) {
    USTACK_REQ("SHLD-27");
    in_state(State::Established);
    EXPECT_FALSE(conn().corked());
    send("ab");
    expect(seg().ack_flag().psh().seq(1).data("ab"));
    EXPECT_FALSE(conn().next_deadline() && *conn().next_deadline() <= now() + 200ms);
}

}  // namespace
}  // namespace ustack::testing
