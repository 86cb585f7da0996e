// Keep-alive probes with a garbage octet (RFC 9293 §3.8.4, MAY-6): the sender's switch and how a receiver takes such a probe.
#include "tests/harness/harness.h"
#include "tests/harness/req.h"

namespace ustack::testing {
namespace {
using namespace tcp::flags;

tcp::KeepAliveConfig garbage_keepalive() {
    tcp::KeepAliveConfig k{10s, 5s, 3};
    k.garbage_octet = true;
    return k;
}

TEST_F(TcpTest, KeepAlive_GarbageOctetOffByDefault) {
    USTACK_REQ("MAY-6");
    EXPECT_FALSE(config().keepalive_config.garbage_octet);
    in_state(State::Established);
    conn().set_keepalive_config({10s, 5s, 3});
    conn().set_keepalive(true, now());
    Recorded r = expect_after(10s, seg().flags(ACK).seq(0).ack(1).len(0));
    EXPECT_TRUE(r.data.empty());
}

TEST_F(TcpTest, KeepAlive_GarbageOctetProbeCarriesOneOctetAtSndNxtMinusOne) {
    USTACK_REQ("MAY-6", "MUST-24");
    in_state(State::Established);
    conn().set_keepalive_config(garbage_keepalive());  // per connection
    conn().set_keepalive(true, now());
    send("hello");
    expect(seg().ack_flag().seq(1).ack(1).data("hello"));
    inject(seg().ack_flag().seq(1).ack(6));
    // SND.NXT = 6: the probe is octet 5 again, one octet long.
    Recorded r = expect_after(10s, seg().flags(ACK).seq(5).ack(1).len(1));
    EXPECT_EQ(r.data.size(), 1u);
    // The probe is not data: SND.NXT and the flight are unchanged, no retransmission follows.
    EXPECT_EQ(snap().snd_nxt, snap().iss + 6u);
    EXPECT_EQ(snap().bytes_in_flight, 0u);
    EXPECT_FALSE(snap().retransmit_deadline.has_value());
    advance(10ms);
    inject(seg().ack_flag().seq(1).ack(6));  // the peer's duplicate ACK answers it
    EXPECT_EQ(snap().keepalive_probes, 0u);
    expect_after(10s, seg().flags(ACK).seq(5).ack(1).len(1));  // idle again: the next probe
    expect_state(State::Established);
}

TEST_F(TcpTest, KeepAlive_GarbageOctetFromStackConfigGivesUpAfterCount) {
    USTACK_REQ("MAY-6", "MUST-29");
    config().keepalive = true;
    config().keepalive_config = garbage_keepalive();  // TcpConfig: every connection
    in_state(State::Established);
    expect_after(10s, seg().flags(ACK).seq(0).ack(1).len(1));
    expect_after(5s, seg().flags(ACK).seq(0).ack(1).len(1));
    expect_after(5s, seg().flags(ACK).seq(0).ack(1).len(1));
    expect_after(5s, seg().rst().ack_flag().seq(1).ack(1));
    expect_error(TcpError::TimedOut);
}

TEST_F(TcpTest, KeepAlive_ReceiverAcksGarbageOctetProbeDeliversNothingTwice) {
    USTACK_REQ("MAY-6");
    in_state(State::Established);
    inject(seg().ack_flag().seq(1).ack(1).data("hello"));
    discard_pending();  // our ACK of "hello", maybe delayed
    advance(1s);
    discard_pending();
    EXPECT_EQ(receive(), "hello");
    // A BSD-style probe: octet 5 again, with a different value than before.
    inject(seg().ack_flag().seq(5).ack(1).data("z"));
    expect(seg().flags(ACK).seq(1).ack(6).len(0));  // a duplicate: ACK at once with RCV.NXT
    EXPECT_EQ(conn().readable(), 0u);
    EXPECT_EQ(receive(), "");
    EXPECT_EQ(snap().rcv_nxt, snap().irs + 6u);
    // Data after it is delivered once, in order.
    inject(seg().ack_flag().seq(6).ack(1).data("!"));
    discard_pending();
    EXPECT_EQ(receive(), "!");
    expect_state(State::Established);
}

TEST_F(TcpTest, KeepAlive_GarbageOctetProbeCarriesRcvNxt) {
    USTACK_REQ("MAY-6");
    in_state(State::Established);
    conn().set_keepalive_config(garbage_keepalive());
    conn().set_keepalive(true, now());
    inject(seg().ack_flag().seq(1).ack(1).data("abc"));
    discard_pending();
    EXPECT_EQ(receive(), "abc");
    Recorded probe = expect_within(20s, seg().flags(ACK).seq(0).ack(4).len(1));
    EXPECT_EQ(probe.data.size(), 1u);
}

}  // namespace
}  // namespace ustack::testing
