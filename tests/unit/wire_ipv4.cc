// Tests for the IPv4 view/emitter (RFC 791 §3.1), addresses, and ICMP (RFC 792),
// on captured Linux packets and against libtins as an independent oracle.
#include <gtest/gtest.h>
#include <tins/tins.h>

#include <vector>

#include "stack/wire/bytes.h"
#include "stack/wire/checksum.h"
#include "stack/wire/icmp.h"
#include "stack/wire/ipv4.h"
#include "tests/unit/wire_packets.h"

namespace ustack::wire {
namespace {

using wire_test::from_hex;

TEST(WireIpv4, ParsesCapturedEchoRequest) {
    auto pkt = from_hex(wire_test::LINUX_ICMP_ECHO);
    Ipv4View ip(pkt);
    ASSERT_EQ(ip.check(), Ipv4Error::None);
    EXPECT_EQ(ip.version(), 4);
    EXPECT_EQ(ip.header_len(), 20u);
    EXPECT_EQ(ip.dscp_ecn(), 0);
    EXPECT_EQ(ip.total_len(), 84);
    EXPECT_EQ(ip.ident(), 0xbe77);
    EXPECT_TRUE(ip.dont_fragment());
    EXPECT_FALSE(ip.more_fragments());
    EXPECT_EQ(ip.frag_offset(), 0u);
    EXPECT_FALSE(ip.is_fragment());
    EXPECT_EQ(ip.ttl(), 64);
    EXPECT_EQ(ip.protocol(), IP_PROTO_ICMP);
    EXPECT_EQ(ip.header_checksum(), 0x681d);
    EXPECT_EQ(ip.src(), Ipv4Address(10, 9, 0, 1));
    EXPECT_EQ(ip.dst(), Ipv4Address(10, 9, 0, 2));
    EXPECT_TRUE(ip.options().empty());
    EXPECT_EQ(ip.payload().size(), 64u);

    IcmpView icmp(ip.payload());
    ASSERT_TRUE(icmp.check());
    EXPECT_TRUE(icmp.verify_checksum());
    EXPECT_EQ(icmp.type(), ICMP_ECHO_REQUEST);
    EXPECT_EQ(icmp.code(), 0);
    EXPECT_EQ(icmp.checksum(), 0x3c99);
    EXPECT_EQ(icmp.echo_id(), 0x1d40);
    EXPECT_EQ(icmp.echo_seq(), 1);
    EXPECT_EQ(icmp.rest_of_header(), 0x1d400001u);
    ASSERT_EQ(icmp.payload().size(), 56u);
    EXPECT_EQ(icmp.payload()[16], 'c');  // ping -p 75737461636b fills with "ustack"
}

TEST(WireIpv4, EchoReplyBuiltInPlaceIsValidForLibtins) {
    auto pkt = from_hex(wire_test::LINUX_ICMP_ECHO);
    Ipv4View req(pkt);
    ASSERT_EQ(req.check(), Ipv4Error::None);
    IcmpView echo(req.payload());
    std::vector<uint8_t> out(pkt.size());
    // Copy the request's ICMP part into place first, then emit over it: payload aliases the buffer.
    std::copy(req.payload().begin(), req.payload().end(), out.begin() + 20);
    std::span<uint8_t> icmp_buf = std::span<uint8_t>(out).subspan(20);
    size_t n = emit_icmp(icmp_buf, ICMP_ECHO_REPLY, 0, echo.rest_of_header(), icmp_buf.subspan(8, 56));
    ASSERT_EQ(n, 64u);
    Ipv4Header h{req.dst(), req.src(), IP_PROTO_ICMP, 64, 0, 7, true, uint16_t(n)};
    ASSERT_EQ(emit_ipv4_header(out, h), 20u);

    Tins::IP oracle(out.data(), uint32_t(out.size()));
    EXPECT_EQ(oracle.src_addr(), Tins::IPv4Address("10.9.0.2"));
    EXPECT_EQ(oracle.dst_addr(), Tins::IPv4Address("10.9.0.1"));
    EXPECT_EQ(oracle.id(), 7);
    const auto& icmp = oracle.rfind_pdu<Tins::ICMP>();
    EXPECT_EQ(icmp.type(), Tins::ICMP::ECHO_REPLY);
    EXPECT_EQ(icmp.id(), 0x1d40);
    EXPECT_EQ(icmp.sequence(), 1);
    // Let libtins recompute both checksums and compare with ours.
    std::vector<uint8_t> again = oracle.serialize();
    EXPECT_EQ(again, out);
}

TEST(WireIpv4, EmitHeaderMatchesLibtins) {
    std::vector<uint8_t> buf(20 + 5);
    // Protocol 253 (experimental): libtins keeps the 5 payload bytes raw instead of parsing them.
    Ipv4Header h{Ipv4Address(192, 168, 1, 10), Ipv4Address(10, 0, 0, 1), 253, 31, 0xb8, 0xbeef, false, 5};
    ASSERT_EQ(emit_ipv4_header(buf, h), 20u);
    EXPECT_EQ(internet_checksum(std::span<const uint8_t>(buf).first(20)), 0);
    Tins::IP oracle(buf.data(), uint32_t(buf.size()));
    EXPECT_EQ(oracle.version(), 4);
    EXPECT_EQ(oracle.head_len(), 5);
    EXPECT_EQ(oracle.tos(), 0xb8);
    EXPECT_EQ(oracle.tot_len(), 25);
    EXPECT_EQ(oracle.id(), 0xbeef);
    EXPECT_EQ(oracle.flags(), Tins::IP::Flags(0));
    EXPECT_EQ(oracle.ttl(), 31);
    EXPECT_EQ(oracle.protocol(), 253);
    EXPECT_EQ(oracle.src_addr(), Tins::IPv4Address("192.168.1.10"));
    EXPECT_EQ(oracle.dst_addr(), Tins::IPv4Address("10.0.0.1"));
    EXPECT_EQ(oracle.checksum(), load_be16(&buf[10]));
    EXPECT_EQ(emit_ipv4_header(std::span<uint8_t>(buf).first(19), h), 0u);
}

TEST(WireIpv4, ParsesLibtinsPacketWithFragmentFields) {
    Tins::IP ip("10.1.2.3", "10.4.5.6");
    ip.id(4242);
    ip.ttl(9);
    ip.tos(0x2e);
    ip.flags(Tins::IP::MORE_FRAGMENTS);
    ip.fragment_offset(185);  // in 8-byte units
    ip.protocol(IP_PROTO_UDP);
    ip /= Tins::RawPDU(std::string("payload!"));
    std::vector<uint8_t> b = ip.serialize();
    Ipv4View v(b);
    ASSERT_EQ(v.check(), Ipv4Error::None);
    EXPECT_EQ(v.dst(), Ipv4Address(10, 1, 2, 3));
    EXPECT_EQ(v.src(), Ipv4Address(10, 4, 5, 6));
    EXPECT_EQ(v.ident(), 4242);
    EXPECT_EQ(v.ttl(), 9);
    EXPECT_EQ(v.dscp_ecn(), 0x2e);
    EXPECT_TRUE(v.more_fragments());
    EXPECT_FALSE(v.dont_fragment());
    EXPECT_EQ(v.frag_offset(), 185u * 8);
    EXPECT_TRUE(v.is_fragment());
    EXPECT_EQ(v.protocol(), IP_PROTO_UDP);
    EXPECT_EQ(v.header_checksum(), ip.checksum());
    EXPECT_EQ(std::string(v.payload().begin(), v.payload().end()), "payload!");
}

TEST(WireIpv4, OptionsAndPaddingAfterTotalLength) {
    // IHL 6 (one 4-byte option: NOP NOP NOP EOL), 4 bytes of payload, 6 bytes of link padding.
    std::vector<uint8_t> b = {0x46, 0, 0, 28, 0, 1, 0, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
                              1, 1, 1, 0, 'd', 'a', 't', 'a', 0, 0, 0, 0, 0, 0};
    store_be16(&b[10], internet_checksum(std::span<const uint8_t>(b).first(24)));
    Ipv4View v(b);
    ASSERT_EQ(v.check(), Ipv4Error::None);
    EXPECT_EQ(v.header_len(), 24u);
    EXPECT_EQ(v.options().size(), 4u);
    EXPECT_EQ(v.header().size(), 24u);
    EXPECT_EQ(v.payload().size(), 4u);  // not the 10 bytes left in the buffer
}

struct Malformed {
    const char* name;
    void (*mutate)(std::vector<uint8_t>&);
    Ipv4Error expected;
};

TEST(WireIpv4, RejectsMalformedHeaders) {
    const Malformed cases[] = {
        {"truncated", [](std::vector<uint8_t>& b) { b.resize(19); }, Ipv4Error::Truncated},
        {"empty", [](std::vector<uint8_t>& b) { b.clear(); }, Ipv4Error::Truncated},
        {"version 6", [](std::vector<uint8_t>& b) { b[0] = 0x65; }, Ipv4Error::BadVersion},
        {"IHL 4", [](std::vector<uint8_t>& b) { b[0] = 0x44; }, Ipv4Error::BadHeaderLength},
        {"IHL 0", [](std::vector<uint8_t>& b) { b[0] = 0x40; }, Ipv4Error::BadHeaderLength},
        {"IHL past buffer", [](std::vector<uint8_t>& b) { b[0] = 0x4f; b.resize(40); store_be16(&b[2], 40); }, Ipv4Error::Truncated},
        {"total length > buffer", [](std::vector<uint8_t>& b) { store_be16(&b[2], uint16_t(b.size() + 1)); }, Ipv4Error::BadTotalLength},
        {"total length < IHL", [](std::vector<uint8_t>& b) { store_be16(&b[2], 19); }, Ipv4Error::BadTotalLength},
        {"bad checksum", [](std::vector<uint8_t>& b) { b[8] ^= 1; }, Ipv4Error::BadChecksum},
    };
    for (const auto& c : cases) {
        auto b = from_hex(wire_test::LINUX_ICMP_ECHO);
        c.mutate(b);
        // Fix the checksum after edits that are not about the checksum, so each case tests one thing.
        if (c.expected != Ipv4Error::BadChecksum && b.size() >= 20 && (b[0] & 0x0f) == 5) {
            b[10] = b[11] = 0;
            store_be16(&b[10], internet_checksum(std::span<const uint8_t>(b).first(20)));
        }
        EXPECT_EQ(Ipv4View(b).check(), c.expected) << c.name << ": " << to_string(Ipv4View(b).check());
    }
}

TEST(WireIcmp, ShortMessageAndBadChecksum) {
    std::vector<uint8_t> b(7, 0);
    EXPECT_FALSE(IcmpView(b).check());
    std::vector<uint8_t> m(12);
    ASSERT_EQ(emit_icmp(m, ICMP_DEST_UNREACHABLE, ICMP_FRAG_NEEDED, 1400, {}), 8u);
    EXPECT_TRUE(IcmpView(std::span<const uint8_t>(m).first(8)).verify_checksum());
    EXPECT_EQ(IcmpView(m).rest_of_header() & 0xffff, 1400u);
    m[5] ^= 0x80;
    EXPECT_FALSE(IcmpView(std::span<const uint8_t>(m).first(8)).verify_checksum());
    EXPECT_EQ(emit_icmp(std::span<uint8_t>(m).first(7), ICMP_ECHO_REPLY, 0, 0, {}), 0u);
}

TEST(WireIcmp, LibtinsDestUnreachableParses) {
    Tins::ICMP icmp(Tins::ICMP::DEST_UNREACHABLE);
    icmp.code(ICMP_PORT_UNREACHABLE);
    Tins::IP ip = Tins::IP("10.0.0.1", "10.0.0.2") / icmp / Tins::RawPDU(std::string(28, 'x'));
    auto b = ip.serialize();
    Ipv4View v(b);
    ASSERT_EQ(v.check(), Ipv4Error::None);
    IcmpView m(v.payload());
    ASSERT_TRUE(m.check());
    EXPECT_TRUE(m.verify_checksum());
    EXPECT_EQ(m.type(), ICMP_DEST_UNREACHABLE);
    EXPECT_EQ(m.code(), ICMP_PORT_UNREACHABLE);
}

TEST(WireIpv4Address, ParseAndFormat) {
    auto a = Ipv4Address::parse("10.0.0.1");
    ASSERT_TRUE(a);
    EXPECT_EQ(a->to_u32(), 0x0a000001u);
    EXPECT_EQ(a->to_string(), "10.0.0.1");
    EXPECT_EQ(Ipv4Address::parse("255.255.255.255")->to_string(), "255.255.255.255");
    EXPECT_EQ(Ipv4Address::parse("0.0.0.0")->to_u32(), 0u);
    for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1..2.3", "01.2.3.4", " 1.2.3.4",
                            "1.2.3.4 ", "+1.2.3.4", "1.2.3.a", "1.2.3.", "1234.1.1.1", "1.2.3.4444"})
        EXPECT_FALSE(Ipv4Address::parse(bad)) << bad;
    EXPECT_EQ(Ipv4Address(192, 168, 0, 255).to_string(), "192.168.0.255");
}

}  // namespace
}  // namespace ustack::wire
