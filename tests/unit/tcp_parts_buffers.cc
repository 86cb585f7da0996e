// Unit tests: ByteRing and Reassembler (RFC 9293 §3.10.7.4 seventh step: out-of-order data kept within the window).
#include <gtest/gtest.h>

#include <numeric>
#include <vector>

#include "tcp/byte_ring.h"
#include "tcp/reassembler.h"
#include "tests/harness/req.h"

namespace ustack::tcp {
namespace {

std::vector<uint8_t> bytes(size_t n, uint8_t first) {
    std::vector<uint8_t> v(n);
    std::iota(v.begin(), v.end(), first);
    return v;
}

std::vector<uint8_t> drain(ByteRing& r) {
    std::vector<uint8_t> out(r.size());
    r.read(out);
    return out;
}

TEST(TcpPartsByteRing, PushPeekPopAcrossTheWrap) {
    ByteRing r(8);
    EXPECT_EQ(r.push(bytes(6, 0)), 6u);
    r.pop(5);
    EXPECT_EQ(r.size(), 1u);
    EXPECT_EQ(r.push(bytes(10, 10)), 7u);  // only 7 fit; wraps around the end
    EXPECT_EQ(r.free(), 0u);
    std::vector<uint8_t> mid(4);
    EXPECT_EQ(r.peek(2, mid), 4u);
    EXPECT_EQ(mid, (std::vector<uint8_t>{11, 12, 13, 14}));
    auto all = drain(r);
    EXPECT_EQ(all, (std::vector<uint8_t>{5, 10, 11, 12, 13, 14, 15, 16}));
    EXPECT_TRUE(r.empty());
}

TEST(TcpPartsByteRing, PeekBeyondSizeCopiesWhatIsThere) {
    ByteRing r(4);
    r.push(bytes(3, 1));
    std::vector<uint8_t> out(4);
    EXPECT_EQ(r.peek(1, out), 2u);
    EXPECT_EQ(r.peek(3, out), 0u);
}

TEST(TcpPartsByteRing, WriteBeyondThenCommitMakesBytesVisible) {
    ByteRing r(8);
    r.push(bytes(3, 0));
    r.pop(3);                       // head now at 3
    r.write_beyond(2, bytes(4, 50));  // positions 2..5 past the end, wrapping
    EXPECT_EQ(r.size(), 0u);
    r.write_beyond(0, bytes(2, 40));
    r.commit(6);
    EXPECT_EQ(drain(r), (std::vector<uint8_t>{40, 41, 50, 51, 52, 53}));
}

TEST(TcpPartsByteRing, ReleaseFreesStorage) {
    ByteRing r(1024);
    r.push(bytes(10, 0));
    r.release();
    EXPECT_EQ(r.capacity(), 0u);
    EXPECT_EQ(r.size(), 0u);
    EXPECT_EQ(r.push(bytes(1, 0)), 0u);
}

struct TcpPartsReassembler : ::testing::Test {
    ByteRing ring{64};
    Reassembler reasm;
    SeqNum nxt{1000};
    uint32_t window = 64;

    Reassembler::Result put(uint32_t offset, std::vector<uint8_t> data, bool fin = false) {
        auto r = reasm.insert(nxt, window, nxt + offset, data, fin, ring);
        nxt = nxt + r.advanced + (r.fin_reached ? 1 : 0);
        return r;
    }
    Reassembler::Result put_at(SeqNum seq, std::vector<uint8_t> data) {
        auto r = reasm.insert(nxt, window, seq, data, false, ring);
        nxt = nxt + r.advanced;
        return r;
    }
};

TEST_F(TcpPartsReassembler, InOrderDataIsCommittedAtOnce) {
    auto r = put(0, bytes(10, 0));
    EXPECT_EQ(r.advanced, 10u);
    EXPECT_EQ(ring.size(), 10u);
    EXPECT_EQ(reasm.held_bytes(), 0u);
}

TEST_F(TcpPartsReassembler, GapIsHeldAndFilledLater) {
    EXPECT_EQ(put(10, bytes(10, 10)).advanced, 0u);
    EXPECT_EQ(reasm.held_bytes(), 10u);
    EXPECT_EQ(ring.size(), 0u);
    EXPECT_EQ(put(0, bytes(10, 0)).advanced, 20u);
    EXPECT_EQ(reasm.held_bytes(), 0u);
    EXPECT_EQ(drain(ring), bytes(20, 0));
}

TEST_F(TcpPartsReassembler, OverlapsAndDuplicatesMerge) {
    put(20, bytes(10, 20));
    put(25, bytes(10, 25));   // overlaps the end
    put(15, bytes(10, 15));   // overlaps the start
    put(20, bytes(10, 20));   // exact duplicate
    EXPECT_EQ(reasm.interval_count(), 1u);
    EXPECT_EQ(reasm.held_bytes(), 20u);
    put(40, bytes(5, 40));
    EXPECT_EQ(reasm.interval_count(), 2u);
    EXPECT_EQ(put(0, bytes(16, 0)).advanced, 35u);  // 0..15 bridges into 15..35
    EXPECT_EQ(drain(ring), bytes(35, 0));
    EXPECT_EQ(reasm.held_bytes(), 5u);
}

TEST_F(TcpPartsReassembler, OldBytesAreTrimmedAtRcvNxt) {
    put(0, bytes(10, 0));
    auto r = put_at(nxt - 5, bytes(10, 5));  // 5 old, 5 new
    EXPECT_EQ(r.advanced, 5u);
    EXPECT_EQ(drain(ring), bytes(15, 0));
    EXPECT_EQ(put_at(nxt - 20, bytes(10, 0)).advanced, 0u);  // entirely old
}

TEST_F(TcpPartsReassembler, BytesBeyondTheWindowAreDropped) {
    window = 16;
    put(10, bytes(20, 10));  // only 10..15 fits
    EXPECT_EQ(reasm.held_bytes(), 6u);
    EXPECT_EQ(put(0, bytes(10, 0)).advanced, 16u);
    EXPECT_EQ(drain(ring), bytes(16, 0));
}

TEST_F(TcpPartsReassembler, WindowIsAlsoBoundedByRingSpace) {
    window = 1000;  // the ring has only 64 bytes
    put(0, bytes(60, 0));
    auto r = put(0, bytes(10, 60));
    EXPECT_EQ(r.advanced, 4u);
    EXPECT_EQ(ring.size(), 64u);
}

TEST_F(TcpPartsReassembler, SequenceWrapAround) {
    nxt = SeqNum(0xfffffff0u);
    put(8, bytes(16, 8));  // spans the 2^32 wrap
    EXPECT_EQ(put(0, bytes(8, 0)).advanced, 24u);
    EXPECT_EQ(nxt, SeqNum(8));
    EXPECT_EQ(drain(ring), bytes(24, 0));
}

TEST_F(TcpPartsReassembler, OutOfOrderFinIsRememberedUntilTheGapFills) {
    auto r = put(5, bytes(5, 5), /*fin=*/true);
    EXPECT_FALSE(r.fin_reached);
    EXPECT_TRUE(reasm.fin_seq().has_value());
    r = put(0, bytes(5, 0));
    EXPECT_EQ(r.advanced, 10u);
    EXPECT_TRUE(r.fin_reached);
    EXPECT_EQ(nxt, SeqNum(1011));  // 10 bytes + FIN
}

TEST_F(TcpPartsReassembler, FullIntervalListDropsNewDisjointPieces) {
    window = 64;
    ByteRing big(4096);
    for (uint32_t i = 0; i < Reassembler::MAX_INTERVALS; ++i) {
        reasm.insert(nxt, 4096, nxt + 2 + i * 3, bytes(1, uint8_t(i)), false, big);
    }
    EXPECT_EQ(reasm.interval_count(), Reassembler::MAX_INTERVALS);
    reasm.insert(nxt, 4096, nxt + 1000, bytes(1, 0), false, big);
    EXPECT_EQ(reasm.interval_count(), Reassembler::MAX_INTERVALS);
    // In-order data still goes through, and merges what touches it.
    auto r = reasm.insert(nxt, 4096, nxt, bytes(3, 0), false, big);
    EXPECT_EQ(r.advanced, 3u);
    EXPECT_EQ(reasm.interval_count(), Reassembler::MAX_INTERVALS - 1);
}

}  // namespace
}  // namespace ustack::tcp
