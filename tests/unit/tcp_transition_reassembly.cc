// RFC 9293 §3.10.7.4 seventh step: out-of-order segments are held (SHLD-31)
// and acknowledged at once with a duplicate ACK (MAY-13, RFC 5681 §4.2), and
// delivered with one cumulative ACK when the gap fills (MUST-59).
#include "tests/harness/harness.h"
#include "tests/harness/req.h"

namespace ustack::testing {
namespace {

using namespace tcp::flags;

TEST_F(TcpTest, Established_OutOfOrderSegmentHeldWithDuplicateAck) {
    USTACK_REQ("SHLD-31", "MAY-13");
    in_state(State::Established);
    inject(seg().ack_flag().seq(6).ack(1).data("world"));
    expect(seg().flags(ACK).seq(1).ack(1));  // immediately, RCV.NXT unchanged
    EXPECT_EQ(conn().readable(), 0u);
    EXPECT_EQ(snap().out_of_order, 5u);
}

TEST_F(TcpTest, Established_GapFillDeliversHeldDataWithOneAck) {
    USTACK_REQ("SHLD-31", "MUST-59");
    in_state(State::Established);
    inject(seg().ack_flag().seq(6).ack(1).data("world"));
    expect(seg().flags(ACK).ack(1));
    inject(seg().ack_flag().seq(1).ack(1).data("hello"));
    expect_within(500ms, seg().flags(ACK).seq(1).ack(11));
    expect_silence();
    EXPECT_EQ(receive(), "helloworld");
    EXPECT_EQ(snap().out_of_order, 0u);
}

TEST_F(TcpTest, Established_SeveralHolesFilledInReverseOrder) {
    USTACK_REQ("SHLD-31");
    in_state(State::Established);
    inject(seg().ack_flag().seq(7).ack(1).data("ccc"));
    expect(seg().flags(ACK).ack(1));
    inject(seg().ack_flag().seq(4).ack(1).data("bbb"));
    expect(seg().flags(ACK).ack(1));
    inject(seg().ack_flag().seq(1).ack(1).data("aaa"));
    expect_within(500ms, seg().flags(ACK).ack(10));
    EXPECT_EQ(receive(), "aaabbbccc");
}

TEST_F(TcpTest, Established_OverlappingOutOfOrderSegmentsMerged) {
    USTACK_REQ("SHLD-31");
    in_state(State::Established);
    inject(seg().ack_flag().seq(3).ack(1).data("cdef"));
    expect(seg().flags(ACK).ack(1));
    inject(seg().ack_flag().seq(5).ack(1).data("efgh"));
    expect(seg().flags(ACK).ack(1));
    inject(seg().ack_flag().seq(1).ack(1).data("abc"));
    expect_within(500ms, seg().flags(ACK).ack(9));
    EXPECT_EQ(receive(), "abcdefgh");
}

TEST_F(TcpTest, Established_OutOfOrderFinHeldUntilGapFills) {
    in_state(State::Established);
    inject(seg().fin().ack_flag().seq(6).ack(1).data("tail"));
    expect(seg().flags(ACK).ack(1));
    expect_state(State::Established);  // the FIN is not in sequence yet
    inject(seg().ack_flag().seq(1).ack(1).data("head "));
    expect_within(500ms, seg().flags(ACK).ack(11));
    expect_state(State::CloseWait);
    EXPECT_EQ(receive(), "head tail");
    EXPECT_TRUE(conn().eof());
}

}  // namespace
}  // namespace ustack::testing
