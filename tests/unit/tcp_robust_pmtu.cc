// RFC 1191 §6.4 (RFC 9293 §3.9.2.2): after Fragmentation Needed only the
// segments in flight larger than the new MSS are resent, re-segmented, as
// Linux's tcp_simple_retransmit; cwnd and SND.NXT stay.
#include "tests/harness/harness.h"
#include "tests/harness/req.h"

namespace ustack::testing {
namespace {

using namespace tcp::flags;
using Kind = tcp::IcmpError::Kind;

class TcpPmtu : public TcpTest {
protected:
    // Fragmentation Needed with next-hop MTU `mtu`, quoting relative seq `rel_seq`.
    bool frag_needed(int64_t rel_seq, uint16_t mtu) { return icmp(Kind::DestUnreachable, 4, rel_seq, mtu); }
    // Passive open with SACK (RACK keeps a record of every segment), no timestamps: MSS 1460.
    void sack_established() {
        config().timestamps = false;
        options().peer_sack_permitted = true;
        in_state(State::Established, Open::Passive);
    }
    // With Nagle off, one segment per send of `n` < MSS octets at relative `rel_seq`.
    void send_short(int64_t rel_seq, size_t n) {
        send(std::string(n, 's'));
        expect(seg().ack_flag().seq(rel_seq).len(n));
    }
    // In flight: [1,1461) full, [1461,2001) short (540), [2001,3461) full.
    void full_short_full() {
        send(std::string(2000, 'a'));
        expect(seg().ack_flag().seq(1).len(1460));
        expect(seg().ack_flag().seq(1461).len(540));
        send(std::string(1460, 'b'));
        expect(seg().ack_flag().seq(2001).len(1460));
        expect_silence();
    }
};

TEST_F(TcpPmtu, ShortSegmentThatFits_NotResent) {
    USTACK_REQ("MUST-54");
    in_state(State::Established);
    full_short_full();
    uint32_t cwnd = snap().cwnd, ssthresh = snap().ssthresh;
    EXPECT_TRUE(frag_needed(1, 1000));  // MSS 960: the 540-octet segment went through
    expect(seg().ack_flag().seq(1).len(960));
    expect(seg().ack_flag().seq(961).len(500));
    expect(seg().ack_flag().seq(2001).len(960));
    expect(seg().ack_flag().seq(2961).len(500));
    expect_silence();
    EXPECT_EQ(snap().cwnd, cwnd);  // not congestion
    EXPECT_EQ(snap().ssthresh, ssthresh);
    EXPECT_EQ(snap().snd_nxt.raw(), our_iss() + 3461);  // SND.NXT stays
    // The peer had the short one: the cumulative ACK covers everything.
    inject(seg().ack_flag().seq(1).ack(3461));
    EXPECT_EQ(snap().bytes_in_flight, 0u);
    expect_silence(5s);
}

TEST_F(TcpPmtu, ShortSegmentLargerThanNewMss_ResentToo) {
    USTACK_REQ("MUST-54");
    in_state(State::Established);
    full_short_full();
    EXPECT_TRUE(frag_needed(1461, 576));  // MSS 536: 540 octets no longer fit
    uint32_t resent = 0;
    while (!pending().empty()) {
        Recorded r = expect(seg().ack_flag());
        EXPECT_LE(r.len(), 536u);
        resent += uint32_t(r.len());
    }
    EXPECT_EQ(resent, 3460u);  // all of it, in at most 536-octet segments
    EXPECT_EQ(snap().snd_nxt.raw(), our_iss() + 3461);
}

TEST_F(TcpPmtu, SackedDataNotResent) {
    USTACK_REQ("MUST-54");
    sack_established();
    full_short_full();
    inject(seg().ack_flag().seq(1).ack(1).sack(2001, 3461));  // the last segment arrived
    discard_pending();
    EXPECT_TRUE(frag_needed(1, 1000));
    expect(seg().ack_flag().seq(1).len(960));
    expect(seg().ack_flag().seq(961).len(500));
    expect_silence();  // neither the short segment nor the SACKed one
}

TEST_F(TcpPmtu, NewDataAfterwardsUsesTheNewMss) {
    in_state(State::Established);
    full_short_full();
    EXPECT_TRUE(frag_needed(1, 1000));
    discard_pending();
    send(std::string(1000, 'c'));
    expect(seg().ack_flag().seq(3461).len(960));  // from SND.NXT, not from SND.UNA
}

// A short segment vouches for its octets only until they are sent again:
// after a timeout the go-back-N resend put them in a full segment, which
// the smaller MTU drops.
TEST_F(TcpPmtu, ShortSegmentResentInAFullOne_ResentAgain) {
    USTACK_REQ("MUST-54");
    in_state(State::Established);
    full_short_full();
    expect_after(1s, seg().ack_flag().seq(1).len(1460));  // RTO: SND.NXT back to SND.UNA
    inject(seg().ack_flag().seq(1).ack(1461));
    expect(seg().ack_flag().seq(1461).len(1460));  // [1461,2001) now inside a full segment
    expect(seg().ack_flag().seq(2921).len(540));   // a short one that fits MSS 960
    expect_silence();
    EXPECT_TRUE(frag_needed(1461, 1000));
    expect(seg().ack_flag().seq(1461).len(960));
    expect(seg().ack_flag().seq(2421).len(500));
    expect_silence();
}

// Without SACK at most 8 short segments are remembered; the others are resent (safe, only redundant).
TEST_F(TcpPmtu, NoSack_MoreShortSegmentsThanRemembered_RestResent) {
    USTACK_REQ("MUST-54");
    in_state(State::Established);
    conn().set_nodelay(true);
    for (int i = 0; i < 10; ++i) {
        send(std::string(100, char('a' + i)));
        expect(seg().ack_flag().seq(1 + 100 * i).len(100));
    }
    EXPECT_TRUE(frag_needed(1, 576));  // MSS 536: every one of them fits
    expect(seg().ack_flag().seq(801).len(200));  // the 9th and 10th, not remembered
    expect_silence();
}

// With SACK every segment in flight is known by its size (RACK's records):
// twelve short ones that fit the new MSS stay, only the full ones go again.
TEST_F(TcpPmtu, Sack_TwelveShortSegmentsInFlight_NoneResent) {
    USTACK_REQ("MUST-54");
    sack_established();
    conn().set_nodelay(true);
    send(std::string(1460, 'a'));
    expect(seg().ack_flag().seq(1).len(1460));
    for (int i = 0; i < 12; ++i) send_short(1461 + 100 * i, 100);
    send(std::string(1460, 'b'));
    expect(seg().ack_flag().seq(2661).len(1460));
    expect_silence();
    EXPECT_TRUE(frag_needed(1, 576));  // MSS 536
    expect(seg().ack_flag().seq(1).len(536));
    expect(seg().ack_flag().seq(537).len(536));
    expect(seg().ack_flag().seq(1073).len(388));
    expect(seg().ack_flag().seq(2661).len(536));
    expect(seg().ack_flag().seq(3197).len(536));
    expect(seg().ack_flag().seq(3733).len(388));
    expect_silence();  // not one of the twelve
    EXPECT_EQ(snap().snd_nxt.raw(), our_iss() + 4121);
}

// Ten short segments, alternately larger and smaller than the new MSS: only the larger go again.
TEST_F(TcpPmtu, Sack_TenShortSegments_OnlyThoseAboveTheNewMssResent) {
    USTACK_REQ("MUST-54");
    sack_established();
    conn().set_nodelay(true);
    int64_t rel = 1;
    for (int i = 0; i < 10; ++i) {
        size_t n = i % 2 == 0 ? 1000 : 100;
        send_short(rel, n);
        rel += int64_t(n);
    }
    expect_silence();
    EXPECT_TRUE(frag_needed(1, 1000));  // MSS 960: 1000 no longer fits, 100 does
    for (int i = 0; i < 5; ++i) {
        expect(seg().ack_flag().seq(1 + 1100 * i).len(960));
        expect(seg().ack_flag().seq(961 + 1100 * i).len(40));
    }
    expect_silence();
    // A second drop: the resent 960-octet pieces no longer fit, the 40 and 100 still do.
    EXPECT_TRUE(frag_needed(1, 576));  // MSS 536
    uint32_t resent = 0;
    while (!pending().empty()) {
        Recorded r = expect(seg().ack_flag());
        EXPECT_LE(r.len(), 536u);
        resent += uint32_t(r.len());
    }
    // Each 1000-octet record was resent in two pieces, 960 and 40: a record
    // knows only its larger, so the 40 go again with the 960 (5 x 1000).
    EXPECT_EQ(resent, 5000u);
}

// A bare FIN always fits: after a drop only the full segment goes again.
TEST_F(TcpPmtu, BareFinFits_NotResent) {
    USTACK_REQ("MUST-54");
    in_state(State::Established);
    send(std::string(2000, 'a'));
    expect(seg().ack_flag().seq(1).len(1460));
    expect(seg().ack_flag().seq(1461).len(540));
    close();
    expect(seg().fin().ack_flag().seq(2001).len(0));
    EXPECT_TRUE(frag_needed(1, 1000));
    expect(seg().ack_flag().seq(1).len(960));
    expect(seg().ack_flag().seq(961).len(500));
    expect_silence();  // neither the short segment nor the FIN
    expect_state(State::FinWait1);
}

}  // namespace
}  // namespace ustack::testing
