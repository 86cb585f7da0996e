// RFC 7323 §3-5 timestamps: TSopt negotiation, TS.Recent, RTTM from TSecr, PAWS.
#include "tests/harness/harness.h"
#include "tests/harness/req.h"

namespace ustack::testing {
namespace {
using namespace tcp::flags;

// Our TSval: milliseconds of the harness clock (FixedIsn: offset 0); the clock starts at 1000 s.
uint32_t ts_at(Harness& h) {
    return uint32_t(std::chrono::duration_cast<std::chrono::milliseconds>(h.now().time_since_epoch()).count());
}

// Passive handshake; the peer's SYN carries TSval 100 (and `ts`).
void passive_open(Harness& h, bool peer_ts) {
    h.listen();
    Seg syn = seg().syn().seq(0).mss(1460);
    if (peer_ts) syn.ts(100, 0);
    h.inject(syn);
    Seg synack = seg().syn().ack_flag().seq(0).ack(1);
    if (peer_ts) synack.ts(ts_at(h), 100);
    else synack.no_ts();
    h.expect(synack);
    Seg ack = seg().ack_flag().seq(1).ack(1);
    if (peer_ts) ack.ts(101, ts_at(h));
    h.inject(ack);
    h.accept();
}

TEST_F(TcpTest, Timestamps_ActiveSynCarriesTsvalAndZeroEcr) {
    connect();
    expect(seg().syn().seq(0).ts(ts_at(*this), 0));
}

TEST_F(TcpTest, Timestamps_DisabledByConfig) {
    config().timestamps = false;
    connect();
    expect(seg().syn().seq(0).no_ts());
    inject(seg().syn().ack_flag().seq(0).ack(1).mss(1460).ts(7, ts_at(*this)));
    expect(seg().ack_flag().seq(1).ack(1).no_ts());
}

TEST_F(TcpTest, Timestamps_NotNegotiatedWhenPeerSynHasNone) {
    passive_open(*this, false);
    send("hi");
    expect(seg().ack_flag().psh().seq(1).data("hi").no_ts());
    EXPECT_EQ(snap().snd_mss, 1460);
}

TEST_F(TcpTest, Timestamps_NegotiatedOnEverySegmentAndMssLeavesRoom) {
    passive_open(*this, true);
    EXPECT_EQ(snap().snd_mss, 1460 - 12);  // the option takes 12 octets of each segment
    advance(5ms);
    send("hi");
    expect(seg().ack_flag().psh().seq(1).data("hi").ts(ts_at(*this), 101));
}

TEST_F(TcpTest, Timestamps_TsRecentFollowsInOrderSegments) {
    passive_open(*this, true);
    inject(seg().ack_flag().seq(1).ack(1).data("abc").ts(150, 0));
    expect(seg().ack_flag().ack(4).ts(ts_at(*this), 150));
    // An out-of-order segment (SEG.SEQ > Last.ACK.sent) does not update TS.Recent (§4.3).
    inject(seg().ack_flag().seq(10).ack(1).data("zzz").ts(170, 0));
    expect(seg().ack_flag().ack(4).ts(ts_at(*this), 150));
    // Filling the gap does (it starts at Last.ACK.sent).
    inject(seg().ack_flag().seq(4).ack(1).data("defghi").ts(160, 0));
    expect(seg().ack_flag().ack(13).ts(ts_at(*this), 160));
}

TEST_F(TcpTest, Timestamps_PawsDropsOldTimestampWithAck) {
    passive_open(*this, true);
    inject(seg().ack_flag().seq(1).ack(1).data("abc").ts(500, 0));
    expect(seg().ack_flag().ack(4).ts(ts_at(*this), 500));
    // In-window data with an older TSval: a duplicate from an earlier wrap (§5.3 R1).
    inject(seg().ack_flag().seq(4).ack(1).data("old").ts(400, 0));
    expect(seg().ack_flag().ack(4).ts(ts_at(*this), 500));
    EXPECT_EQ(conn().readable(), 3u);
    EXPECT_EQ(receive(), "abc");
}

TEST_F(TcpTest, Timestamps_PawsDoesNotApplyToRst) {
    passive_open(*this, true);
    inject(seg().ack_flag().seq(1).ack(1).data("abc").ts(500, 0));
    expect(seg().ack_flag().ack(4));
    inject(seg().rst().seq(4).ts(400, 0));
    expect_state(State::Closed);
}

TEST_F(TcpTest, Timestamps_PawsInvalidAfter24DaysIdle) {
    passive_open(*this, true);
    inject(seg().ack_flag().seq(1).ack(1).data("abc").ts(500, 0));
    expect(seg().ack_flag().ack(4));
    advance(std::chrono::hours(24 * 24) + 1s);
    inject(seg().ack_flag().seq(4).ack(1).data("new").ts(400, 0));
    expect(seg().ack_flag().ack(7).ts(ts_at(*this), 400));
}

TEST_F(TcpTest, Timestamps_RttSampleFromEchoEvenForRetransmission) {
    USTACK_REQ("MUST-18");  // RFC 6298 RTO from samples; TS samples are unambiguous (RFC 7323 §4)
    passive_open(*this, true);
    send("data");
    Recorded first = expect(seg().ack_flag().psh().seq(1).data("data"));
    uint32_t first_ts = first.header.options.timestamps->val;
    // The RTO fires (initial 1 s): the retransmission carries a new TSval.
    Recorded again = expect_after(1s, seg().ack_flag().seq(1).data("data"));
    uint32_t again_ts = again.header.options.timestamps->val;
    EXPECT_EQ(again_ts, first_ts + 1000);
    // The ACK echoes the retransmission's TSval, 300 ms later: a sample of
    // 300 ms after the handshake's 0 ms one (RFC 6298 §2.3: SRTT = 7/8*0 +
    // 1/8*300, RTTVAR = 3/4*0 + 1/4*300). Karn's rule would have taken none.
    advance(300ms);
    inject(seg().ack_flag().seq(1).ack(5).ts(102, again_ts));
    EXPECT_EQ(snap().srtt, 37500us);
    EXPECT_EQ(snap().rttvar, 75ms);
}

TEST_F(TcpTest, Timestamps_EchoOlderThanRetransmissionGivesNoSample) {
    USTACK_REQ("MUST-18");  // Karn's rule, applied to echoes that predate a retransmission
    passive_open(*this, true);
    send("data");
    Recorded first = expect(seg().ack_flag().psh().seq(1).data("data"));
    uint32_t first_ts = first.header.options.timestamps->val;
    expect_after(1s, seg().ack_flag().seq(1).data("data"));
    Duration backed_off = snap().rto;
    EXPECT_EQ(backed_off, 2s);
    // The original arrived; its ACK was lost. The ACK for the retransmission,
    // a duplicate to the peer, echoes the original's TSval (RFC 7323 §4.3):
    // now - TSecr would be 1.3 s of which 1 s is our own timeout.
    advance(300ms);
    inject(seg().ack_flag().seq(1).ack(5).ts(102, first_ts));
    EXPECT_EQ(snap().srtt, Duration::zero());  // the handshake's sample, unchanged
    EXPECT_EQ(snap().rto, backed_off);         // RFC 6298 §5.7: backoff stays until a valid sample
    // Data sent after the retransmission gives an unambiguous echo again.
    send("more");
    Recorded next = expect(seg().ack_flag().psh().seq(5).data("more"));
    advance(40ms);
    inject(seg().ack_flag().seq(1).ack(9).ts(103, next.header.options.timestamps->val));
    EXPECT_EQ(snap().srtt, 5ms);  // 7/8*0 + 1/8*40 ms
    EXPECT_LT(snap().rto, backed_off);
}

}  // namespace
}  // namespace ustack::testing
