// Tests for the TCP header view and option walker (RFC 9293 §3.1, §3.2).
#include <gtest/gtest.h>

#include <vector>

#include "stack/wire/bytes.h"
#include "stack/wire/tcp_header.h"
#include "tests/harness/req.h"
#include "tests/unit/wire_packets.h"

namespace ustack::wire {
namespace {

using wire_test::from_hex;

std::vector<TcpOptionView> walk(const std::vector<uint8_t>& opts, bool* error = nullptr) {
    TcpOptionIterator it(opts);
    std::vector<TcpOptionView> out;
    TcpOptionView o;
    while (it.next(o)) out.push_back(o);
    if (error) *error = it.has_error();
    return out;
}

TEST(WireTcpHeader, ParsesCapturedLinuxSyn) {
    auto pkt = from_hex(wire_test::LINUX_SYN);
    TcpView t(std::span<const uint8_t>(pkt).subspan(20));
    ASSERT_EQ(t.check(), TcpHeaderError::None);
    EXPECT_EQ(t.src_port(), 36190);
    EXPECT_EQ(t.dst_port(), 80);
    EXPECT_EQ(t.seq(), 0xdfa7b5dcu);
    EXPECT_EQ(t.ack(), 0u);
    EXPECT_EQ(t.header_len(), 40u);
    EXPECT_EQ(t.flags(), 0x02);
    EXPECT_EQ(t.window(), 64240);
    EXPECT_EQ(t.checksum(), 0x8bdd);
    EXPECT_EQ(t.urgent_ptr(), 0);
    EXPECT_EQ(t.options().size(), 20u);
    EXPECT_TRUE(t.payload().empty());

    bool error = true;
    std::vector<uint8_t> raw(t.options().begin(), t.options().end());
    auto opts = walk(raw, &error);
    EXPECT_FALSE(error);
    ASSERT_EQ(opts.size(), 5u);  // MSS, SACK-permitted, TS, NOP, WS
    EXPECT_EQ(opts[0].kind, TCP_OPT_MSS);
    EXPECT_EQ(load_be16(opts[0].data.data()), 1460);
    EXPECT_EQ(opts[1].kind, TCP_OPT_SACK_PERMITTED);
    EXPECT_TRUE(opts[1].data.empty());
    EXPECT_EQ(opts[2].kind, TCP_OPT_TIMESTAMPS);
    EXPECT_EQ(load_be32(opts[2].data.data()), 0xd8c8b11eu);
    EXPECT_EQ(opts[3].kind, TCP_OPT_NOP);
    EXPECT_EQ(opts[4].kind, TCP_OPT_WINDOW_SCALE);
    EXPECT_EQ(opts[4].data[0], 10);
}

TEST(WireTcpHeader, WindowIsUnsigned) {
    USTACK_REQ("MUST-1");
    auto pkt = from_hex(wire_test::LINUX_SYN);
    std::span<uint8_t> tcp = std::span<uint8_t>(pkt).subspan(20);
    store_be16(&tcp[14], 0xffff);
    EXPECT_EQ(TcpView(tcp).window(), 65535);  // not -1
    store_be16(&tcp[14], 0x8000);
    EXPECT_EQ(TcpView(tcp).window(), 32768);
}

TEST(WireTcpHeader, RejectsTruncatedAndBadDataOffset) {
    auto pkt = from_hex(wire_test::LINUX_SYN);
    std::vector<uint8_t> tcp(pkt.begin() + 20, pkt.end());
    EXPECT_EQ(TcpView(std::span<const uint8_t>(tcp).first(19)).check(), TcpHeaderError::Truncated);
    EXPECT_EQ(TcpView(std::span<const uint8_t>()).check(), TcpHeaderError::Truncated);
    // Data offset 10 (40 bytes) but only 39 bytes present.
    EXPECT_EQ(TcpView(std::span<const uint8_t>(tcp).first(39)).check(), TcpHeaderError::BadDataOffset);
    for (uint8_t doff : {0, 1, 4}) {
        tcp[12] = uint8_t(doff << 4);
        EXPECT_EQ(TcpView(tcp).check(), TcpHeaderError::BadDataOffset) << int(doff);
    }
    tcp[12] = 0xf0;  // 60 bytes > 40
    EXPECT_EQ(TcpView(tcp).check(), TcpHeaderError::BadDataOffset);
    tcp[12] = 0x50;  // 20: the options now read as payload
    ASSERT_EQ(TcpView(tcp).check(), TcpHeaderError::None);
    EXPECT_EQ(TcpView(tcp).payload().size(), 20u);
    EXPECT_TRUE(TcpView(tcp).options().empty());
}

TEST(WireTcpOptions, AnyAlignment) {
    USTACK_REQ("MUST-64", "MUST-5");
    // MSS at offset 1, window scale at offset 5, timestamps at offset 8 (not 4-byte aligned).
    std::vector<uint8_t> opts = {1, 2, 4, 0x05, 0xb4, 3, 3, 7, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0};
    bool error = true;
    auto o = walk(opts, &error);
    EXPECT_FALSE(error);
    ASSERT_EQ(o.size(), 4u);
    EXPECT_EQ(o[1].kind, TCP_OPT_MSS);
    EXPECT_EQ(load_be16(o[1].data.data()), 1460);
    EXPECT_EQ(o[2].kind, TCP_OPT_WINDOW_SCALE);
    EXPECT_EQ(o[3].kind, TCP_OPT_TIMESTAMPS);
    EXPECT_EQ(load_be32(o[3].data.data() + 4), 2u);
}

TEST(WireTcpOptions, EolEndsListAndNopIsOneByte) {
    USTACK_REQ("MUST-4");
    std::vector<uint8_t> opts = {1, 1, 1, 0, 2, 0, 0xff, 0xff};  // garbage after EOL is ignored
    bool error = true;
    auto o = walk(opts, &error);
    EXPECT_FALSE(error);
    ASSERT_EQ(o.size(), 3u);
    for (const auto& x : o) EXPECT_EQ(x.kind, TCP_OPT_NOP);
    EXPECT_TRUE(walk(std::vector<uint8_t>{}).empty());
}

TEST(WireTcpOptions, IllegalLengthsStopWithoutCrashing) {
    USTACK_REQ("MUST-7", "MUST-68");
    struct Case { const char* name; std::vector<uint8_t> opts; size_t good_before; };
    const Case cases[] = {
        {"length 0", {2, 4, 5, 0xb4, 99, 0, 1, 1}, 1},
        {"length 1", {1, 8, 1, 0, 0, 0, 0, 0}, 1},
        {"runs past end", {3, 3, 7, 8, 10, 0, 0, 0, 0}, 1},
        {"kind in last byte", {1, 1, 1, 2}, 3},
        {"length 255", {5, 255, 0, 0}, 0},
    };
    for (const auto& c : cases) {
        bool error = false;
        auto o = walk(c.opts, &error);
        EXPECT_TRUE(error) << c.name;
        EXPECT_EQ(o.size(), c.good_before) << c.name;
    }
}

TEST(WireTcpOptions, UnknownKindIsSkippedByLength) {
    USTACK_REQ("MUST-6");
    std::vector<uint8_t> opts = {30, 6, 0xaa, 0xbb, 0xcc, 0xdd, 2, 4, 0x02, 0x18};  // MPTCP-like, then MSS
    bool error = true;
    auto o = walk(opts, &error);
    EXPECT_FALSE(error);
    ASSERT_EQ(o.size(), 2u);
    EXPECT_EQ(o[0].kind, 30);
    EXPECT_EQ(o[0].data.size(), 4u);
    EXPECT_EQ(o[1].kind, TCP_OPT_MSS);
    EXPECT_EQ(load_be16(o[1].data.data()), 536);
}

}  // namespace
}  // namespace ustack::wire
