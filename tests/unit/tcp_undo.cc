// Undoing a spurious retransmission (RFC 3522 Eifel detection with
// timestamps; the response restores the window as Linux's undo does, which
// is RFC 4015's aim): the first ACK for a retransmitted segment that echoes
// the original's TSval says the original had arrived.
#include "tests/harness/harness.h"
#include "tests/harness/req.h"

namespace ustack::testing {
namespace {
using namespace tcp::flags;

constexpr int64_t S = 988;  // MSS 1000 less the 12 octets of the Timestamps option

// Handshake with timestamps and SACK, MSS 1000; 10 full segments sent at
// once. Returns the TSval they carry.
uint32_t open_and_send(Harness& h) {
    h.listen();
    h.inject(seg().syn().seq(0).mss(1000).sack_perm().ts(100, 0));
    Recorded synack = h.expect(seg().syn().ack_flag().seq(0).ack(1));
    h.inject(seg().ack_flag().seq(1).ack(1).ts(101, synack.header.options.timestamps->val));
    h.accept();
    h.send(std::string(10 * S, 'd'));
    uint32_t tsval = 0;
    for (int i = 0; i < 10; ++i) tsval = h.expect(seg().ack_flag().seq(1 + S * i).len(S)).header.options.timestamps->val;
    h.expect_silence();
    return tsval;
}

TEST_F(TcpTest, Undo_SpuriousRto_AckEchoesOriginal_WindowRestored) {
    uint32_t original = open_and_send(*this);
    uint32_t before = snap().cwnd;
    expect_within(2s, seg().ack_flag().seq(1).len(S));  // RTO: every ACK was lost
    EXPECT_EQ(snap().cwnd, uint32_t(S));                 // the loss window
    inject(seg().ack_flag().seq(1).ack(1 + 10 * S).ts(102, original));  // answers the original
    EXPECT_GE(snap().cwnd, before);
    EXPECT_FALSE(snap().in_recovery);
    EXPECT_EQ(layer().counters().spurious_undos, 1u);
}

TEST_F(TcpTest, Undo_RealLossAfterRto_AckEchoesRetransmission_NoUndo) {
    open_and_send(*this);
    uint32_t before = snap().cwnd;
    Recorded rtx = expect_within(2s, seg().ack_flag().seq(1).len(S));
    inject(seg().ack_flag().seq(1).ack(1 + S).sack(1 + S, 1 + 10 * S).ts(102, rtx.header.options.timestamps->val));
    EXPECT_LT(snap().cwnd, before);  // slow start from the loss window
    EXPECT_EQ(layer().counters().spurious_undos, 0u);
}

TEST_F(TcpTest, Undo_RtoRetransmissionsStopOnceUndone) {
    uint32_t original = open_and_send(*this);
    expect_within(2s, seg().ack_flag().seq(1).len(S));
    // Half the window answered, echoing the original: the rest is in flight
    // again, not lost; only new data (none here) may go.
    inject(seg().ack_flag().seq(1).ack(1 + 5 * S).ts(102, original));
    expect_silence();
    inject(seg().ack_flag().seq(1).ack(1 + 10 * S).ts(103, original));
    EXPECT_EQ(layer().counters().retransmissions, 1u);
}

TEST_F(TcpTest, Undo_ReorderingTakenForLoss_OriginalArrives_RecoveryUndone) {
    uint32_t original = open_and_send(*this);
    uint32_t before = snap().cwnd;
    advance(100ms);
    inject(seg().ack_flag().seq(1).ack(1).sack(1 + S, 1 + 4 * S).ts(102, original));
    expect(seg().ack_flag().seq(1).len(S));  // RACK: lost (no reordering seen yet)
    EXPECT_TRUE(snap().in_recovery);
    // The original was only late: its echo comes back with the ACK.
    inject(seg().ack_flag().seq(1).ack(1 + 10 * S).ts(103, original));
    EXPECT_FALSE(snap().in_recovery);
    EXPECT_GE(snap().cwnd, before);  // not CUBIC's reduced window
}

TEST_F(TcpTest, Undo_NoTimestamps_NoUndo) {
    config().timestamps = false;
    options().peer_mss = 1000;
    options().peer_sack_permitted = true;
    in_state(State::Established, Open::Passive);
    send(std::string(10000, 'd'));
    for (int i = 0; i < 10; ++i) expect(seg().ack_flag().seq(1 + 1000 * i).len(1000));
    expect_within(2s, seg().ack_flag().seq(1).len(1000));
    inject(seg().ack_flag().seq(1).ack(10001));
    EXPECT_LE(snap().cwnd, 2000u);  // slow start from one segment: nothing proves the RTO spurious
    EXPECT_EQ(layer().counters().spurious_undos, 0u);
}

}  // namespace
}  // namespace ustack::testing
