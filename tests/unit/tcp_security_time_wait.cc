// TIME-WAIT and new incarnations: a SYN reopens it by sequence number (RFC 9293
// §3.6.1, MAY-2) or by timestamp (RFC 6191, SHLD-4); connect() reuses a
// TIME-WAIT 4-tuple when timestamps make it safe (TcpConfig::time_wait_reuse).
#include "tests/harness/harness.h"
#include "tests/harness/req.h"

namespace ustack::testing {
namespace {

using namespace tcp::flags;

uint32_t ts_at(Harness& h) {
    return uint32_t(std::chrono::duration_cast<std::chrono::milliseconds>(h.now().time_since_epoch()).count());
}

// Passive open with Timestamps (peer TSvals 100, 101), our active close, then
// the peer's FIN with TSval 200: TIME-WAIT with RCV.NXT 2 and TS.Recent 200.
void time_wait_with_timestamps(Harness& h) {
    h.listen();
    h.inject(seg().syn().seq(0).mss(1460).ts(100, 0));
    h.expect(seg().syn().ack_flag().seq(0).ack(1).ts(ts_at(h), 100));
    h.inject(seg().ack_flag().seq(1).ack(1).ts(101, ts_at(h)));
    h.accept();
    h.close();
    h.expect(seg().fin().ack_flag().seq(1).ack(1));
    h.inject(seg().ack_flag().seq(1).ack(2).ts(150, ts_at(h)));
    h.inject(seg().fin().ack_flag().seq(1).ack(2).ts(200, ts_at(h)));
    h.expect_within(500ms, seg().ack_flag().seq(2).ack(2).ts(ts_at(h), 200));
    h.expect_state(State::TimeWait);
    ASSERT_TRUE(h.snap().timestamps);
    EXPECT_EQ(h.snap().ts_recent, 200u);
}

TEST_F(TcpTest, TimeWait_NewerTsvalReopensWhateverTheSequenceNumber) {
    USTACK_REQ("SHLD-4", "MAY-2");
    time_wait_with_timestamps(*this);
    advance(1s);
    inject(seg().syn().seq(-5000).mss(1460).ts(300, 0));  // SEG.SEQ below RCV.NXT, TSval above TS.Recent
    Recorded r = expect(seg().flags(SYN | ACK).ack(-4999).ts(ts_at(*this), 300));
    EXPECT_GT(rel_seq(r), 2);  // ISS above the old SND.NXT
    auto fresh = layer().find(tuple());
    ASSERT_TRUE(fresh);
    EXPECT_NE(fresh.get(), &conn());
    EXPECT_EQ(fresh->state(), State::SynReceived);
}

TEST_F(TcpTest, TimeWait_EqualTsvalReopensOnlyWithHigherSequence) {
    USTACK_REQ("SHLD-4");
    time_wait_with_timestamps(*this);
    inject(seg().syn().seq(0).mss(1460).ts(200, 0));  // equal TSval, old SEG.SEQ: a duplicate
    expect(seg().flags(ACK).seq(2).ack(2));
    expect_state(State::TimeWait);
    advance(1s);  // past the challenge ACK interval
    inject(seg().syn().seq(100).mss(1460).ts(200, 0));
    expect(seg().flags(SYN | ACK).ack(101));
    EXPECT_EQ(layer().find(tuple())->state(), State::SynReceived);
}

// RFC 6191 §2: when both sides use Timestamps, an older TSval marks an old
// duplicate even with a higher sequence number (Linux: PAWS rejects it first).
TEST_F(TcpTest, TimeWait_OlderTsvalDoesNotReopenEvenWithHigherSequence) {
    USTACK_REQ("SHLD-4");
    time_wait_with_timestamps(*this);
    inject(seg().syn().seq(100000).mss(1460).ts(150, 0));
    expect(seg().flags(ACK).seq(2).ack(2));  // the ACK of §3.10.7.4 (PAWS)
    expect_state(State::TimeWait);
    EXPECT_EQ(layer().find(tuple()).get(), &conn());
}

// A SYN without Timestamps falls back to the sequence number test (RFC 6191 §2, third case).
TEST_F(TcpTest, TimeWait_SynWithoutTimestampsUsesSequenceNumber) {
    USTACK_REQ("SHLD-4", "MAY-2");
    time_wait_with_timestamps(*this);
    inject(seg().syn().seq(0).mss(1460));
    expect(seg().flags(ACK).seq(2).ack(2));
    expect_state(State::TimeWait);
    inject(seg().syn().seq(100).mss(1460));
    expect(seg().flags(SYN | ACK).ack(101).no_ts());
}

// Active open with Timestamps, active close: TIME-WAIT on our only ephemeral port.
void client_time_wait(Harness& h) {
    h.config().ephemeral_port_first = 50000;
    h.config().ephemeral_port_last = 50000;
    h.connect();
    h.expect(seg().syn().seq(0).ts(ts_at(h), 0));
    h.inject(seg().syn().ack_flag().seq(0).ack(1).mss(1460).ts(7, ts_at(h)));
    h.expect(seg().ack_flag().seq(1).ack(1));
    h.close();
    h.expect(seg().fin().ack_flag().seq(1).ack(1));
    h.inject(seg().fin().ack_flag().seq(1).ack(2).ts(9, ts_at(h)));
    h.expect_within(500ms, seg().ack_flag().seq(2).ack(2));
    h.expect_state(State::TimeWait);
}

TEST_F(TcpTest, TimeWait_ConnectReusesTupleOnlyAfterOneSecond) {
    client_time_wait(*this);
    const tcp::FourTuple old = tuple();
    TcpError err = TcpError::None;
    EXPECT_FALSE(layer().connect(options().local, old.remote, now(), &err));
    EXPECT_EQ(err, TcpError::NoPortsAvailable);  // the last timestamp is under 1 s old
    advance(1s);
    tcp::Connection& fresh = connect();
    EXPECT_EQ(fresh.tuple(), old);
    Recorded r = expect(seg().syn().ts(ts_at(*this), 0));
    EXPECT_EQ(rel_seq(r), 2 + 65535 + 2);  // ISS above the old SND.NXT (ISS + 2)
    EXPECT_EQ(layer().counters().time_wait_reused, 1u);
    EXPECT_EQ(layer().connection_count(), 1u);
}

TEST_F(TcpTest, TimeWait_NoReuseWithoutTimestamps) {
    config().timestamps = false;
    config().ephemeral_port_first = 50000;
    config().ephemeral_port_last = 50000;
    in_state(State::TimeWait);
    advance(10s);
    TcpError err = TcpError::None;
    EXPECT_FALSE(layer().connect(options().local, tuple().remote, now(), &err));
    EXPECT_EQ(err, TcpError::NoPortsAvailable);
    expect_state(State::TimeWait);
}

TEST_F(TcpTest, TimeWait_NoReuseWhenDisabled) {
    config().time_wait_reuse = false;
    client_time_wait(*this);
    advance(10s);
    TcpError err = TcpError::None;
    EXPECT_FALSE(layer().connect(options().local, tuple().remote, now(), &err));
    EXPECT_EQ(err, TcpError::NoPortsAvailable);
}

}  // namespace
}  // namespace ustack::testing
