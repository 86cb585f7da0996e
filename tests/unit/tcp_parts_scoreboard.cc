// Unit tests: the RFC 6675 sender scoreboard (update, IsLost, SetPipe, NextSeg holes).
#include <gtest/gtest.h>

#include <vector>

#include "tcp/scoreboard.h"

namespace ustack::tcp {
namespace {

constexpr uint32_t MSS = 1000;
const SeqNum UNA(1000000);  // relative offsets below are from SND.UNA
SeqNum at(uint32_t off) { return UNA + off; }

uint32_t sack(SackScoreboard& sb, std::vector<std::pair<uint32_t, uint32_t>> blocks, uint32_t max = 10000) {
    std::vector<SackBlock> b;
    for (auto [l, r] : blocks) b.push_back({at(l), at(r)});
    return sb.update(UNA, at(max), b);
}

TEST(TcpPartsScoreboard, UpdateMergesAndCountsOnlyNewOctets) {
    SackScoreboard sb;
    EXPECT_EQ(sack(sb, {{1000, 2000}}), 1000u);
    EXPECT_EQ(sack(sb, {{1000, 2000}}), 0u);                 // repeated block: nothing new
    EXPECT_EQ(sack(sb, {{1500, 3000}, {5000, 6000}}), 2000u);  // 1000 extends, 1000 new range
    ASSERT_EQ(sb.size(), 2u);
    EXPECT_EQ(sb.at(0).left, at(1000));
    EXPECT_EQ(sb.at(0).right, at(3000));
    EXPECT_EQ(sb.sacked_bytes(), 3000u);
    EXPECT_EQ(sb.highest(), at(6000));
}

TEST(TcpPartsScoreboard, DsackAndBogusBlocksIgnored) {
    SackScoreboard sb;
    // A D-SACK block at or below SND.UNA (RFC 2883), one beyond SND.MAX, one empty.
    EXPECT_EQ(sack(sb, {{0, 0}}), 0u);
    std::vector<SackBlock> b{{UNA - 500, UNA}, {at(9000), at(11000)}, {at(3000), at(3000)}};
    EXPECT_EQ(sb.update(UNA, at(10000), b), 0u);
    EXPECT_TRUE(sb.empty());
}

TEST(TcpPartsScoreboard, CumulativeAckForgetsBelowUna) {
    SackScoreboard sb;
    sack(sb, {{1000, 2000}, {3000, 4000}});
    sb.acknowledge(at(2000));
    ASSERT_EQ(sb.size(), 1u);
    EXPECT_EQ(sb.at(0).left, at(3000));
    sb.acknowledge(at(3500));
    EXPECT_EQ(sb.at(0).left, at(3500));
    EXPECT_EQ(sb.sacked_bytes(), 500u);
}

TEST(TcpPartsScoreboard, IsLostByBytesOrByRanges) {
    SackScoreboard sb;
    sack(sb, {{1000, 3000}});
    EXPECT_FALSE(sb.is_lost(at(0), MSS));  // 2000 octets: not more than (3-1)*SMSS
    sack(sb, {{1000, 3001}});
    EXPECT_TRUE(sb.is_lost(at(0), MSS));
    SackScoreboard small;
    sack(small, {{1000, 1100}, {2000, 2100}, {3000, 3100}});
    EXPECT_TRUE(small.is_lost(at(0), MSS));     // DupThresh discontiguous ranges above
    EXPECT_FALSE(small.is_lost(at(1500), MSS)); // only two above
}

TEST(TcpPartsScoreboard, PipeCountsUnsackedNotLostPlusRetransmitted) {
    SackScoreboard sb;
    // 10 segments sent; segments 3-5 SACKed; 1-2 lost (3000 octets above), 6-10 in flight.
    sack(sb, {{2000, 5000}});
    EXPECT_EQ(sb.pipe(UNA, at(10000), UNA, MSS, UNA), 5000u);
    // Segment 1 retransmitted (HighRxt): it is in flight again.
    EXPECT_EQ(sb.pipe(UNA, at(10000), at(1000), MSS, UNA), 6000u);
    // After an RTO everything unSACKed below the recovery point counts as lost.
    EXPECT_EQ(sb.pipe(UNA, at(10000), at(1000), MSS, at(10000)), 1000u);
    // Data sent after the RTO (beyond the recovery point) is in flight.
    EXPECT_EQ(sb.pipe(UNA, at(12000), at(1000), MSS, at(10000)), 3000u);
    // Nothing SACKed: pipe = FlightSize.
    SackScoreboard none;
    EXPECT_EQ(none.pipe(UNA, at(10000), UNA, MSS, UNA), 10000u);
}

TEST(TcpPartsScoreboard, NextHoleSkipsSackedRanges) {
    SackScoreboard sb;
    sack(sb, {{1000, 2000}, {3000, 4000}});
    auto h = sb.next_hole(UNA, sb.highest());
    ASSERT_TRUE(h);
    EXPECT_EQ(h->left, at(0));
    EXPECT_EQ(h->right, at(1000));
    h = sb.next_hole(at(1000), sb.highest());
    ASSERT_TRUE(h);
    EXPECT_EQ(h->left, at(2000));
    EXPECT_EQ(h->right, at(3000));
    EXPECT_FALSE(sb.next_hole(at(3000), sb.highest()));
    h = sb.next_hole(at(3500), at(6000));
    ASSERT_TRUE(h);
    EXPECT_EQ(h->left, at(4000));
    EXPECT_EQ(h->right, at(6000));
}

TEST(TcpPartsScoreboard, FullScoreboardDropsNewRangesWithoutAllocating) {
    SackScoreboard sb;
    for (uint32_t i = 0; i < SackScoreboard::MAX_RANGES + 5; ++i) sack(sb, {{i * 100 + 10, i * 100 + 20}}, 100000);
    EXPECT_EQ(sb.size(), SackScoreboard::MAX_RANGES);
}

}  // namespace
}  // namespace ustack::tcp
