// RFC 2018 SACK-permitted negotiation and receiver SACK blocks, RFC 2883 D-SACK.
#include "tests/harness/harness.h"
#include "tests/harness/req.h"

namespace ustack::testing {
namespace {
using namespace tcp::flags;

// Passive handshake; the peer's SYN offers SACK-permitted (and timestamps when `ts`).
void sack_open(Harness& h, bool ts = false) {
    if (!ts) h.config().timestamps = false;
    h.listen();
    Seg syn = seg().syn().seq(0).mss(1000).sack_perm();
    if (ts) syn.ts(100, 0);
    h.inject(syn);
    h.expect(seg().syn().ack_flag().seq(0).ack(1).sack_perm());
    Seg ack = seg().ack_flag().seq(1).ack(1);
    if (ts) ack.ts(101, 1);
    h.inject(ack);
    h.accept();
    EXPECT_TRUE(h.snap().sack_permitted);
}

TEST_F(TcpTest, Sack_ActiveSynOffersSackPermitted) {
    connect();
    expect(seg().syn().seq(0).sack_perm());
}

TEST_F(TcpTest, Sack_DisabledByConfig) {
    config().sack = false;
    connect();
    Recorded r = expect(seg().syn().seq(0));
    EXPECT_FALSE(r.header.options.sack_permitted);
}

TEST_F(TcpTest, Sack_SynAckOffersOnlyWhenPeerDid) {
    listen();
    inject(seg().syn().seq(0).mss(1460));
    Recorded r = expect(seg().syn().ack_flag().seq(0).ack(1));
    EXPECT_FALSE(r.header.options.sack_permitted);
    inject(seg().ack_flag().seq(1).ack(1));
    accept();
    EXPECT_FALSE(snap().sack_permitted);
    // Out-of-order data: a plain duplicate ACK, no SACK blocks.
    inject(seg().ack_flag().seq(11).ack(1).data("0123456789"));
    expect(seg().ack_flag().ack(1).no_sack());
}

TEST_F(TcpTest, Sack_BlocksMostRecentFirstAfterHoles) {
    sack_open(*this);
    std::string ten(10, 'x');
    inject(seg().ack_flag().seq(11).ack(1).data(ten));
    expect(seg().ack_flag().ack(1).sack(11, 21));
    inject(seg().ack_flag().seq(31).ack(1).data(ten));
    expect(seg().ack_flag().ack(1).sack(31, 41).sack(11, 21));
    inject(seg().ack_flag().seq(51).ack(1).data(ten));
    expect(seg().ack_flag().ack(1).sack(51, 61).sack(31, 41).sack(11, 21));
    // Filling 21..31 joins two blocks; the block with the newest segment leads.
    inject(seg().ack_flag().seq(21).ack(1).data(ten));
    expect(seg().ack_flag().ack(1).sack(11, 41).sack(51, 61));
    inject(seg().ack_flag().seq(71).ack(1).data(ten));
    expect(seg().ack_flag().ack(1).sack(71, 81).sack(11, 41).sack(51, 61));
    inject(seg().ack_flag().seq(91).ack(1).data(ten));
    inject(seg().ack_flag().seq(111).ack(1).data(ten));
    discard_pending();
    // Four blocks fit without timestamps: the four most recently reported.
    inject(seg().ack_flag().seq(131).ack(1).data(ten));
    expect(seg().ack_flag().ack(1).sack(131, 141).sack(111, 121).sack(91, 101).sack(71, 81));
    // The first hole filled: the cumulative ACK moves, the rest are still reported.
    inject(seg().ack_flag().seq(1).ack(1).data(ten));
    expect(seg().ack_flag().ack(41).sack(131, 141).sack(111, 121).sack(91, 101).sack(71, 81));
}

TEST_F(TcpTest, Sack_ThreeBlocksBesideTimestamps) {
    sack_open(*this, true);
    std::string ten(10, 'x');
    uint32_t tsv = 102;
    for (int left : {11, 31, 51, 71}) inject(seg().ack_flag().seq(left).ack(1).data(ten).ts(tsv++, 1));
    discard_pending();
    inject(seg().ack_flag().seq(91).ack(1).data(ten).ts(tsv++, 1));
    Recorded r = expect(seg().ack_flag().ack(1).sack(91, 101).sack(71, 81).sack(51, 61));
    EXPECT_TRUE(r.header.options.timestamps.has_value());
}

TEST_F(TcpTest, Sack_DsackForDuplicateBelowRcvNxt) {
    sack_open(*this);
    inject(seg().ack_flag().seq(1).ack(1).data("abcde"));
    expect(seg().ack_flag().ack(6).no_sack());
    inject(seg().ack_flag().seq(1).ack(1).data("abcde"));  // a spurious retransmission
    expect(seg().ack_flag().ack(6).sack(1, 6));
    // Reported once: the next ACK carries no D-SACK.
    inject(seg().ack_flag().seq(6).ack(1).data("fgh"));
    expect(seg().ack_flag().ack(9).no_sack());
}

TEST_F(TcpTest, Sack_DsackForPartlyDuplicateSegment) {
    sack_open(*this);
    inject(seg().ack_flag().seq(1).ack(1).data("abcde"));
    expect(seg().ack_flag().ack(6));
    inject(seg().ack_flag().seq(4).ack(1).data("defgh"));  // 4..6 old, 6..9 new
    expect(seg().ack_flag().ack(9).sack(4, 6));
}

TEST_F(TcpTest, Sack_DsackForDuplicateOutOfOrderSegment) {
    sack_open(*this);
    std::string ten(10, 'x');
    inject(seg().ack_flag().seq(11).ack(1).data(ten));
    inject(seg().ack_flag().seq(21).ack(1).data(ten));
    discard_pending();
    inject(seg().ack_flag().seq(11).ack(1).data(ten));
    // RFC 2883 §4: the D-SACK block, then the larger block that contains it.
    expect(seg().ack_flag().ack(1).sack(11, 21).sack(11, 31));
}

}  // namespace
}  // namespace ustack::testing
