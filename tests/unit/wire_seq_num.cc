// Tests for sequence-number arithmetic modulo 2^32 (RFC 9293 §3.4).
#include <gtest/gtest.h>

#include "stack/wire/seq_num.h"

namespace ustack::wire {
namespace {

TEST(WireSeqNum, ComparesAcrossWrap) {
    SeqNum before(0xfffffff0u), after(0x10u);
    EXPECT_LT(before, after);
    EXPECT_GT(after, before);
    EXPECT_LE(before, after);
    EXPECT_GE(after, before);
    EXPECT_EQ(after - before, 0x20);
    EXPECT_EQ(before - after, -0x20);
}

TEST(WireSeqNum, AdditionWraps) {
    SeqNum s(0xffffffffu);
    EXPECT_EQ((s + 1).raw(), 0u);
    EXPECT_EQ((SeqNum(0) - 1).raw(), 0xffffffffu);
    s += 2;
    EXPECT_EQ(s.raw(), 1u);
    s -= 3;
    EXPECT_EQ(s.raw(), 0xfffffffeu);
}

TEST(WireSeqNum, HalfSpaceDecidesOrder) {
    SeqNum a(0);
    EXPECT_LT(a, SeqNum(0x7fffffffu));   // just under 2^31 ahead: later
    EXPECT_GT(a, SeqNum(0x80000001u));   // just over: it is behind
}

TEST(WireSeqNum, InWindowAcrossWrap) {
    SeqNum lo(0xfffffff0u), hi(0x10u);
    EXPECT_TRUE(in_window(SeqNum(0xfffffff0u), lo, hi));
    EXPECT_TRUE(in_window(SeqNum(0xffffffffu), lo, hi));
    EXPECT_TRUE(in_window(SeqNum(0), lo, hi));
    EXPECT_TRUE(in_window(SeqNum(0xf), lo, hi));
    EXPECT_FALSE(in_window(SeqNum(0x10), lo, hi));
    EXPECT_FALSE(in_window(SeqNum(0xffffffefu), lo, hi));
    EXPECT_FALSE(in_window(SeqNum(5), SeqNum(5), SeqNum(5)));  // empty window
}

TEST(WireSeqNum, MinMaxAcrossWrap) {
    SeqNum a(0xfffffffeu), b(3);
    EXPECT_EQ(max(a, b), b);
    EXPECT_EQ(min(a, b), a);
}

}  // namespace
}  // namespace ustack::wire
