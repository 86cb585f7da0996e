// Tests for the Internet checksum (RFC 1071) and the TCP pseudo-header (RFC 9293 §3.1).
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "stack/wire/bytes.h"
#include "stack/wire/checksum.h"
#include "tests/harness/req.h"
#include "tests/unit/wire_packets.h"

namespace ustack::wire {
namespace {

// A deliberately naive reference: 32-bit sum of 16-bit words, folded at the end.
uint16_t reference_checksum(const std::vector<uint8_t>& b) {
    uint64_t sum = 0;
    for (size_t i = 0; i < b.size(); i += 2) sum += (uint32_t(b[i]) << 8) | (i + 1 < b.size() ? b[i + 1] : 0);
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return uint16_t(~sum);
}

TEST(WireChecksum, Rfc1071Section3Example) {
    // RFC 1071 §3: the bytes 00 01 f2 03 f4 f5 f6 f7 sum to ddf2 (one's complement).
    std::vector<uint8_t> b = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
    EXPECT_EQ(internet_checksum(b), uint16_t(~0xddf2));
}

TEST(WireChecksum, OddLengthPadsLastByteWithZero) {
    std::vector<uint8_t> b = {0x01};
    EXPECT_EQ(internet_checksum(b), 0xfeff);
    std::vector<uint8_t> c = {0x12, 0x34, 0x56};
    EXPECT_EQ(internet_checksum(c), uint16_t(~(0x1234 + 0x5600)));
}

TEST(WireChecksum, EmptyIsAllOnes) { EXPECT_EQ(internet_checksum({}), 0xffff); }

TEST(WireChecksum, IncrementalEqualsWholeAtEverySplit) {
    std::mt19937 rng(7);
    std::vector<uint8_t> b(257);
    for (auto& x : b) x = uint8_t(rng());
    uint16_t whole = internet_checksum(b);
    EXPECT_EQ(whole, reference_checksum(b));
    std::span<const uint8_t> s(b);
    for (size_t i = 0; i <= b.size(); ++i) {
        for (size_t j = i; j <= b.size(); j += 37) {
            Checksum c;
            c.add(s.first(i));
            c.add(s.subspan(i, j - i));
            c.add(s.subspan(j));
            ASSERT_EQ(c.finish(), whole) << "split at " << i << "," << j;
        }
    }
}

TEST(WireChecksum, AddU16AndU32MatchByteForm) {
    Checksum a;
    a.add_u16(0x1234);
    a.add_u32(0xdeadbeef);
    std::vector<uint8_t> b = {0x12, 0x34, 0xde, 0xad, 0xbe, 0xef};
    EXPECT_EQ(a.finish(), internet_checksum(b));
}

TEST(WireChecksum, LargeBufferOfOnesCarriesCorrectly) {
    std::vector<uint8_t> b(70001, 0xff);
    EXPECT_EQ(internet_checksum(b), reference_checksum(b));
}

TEST(WireChecksum, DataWithItsChecksumSumsToZero) {
    std::mt19937 rng(11);
    std::vector<uint8_t> b(40);
    for (auto& x : b) x = uint8_t(rng());
    b[10] = b[11] = 0;
    store_be16(&b[10], internet_checksum(b));
    EXPECT_EQ(internet_checksum(b), 0);
}

TEST(WireChecksum, PseudoHeaderReproducesLinuxSynChecksum) {
    USTACK_REQ("MUST-2", "MUST-3");
    auto pkt = wire_test::from_hex(wire_test::LINUX_SYN);
    std::span<const uint8_t> tcp = std::span<const uint8_t>(pkt).subspan(20);
    Checksum verify;
    verify.add_pseudo_header(Ipv4Address(10, 9, 0, 1), Ipv4Address(10, 9, 0, 2), 6, uint16_t(tcp.size()));
    verify.add(tcp);
    EXPECT_EQ(verify.finish(), 0);  // a receiver's check over a correct segment

    std::vector<uint8_t> zeroed(tcp.begin(), tcp.end());
    zeroed[16] = zeroed[17] = 0;
    Checksum sender;
    sender.add_pseudo_header(Ipv4Address(10, 9, 0, 1), Ipv4Address(10, 9, 0, 2), 6, uint16_t(tcp.size()));
    sender.add(zeroed);
    EXPECT_EQ(sender.finish(), 0x8bdd);  // what Linux put in the field

    Checksum wrong_dst;  // the pseudo-header binds the segment to its addresses
    wrong_dst.add_pseudo_header(Ipv4Address(10, 9, 0, 1), Ipv4Address(10, 9, 0, 3), 6, uint16_t(tcp.size()));
    wrong_dst.add(tcp);
    EXPECT_NE(wrong_dst.finish(), 0);
}

TEST(WireBytes, BigEndianLoadsAndStores) {
    uint8_t b[4] = {};
    store_be32(b, 0x01020304);
    EXPECT_EQ(b[0], 1);
    EXPECT_EQ(b[3], 4);
    EXPECT_EQ(load_be32(b), 0x01020304u);
    store_be16(b, 0xabcd);
    EXPECT_EQ(b[0], 0xab);
    EXPECT_EQ(load_be16(b), 0xabcd);
}

}  // namespace
}  // namespace ustack::wire
