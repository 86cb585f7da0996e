// Nagle's algorithm (RFC 9293 §3.7.4, SHLD-7) in Minshall's form, and the switch to turn it off (MUST-17).
#include "tests/harness/harness.h"
#include "tests/harness/req.h"

namespace ustack::testing {
namespace {
using namespace tcp::flags;

TEST_F(TcpTest, Nagle_SmallSegmentWaitsForAckOfEarlierSmallOne) {
    USTACK_REQ("SHLD-7");
    in_state(State::Established);
    send("a");
    expect(seg().ack_flag().psh().seq(1).data("a"));
    send("b");
    send("c");
    expect_silence();  // "a" is unacknowledged: the small ones wait
    inject(seg().ack_flag().seq(1).ack(2));
    expect(seg().ack_flag().psh().seq(2).data("bc"));  // coalesced into one segment
}

TEST_F(TcpTest, Nagle_FullSegmentGoesWhileSmallOneUnacknowledged) {
    USTACK_REQ("SHLD-7");
    options().peer_mss = 1000;
    in_state(State::Established);
    send("a");
    expect(seg().ack_flag().psh().seq(1).data("a"));
    send(std::string(1200, 'x'));
    expect(seg().ack_flag().seq(2).len(1000));  // a full segment is not held
    expect_silence();                           // the 200-octet tail is
    inject(seg().ack_flag().seq(1).ack(2));
    expect(seg().ack_flag().seq(1002).len(200));
}

TEST_F(TcpTest, Nagle_SetNodelaySendsSmallSegmentsAtOnce) {
    USTACK_REQ("MUST-17");
    in_state(State::Established);
    conn().set_nodelay(true);
    send("a");
    expect(seg().ack_flag().psh().seq(1).data("a"));
    send("b");
    expect(seg().ack_flag().psh().seq(2).data("b"));
}

TEST_F(TcpTest, Nagle_CloseReleasesHeldDataWithFin) {
    in_state(State::Established);
    send("a");
    expect(seg().ack_flag().psh().seq(1).data("a"));
    send("b");
    expect_silence();
    close();  // no more data will come: nothing to wait for
    expect(seg().ack_flag().psh().fin().seq(2).data("b"));
}

}  // namespace
}  // namespace ustack::testing
