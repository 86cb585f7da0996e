// Tests for the segment codec (RFC 9293 §3.1-3.2, RFC 7323, RFC 2018): captured
// Linux segments, and libtins as an independent oracle in both directions.
#include <gtest/gtest.h>
#include <tins/tins.h>

#include <random>
#include <vector>

#include "stack/wire/bytes.h"
#include "stack/wire/checksum.h"
#include "stack/wire/ipv4.h"
#include "stack/wire/tcp_header.h"
#include "tcp/segment_codec.h"
#include "tests/harness/req.h"
#include "tests/unit/wire_packets.h"

namespace ustack::tcp {
namespace {

using wire::Ipv4Address;
using wire_test::from_hex;

const Ipv4Address A(10, 0, 0, 1);
const Ipv4Address B(10, 0, 0, 2);

// Parses a whole IPv4 packet's TCP part with checksum verification.
ParseError parse_ip(const std::vector<uint8_t>& pkt, ParsedSegment& out) {
    wire::Ipv4View ip(pkt);
    EXPECT_EQ(ip.check(), wire::Ipv4Error::None);
    return parse_segment(ip.payload(), ip.src(), ip.dst(), true, out);
}

// Our emitted segment wrapped in an IPv4 header, as libtins would receive it.
std::vector<uint8_t> emit_ip(const Segment& seg, uint16_t sport, uint16_t dport) {
    std::vector<uint8_t> pkt(20 + segment_wire_size(seg));
    size_t n = emit_segment(std::span<uint8_t>(pkt).subspan(20), A, sport, B, dport, seg);
    EXPECT_EQ(n, pkt.size() - 20);
    wire::emit_ipv4_header(pkt, wire::Ipv4Header{A, B, wire::IP_PROTO_TCP, 64, 0, 1, true, uint16_t(n)});
    return pkt;
}

TEST(WireSegmentCodec, ParsesCapturedLinuxSyn) {
    USTACK_REQ("MUST-3", "MUST-14", "MUST-4", "MUST-5");
    ParsedSegment p;
    ASSERT_EQ(parse_ip(from_hex(wire_test::LINUX_SYN), p), ParseError::None);
    EXPECT_EQ(p.src_port, 36190);
    EXPECT_EQ(p.dst_port, 80);
    EXPECT_EQ(p.seg.seq, SeqNum(0xdfa7b5dc));
    EXPECT_EQ(p.seg.flags, flags::SYN);
    EXPECT_EQ(p.seg.window, 64240);
    EXPECT_EQ(p.seg.options.mss, 1460);
    EXPECT_TRUE(p.seg.options.sack_permitted);
    ASSERT_TRUE(p.seg.options.timestamps);
    EXPECT_EQ(p.seg.options.timestamps->val, 0xd8c8b11eu);
    EXPECT_EQ(p.seg.options.timestamps->ecr, 0u);
    EXPECT_EQ(p.seg.options.window_scale, 10);
    EXPECT_EQ(p.seg.options.sack_count, 0);
    EXPECT_FALSE(p.bad_options);
    EXPECT_EQ(p.seg.len(), 1u);
    EXPECT_EQ(describe(p.seg), "S 3752310236:3752310236(0) win 64240 <mss 1460,sackOK,TS val 3637031198 ecr 0,wscale 10>");
}

TEST(WireSegmentCodec, ParsesCapturedLinuxSynAckAndAck) {
    ParsedSegment sa;
    ASSERT_EQ(parse_ip(from_hex(wire_test::LINUX_SYN_ACK), sa), ParseError::None);
    EXPECT_EQ(sa.seg.flags, flags::SYN | flags::ACK);
    EXPECT_EQ(sa.seg.ack, SeqNum(1001));
    EXPECT_EQ(sa.seg.options.timestamps->ecr, 111u);
    ParsedSegment a;
    ASSERT_EQ(parse_ip(from_hex(wire_test::LINUX_ACK), a), ParseError::None);
    EXPECT_EQ(a.seg.flags, flags::ACK);
    EXPECT_EQ(a.seg.seq, SeqNum(0x4799502f));
    EXPECT_EQ(a.seg.ack, SeqNum(1014));
    EXPECT_EQ(a.seg.window, 64);
    EXPECT_FALSE(a.seg.options.mss);
    EXPECT_EQ(a.seg.options.timestamps->val, 0x54e5a22fu);
    EXPECT_EQ(a.seg.options.timestamps->ecr, 0x70u);
    EXPECT_EQ(describe(a.seg), ". 1201229871:1201229871(0) ack 1014 win 64 <TS val 1424335407 ecr 112>");
}

TEST(WireSegmentCodec, ReEmittingCapturedSegmentsGivesTheSameBytes) {
    USTACK_REQ("MUST-2");
    // Linux lays out SYN options exactly as our emitter does; the ACK too.
    for (auto hex : {wire_test::LINUX_SYN, wire_test::LINUX_SYN_ACK, wire_test::LINUX_ACK}) {
        auto pkt = from_hex(hex);
        ParsedSegment p;
        ASSERT_EQ(parse_ip(pkt, p), ParseError::None);
        wire::Ipv4View ip(pkt);
        std::vector<uint8_t> out(segment_wire_size(p.seg));
        ASSERT_EQ(emit_segment(out, ip.src(), p.src_port, ip.dst(), p.dst_port, p.seg), out.size());
        EXPECT_EQ(out, std::vector<uint8_t>(ip.payload().begin(), ip.payload().end())) << hex;
    }
}

TEST(WireSegmentCodec, RejectsBadChecksumUnlessUnverified) {
    USTACK_REQ("MUST-3");
    auto pkt = from_hex(wire_test::LINUX_SYN);
    pkt[20 + 4] ^= 0x01;  // flip one bit of the sequence number
    ParsedSegment p;
    EXPECT_EQ(parse_ip(pkt, p), ParseError::BadChecksum);
    wire::Ipv4View ip(pkt);
    EXPECT_EQ(parse_segment(ip.payload(), ip.src(), ip.dst(), false, p), ParseError::None);
    EXPECT_EQ(p.seg.seq, SeqNum(0xdea7b5dc));
    // Right bytes, wrong addresses in the pseudo-header.
    auto good = from_hex(wire_test::LINUX_SYN);
    wire::Ipv4View gip(good);
    EXPECT_EQ(parse_segment(gip.payload(), gip.src(), A, true, p), ParseError::BadChecksum);
}

TEST(WireSegmentCodec, RejectsTruncatedAndBadDataOffset) {
    auto pkt = from_hex(wire_test::LINUX_SYN);
    std::span<const uint8_t> tcp = std::span<const uint8_t>(pkt).subspan(20);
    ParsedSegment p;
    EXPECT_EQ(parse_segment(tcp.first(12), A, B, false, p), ParseError::Truncated);
    EXPECT_EQ(parse_segment(tcp.first(30), A, B, false, p), ParseError::BadDataOffset);
    std::vector<uint8_t> low(tcp.begin(), tcp.end());
    low[12] = 0x40;
    EXPECT_EQ(parse_segment(low, A, B, false, p), ParseError::BadDataOffset);
}

TEST(WireSegmentCodec, IllegalOptionLengthKeepsSegmentAndEarlierOptions) {
    USTACK_REQ("MUST-7");
    auto pkt = from_hex(wire_test::LINUX_SYN);
    std::vector<uint8_t> tcp(pkt.begin() + 20, pkt.end());
    tcp[20 + 4 + 2 + 1] = 0;  // timestamps option (after MSS and SACK-permitted): length 0
    ParsedSegment p;
    ASSERT_EQ(parse_segment(tcp, A, B, false, p), ParseError::None);
    EXPECT_TRUE(p.bad_options);
    EXPECT_EQ(p.seg.options.mss, 1460);
    EXPECT_TRUE(p.seg.options.sack_permitted);
    EXPECT_FALSE(p.seg.options.timestamps);
    EXPECT_FALSE(p.seg.options.window_scale);
    EXPECT_EQ(p.seg.seq, SeqNum(0xdfa7b5dc));
    tcp[20 + 4 + 2 + 1] = 40;  // now running past the header end
    ASSERT_EQ(parse_segment(tcp, A, B, false, p), ParseError::None);
    EXPECT_TRUE(p.bad_options);
    EXPECT_EQ(p.seg.options.mss, 1460);
}

TEST(WireSegmentCodec, KnownKindWithWrongLengthIsIgnored) {
    USTACK_REQ("MUST-6");
    // MSS with length 3, window scale with length 4, then a good SACK-permitted.
    std::vector<uint8_t> opts = {2, 3, 5, 3, 4, 9, 9, 4, 2, 0, 0, 0};
    std::vector<uint8_t> tcp(20 + opts.size());
    tcp[12] = uint8_t((tcp.size() / 4) << 4);
    std::copy(opts.begin(), opts.end(), tcp.begin() + 20);
    ParsedSegment p;
    ASSERT_EQ(parse_segment(tcp, A, B, false, p), ParseError::None);
    EXPECT_FALSE(p.bad_options);
    EXPECT_FALSE(p.seg.options.mss);
    EXPECT_FALSE(p.seg.options.window_scale);
    EXPECT_TRUE(p.seg.options.sack_permitted);
}

// ---- libtins builds, we parse ------------------------------------------------

TEST(WireSegmentCodec, ParsesLibtinsSegmentsWithUnalignedOptions) {
    USTACK_REQ("MUST-5", "MUST-6", "MUST-64", "MUST-14", "MUST-4");
    Tins::TCP tcp(8080, 43210);
    tcp.seq(0xfffffff0);
    tcp.ack_seq(77);
    tcp.flags(Tins::TCP::ACK | Tins::TCP::PSH | Tins::TCP::URG);
    tcp.window(0xfedc);
    tcp.urg_ptr(3);
    // libtins writes options back to back, with no NOP alignment.
    tcp.winscale(14);
    tcp.mss(8960);
    const uint8_t unknown[1] = {0xee};  // experimental kind 253, 3 bytes: 40 option bytes in all
    tcp.add_option(Tins::TCP::option(uint8_t(253), 1, unknown));
    tcp.sack_permitted();
    tcp.timestamp(0x01020304, 0xa0b0c0d0);
    tcp.sack({100, 200, 300, 400});
    const std::string data = "odd-length payload";
    Tins::IP ip = Tins::IP("10.0.0.2", "10.0.0.1") / tcp / Tins::RawPDU(data);
    std::vector<uint8_t> pkt = ip.serialize();

    ParsedSegment p;
    ASSERT_EQ(parse_ip(pkt, p), ParseError::None);
    EXPECT_FALSE(p.bad_options);
    EXPECT_EQ(p.src_port, 43210);
    EXPECT_EQ(p.dst_port, 8080);
    EXPECT_EQ(p.seg.seq, SeqNum(0xfffffff0));
    EXPECT_EQ(p.seg.ack, SeqNum(77));
    EXPECT_EQ(p.seg.flags, flags::ACK | flags::PSH | flags::URG);
    EXPECT_EQ(p.seg.window, 0xfedc);
    EXPECT_EQ(p.seg.urgent_ptr, 3);
    EXPECT_EQ(p.seg.options.window_scale, 14);
    EXPECT_EQ(p.seg.options.mss, 8960);
    EXPECT_TRUE(p.seg.options.sack_permitted);
    ASSERT_TRUE(p.seg.options.timestamps);
    EXPECT_EQ(p.seg.options.timestamps->val, 0x01020304u);
    EXPECT_EQ(p.seg.options.timestamps->ecr, 0xa0b0c0d0u);
    ASSERT_EQ(p.seg.options.sack_count, 2);
    EXPECT_EQ(p.seg.options.sack[0], (SackBlock{SeqNum(100), SeqNum(200)}));
    EXPECT_EQ(p.seg.options.sack[1], (SackBlock{SeqNum(300), SeqNum(400)}));
    EXPECT_EQ(std::string(p.seg.payload.begin(), p.seg.payload.end()), data);
    EXPECT_EQ(p.seg.len(), data.size());
}

TEST(WireSegmentCodec, ParsesLibtinsSegmentsOverManyShapes) {
    std::mt19937 rng(2026);
    for (int i = 0; i < 300; ++i) {
        Tins::TCP tcp{uint16_t(rng()), uint16_t(rng())};
        tcp.seq(uint32_t(rng()));
        tcp.ack_seq(uint32_t(rng()));
        tcp.flags(uint8_t(rng()));
        tcp.window(uint16_t(rng()));
        TcpOptions want;
        if (rng() & 1) { want.mss = uint16_t(rng()); tcp.mss(*want.mss); }
        if (rng() & 1) { want.window_scale = uint8_t(rng() % 15); tcp.winscale(*want.window_scale); }
        if (rng() & 1) { want.sack_permitted = true; tcp.sack_permitted(); }
        if (rng() & 1) { want.timestamps = Timestamps{uint32_t(rng()), uint32_t(rng())}; tcp.timestamp(want.timestamps->val, want.timestamps->ecr); }
        std::string data(rng() % 100, char('a' + i % 26));
        Tins::IP ip = Tins::IP("10.0.0.2", "10.0.0.1") / tcp;
        if (!data.empty()) ip /= Tins::RawPDU(data);
        std::vector<uint8_t> pkt = ip.serialize();
        ParsedSegment p;
        ASSERT_EQ(parse_ip(pkt, p), ParseError::None) << i;
        EXPECT_EQ(p.seg.options, want) << i;
        EXPECT_EQ(p.seg.seq.raw(), tcp.seq()) << i;
        EXPECT_EQ(p.seg.ack.raw(), tcp.ack_seq()) << i;
        EXPECT_EQ(p.seg.flags, tcp.flags()) << i;
        EXPECT_EQ(p.seg.window, tcp.window()) << i;
        EXPECT_EQ(p.seg.payload.size(), data.size()) << i;
    }
}

// ---- we emit, libtins parses ------------------------------------------------

Segment full_segment(const std::vector<uint8_t>& payload) {
    Segment s;
    s.seq = SeqNum(0x89abcdef);
    s.ack = SeqNum(0xfffffffe);
    s.flags = flags::ACK | flags::PSH;
    s.window = 65535;
    s.options.timestamps = Timestamps{123456, 654321};
    s.options.sack_count = 3;
    s.options.sack[0] = {SeqNum(10), SeqNum(20)};
    s.options.sack[1] = {SeqNum(30), SeqNum(40)};
    s.options.sack[2] = {SeqNum(0xfffffff0), SeqNum(5)};
    s.payload = payload;
    return s;
}

TEST(WireSegmentCodec, LibtinsReadsOurSegmentAndAgreesOnChecksum) {
    USTACK_REQ("MUST-2", "MUST-68");
    std::vector<uint8_t> payload = {'h', 'e', 'l', 'l', 'o'};
    Segment s = full_segment(payload);
    auto pkt = emit_ip(s, 5555, 80);
    Tins::IP ip(pkt.data(), uint32_t(pkt.size()));
    const auto& tcp = ip.rfind_pdu<Tins::TCP>();
    EXPECT_EQ(tcp.sport(), 5555);
    EXPECT_EQ(tcp.dport(), 80);
    EXPECT_EQ(tcp.seq(), 0x89abcdefu);
    EXPECT_EQ(tcp.ack_seq(), 0xfffffffeu);
    EXPECT_EQ(tcp.flags(), flags::ACK | flags::PSH);
    EXPECT_EQ(tcp.window(), 65535);
    EXPECT_EQ(tcp.timestamp(), std::make_pair(uint32_t(123456), uint32_t(654321)));
    EXPECT_EQ(tcp.sack(), (Tins::TCP::sack_type{10, 20, 30, 40, 0xfffffff0, 5}));
    const auto& raw = ip.rfind_pdu<Tins::RawPDU>();
    EXPECT_EQ(raw.payload(), payload);
    // libtins recomputes the checksum on serialize: it must equal ours.
    uint16_t ours = wire::load_be16(&pkt[20 + 16]);
    Tins::IP copy = ip;
    std::vector<uint8_t> again = copy.serialize();
    Tins::IP reparsed(again.data(), uint32_t(again.size()));
    EXPECT_EQ(reparsed.rfind_pdu<Tins::TCP>().checksum(), ours);
    EXPECT_EQ(again, pkt);
}

TEST(WireSegmentCodec, SendsMssOnSyn) {
    USTACK_REQ("MUST-14");
    Segment s;
    s.seq = SeqNum(1000);
    s.flags = flags::SYN;
    s.window = 65535;
    s.options.mss = 1460;
    auto pkt = emit_ip(s, 40000, 80);
    EXPECT_EQ(pkt.size(), 20u + 24u);
    Tins::IP ip(pkt.data(), uint32_t(pkt.size()));
    EXPECT_EQ(ip.rfind_pdu<Tins::TCP>().mss(), 1460);
    EXPECT_EQ(describe(s), "S 1000:1000(0) win 65535 <mss 1460>");
}

TEST(WireSegmentCodec, UrgentFlagAndPointerBothWays) {
    USTACK_REQ("MUST-30");  // §3.8.5: the URG bit and the 16-bit urgent pointer on the wire
    std::vector<uint8_t> payload = {'o', 'o', 'b'};
    Segment s;
    s.seq = SeqNum(7000);
    s.ack = SeqNum(9000);
    s.flags = flags::ACK | flags::PSH | flags::URG;
    s.window = 1000;
    s.urgent_ptr = 0xfffe;
    s.payload = payload;
    auto pkt = emit_ip(s, 5555, 80);
    EXPECT_EQ(wire::load_be16(&pkt[20 + 18]), 0xfffe);  // offset 18 of the TCP header
    Tins::IP ip(pkt.data(), uint32_t(pkt.size()));
    const auto& tcp = ip.rfind_pdu<Tins::TCP>();
    EXPECT_TRUE(tcp.get_flag(Tins::TCP::URG));
    EXPECT_EQ(tcp.urg_ptr(), 0xfffe);
    ParsedSegment back;
    ASSERT_EQ(parse_ip(pkt, back), ParseError::None);
    EXPECT_EQ(back.seg.flags, flags::ACK | flags::PSH | flags::URG);
    EXPECT_EQ(back.seg.urgent_ptr, 0xfffe);
    EXPECT_EQ(describe(back.seg), "PU. 7000:7003(3) ack 9000 win 1000 urg 65534");
}

TEST(WireSegmentCodec, EveryOptionComboRoundTripsPaddedWithZeros) {
    USTACK_REQ("MUST-69", "MUST-68", "MUST-2");
    for (int mask = 0; mask < 32; ++mask) {
        Segment s;
        s.seq = SeqNum(uint32_t(mask) * 1000003u);
        s.ack = SeqNum(99);
        s.flags = mask & 1 ? flags::SYN : flags::ACK;
        s.window = uint16_t(mask * 977);
        if (mask & 1) s.options.mss = uint16_t(536 + mask);
        if (mask & 2) s.options.window_scale = uint8_t(mask % 15);
        if (mask & 4) s.options.sack_permitted = true;
        if (mask & 8) s.options.timestamps = Timestamps{uint32_t(mask), uint32_t(~mask)};
        if (mask & 16) {
            s.options.sack_count = 4;
            for (uint32_t i = 0; i < 4; ++i) s.options.sack[i] = {SeqNum(i * 100), SeqNum(i * 100 + 50)};
        }
        std::vector<uint8_t> out(segment_wire_size(s));
        ASSERT_EQ(emit_segment(out, A, 1, B, 2, s), out.size());
        wire::TcpView v(out);
        ASSERT_EQ(v.check(), wire::TcpHeaderError::None);
        EXPECT_EQ(v.header_len() % 4, 0u);
        EXPECT_LE(v.options().size(), wire::TCP_MAX_OPTIONS_LEN);
        // Walk the options: no illegal lengths, and whatever follows the list is zero (MUST-69).
        wire::TcpOptionIterator it(v.options());
        wire::TcpOptionView o;
        size_t consumed = 0;
        while (it.next(o)) consumed += o.kind == wire::TCP_OPT_NOP ? 1 : o.data.size() + 2;
        EXPECT_FALSE(it.has_error()) << mask;
        for (size_t i = consumed; i < v.options().size(); ++i) EXPECT_EQ(v.options()[i], 0) << mask;

        ParsedSegment p;
        ASSERT_EQ(parse_segment(out, A, B, true, p), ParseError::None) << mask;
        TcpOptions want = s.options;
        if (mask & 16) {
            // SACK blocks take what the other options leave of 40 bytes, after 4 bytes of NOP NOP kind len.
            size_t used = (mask & 1 ? 4 : 0) + (mask & 8 ? 12 : mask & 4 ? 4 : 0) + (mask & 2 ? 4 : 0);
            want.sack_count = uint8_t(std::min<size_t>(4, (40 - used - 4) / 8));
        }
        for (size_t i = want.sack_count; i < 4; ++i) want.sack[i] = {};
        EXPECT_EQ(p.seg.options, want) << mask << " " << describe(p.seg);
        EXPECT_EQ(p.seg.seq, s.seq);
        EXPECT_EQ(p.seg.window, s.window);

        Tins::TCP oracle(out.data(), uint32_t(out.size()));
        EXPECT_EQ(oracle.seq(), s.seq.raw());
        if (s.options.mss) {
            EXPECT_EQ(oracle.mss(), *s.options.mss);
        }
        if (s.options.window_scale) {
            EXPECT_EQ(oracle.winscale(), *s.options.window_scale);
        }
        EXPECT_EQ(oracle.has_sack_permitted(), s.options.sack_permitted);
    }
}

TEST(WireSegmentCodec, SizesAndSmallBuffers) {
    std::vector<uint8_t> payload(1000, 0x5a);
    Segment s = full_segment(payload);
    EXPECT_EQ(options_wire_size(s), 12u + 4u + 3u * 8u);
    EXPECT_EQ(segment_wire_size(s), 20u + 40u + 1000u);
    std::vector<uint8_t> out(segment_wire_size(s));
    EXPECT_EQ(emit_segment(std::span<uint8_t>(out).first(out.size() - 1), A, 1, B, 2, s), 0u);
    EXPECT_EQ(emit_segment(out, A, 1, B, 2, s), out.size());
    Segment bare;
    EXPECT_EQ(segment_wire_size(bare), 20u);
}

TEST(WireSegmentCodec, DescribeFormats) {
    std::vector<uint8_t> payload(10);
    Segment s;
    s.seq = SeqNum(5);
    s.ack = SeqNum(7);
    s.flags = flags::FIN | flags::ACK | flags::PSH;
    s.window = 100;
    s.payload = payload;
    s.options.sack_count = 1;
    s.options.sack[0] = {SeqNum(20), SeqNum(30)};
    EXPECT_EQ(describe(s), "FP. 5:15(10) ack 7 win 100 <sack 1 {20:30}>");
    Segment r;
    r.flags = flags::RST;
    EXPECT_EQ(describe(r), "R 0:0(0) win 0");
    Segment none;
    EXPECT_EQ(describe(none), "none 0:0(0) win 0");
}

TEST(WireSegmentCodec, RandomAndMutatedInputNeverCrash) {
    std::mt19937 rng(99);
    auto syn = from_hex(wire_test::LINUX_SYN);
    std::vector<uint8_t> base(syn.begin() + 20, syn.end());
    size_t parsed = 0;
    for (int i = 0; i < 20000; ++i) {
        std::vector<uint8_t> b;
        if (i % 2) {
            b.resize(rng() % 80);
            for (auto& x : b) x = uint8_t(rng());
        } else {
            b = base;
            for (int k = 0; k < 3; ++k) b[rng() % b.size()] = uint8_t(rng());
            b.resize(rng() % (b.size() + 1));
        }
        ParsedSegment p;
        if (parse_segment(b, A, B, false, p) == ParseError::None) {
            ++parsed;
            ASSERT_LE(p.seg.payload.size(), b.size());
            ASSERT_LE(p.seg.options.sack_count, 4);
        }
    }
    EXPECT_GT(parsed, 1000u);
}

}  // namespace
}  // namespace ustack::tcp
