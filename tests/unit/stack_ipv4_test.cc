// Stack input and output at the IPv4 level (RFC 791, RFC 792, RFC 1122
// §3.2): each drop cause bumps its own counter; echo replies, protocol
// unreachable and TCP RSTs are checked with libtins as an independent oracle.
#include <gtest/gtest.h>

#include <tins/tins.h>

#include <cstdint>
#include <vector>

#include "stack/stack.h"
#include "tests/harness/req.h"

namespace ustack {
namespace {

using Bytes = std::vector<uint8_t>;

const wire::Ipv4Address kOurs(10, 0, 0, 2);
const char* kOursText = "10.0.0.2";
const char* kPeerText = "10.0.0.1";

struct CapturingSink : PacketSink {
    std::vector<Bytes> packets;
    void send_packet(std::span<const uint8_t> p) override { packets.emplace_back(p.begin(), p.end()); }
};

// RFC 1071 checksum, written here independently of stack/wire.
uint16_t oracle_checksum(const uint8_t* p, size_t n) {
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < n; i += 2) sum += (uint32_t(p[i]) << 8) | p[i + 1];
    if (n & 1) sum += uint32_t(p[n - 1]) << 8;
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return uint16_t(~sum);
}

// Rewrites the IPv4 header checksum after a test edits header bytes.
void fix_ip_checksum(Bytes& b) {
    size_t ihl = (b[0] & 0x0f) * 4u;
    b[10] = b[11] = 0;
    uint16_t c = oracle_checksum(b.data(), ihl);
    b[10] = uint8_t(c >> 8), b[11] = uint8_t(c);
}

Bytes echo_request(uint16_t id, uint16_t seq, const std::string& data, const char* src = kPeerText,
                   const char* dst = kOursText) {
    Tins::ICMP icmp(Tins::ICMP::ECHO_REQUEST);
    icmp.id(id);
    icmp.sequence(seq);
    Tins::IP ip = Tins::IP(dst, src) / icmp / Tins::RawPDU(data);
    ip.ttl(64);
    return ip.serialize();
}

class StackIpv4 : public ::testing::Test {
protected:
    StackIpv4() : stack_(make_config(), isn_, sink_) {}
    static StackConfig make_config() {
        StackConfig c;
        c.addr = kOurs;
        c.mtu = 1500;
        return c;
    }
    void deliver(const Bytes& b) { stack_.receive(b, Instant(std::chrono::seconds(1))); }
    const StackCounters& counters() { return stack_.counters(); }

    tcp::FixedIsn isn_{1000};
    CapturingSink sink_;
    Stack stack_;
};

TEST_F(StackIpv4, EchoRequest_AnsweredWithSameIdSeqAndData) {
    deliver(echo_request(0x1234, 7, "ping payload 0123456789"));
    ASSERT_EQ(sink_.packets.size(), 1u);
    const Bytes& out = sink_.packets[0];
    Tins::IP ip(out.data(), uint32_t(out.size()));
    EXPECT_EQ(ip.src_addr(), Tins::IPv4Address(kOursText));
    EXPECT_EQ(ip.dst_addr(), Tins::IPv4Address(kPeerText));
    EXPECT_EQ(ip.protocol(), 1);
    EXPECT_EQ(oracle_checksum(out.data(), ip.head_len() * 4u), 0);  // header checksum valid
    const auto& icmp = ip.rfind_pdu<Tins::ICMP>();
    EXPECT_EQ(icmp.type(), Tins::ICMP::ECHO_REPLY);
    EXPECT_EQ(icmp.code(), 0);
    EXPECT_EQ(icmp.id(), 0x1234);
    EXPECT_EQ(icmp.sequence(), 7);
    const auto& raw = icmp.rfind_pdu<Tins::RawPDU>();
    std::string data(raw.payload().begin(), raw.payload().end());
    EXPECT_EQ(data, "ping payload 0123456789");
    size_t ihl = ip.head_len() * 4u;
    EXPECT_EQ(oracle_checksum(out.data() + ihl, out.size() - ihl), 0);  // ICMP checksum valid
    EXPECT_EQ(counters().icmp_echo_replies, 1u);
    EXPECT_EQ(counters().ip_out, 1u);
}

TEST_F(StackIpv4, EchoRequest_BadIcmpChecksum_Dropped) {
    Bytes b = echo_request(1, 1, "x");
    b[20 + 2] ^= 0xff;
    deliver(b);
    EXPECT_TRUE(sink_.packets.empty());
    EXPECT_EQ(counters().icmp_bad_checksum, 1u);
}

TEST_F(StackIpv4, OtherIcmp_CountedNotAnswered) {
    Tins::IP ip = Tins::IP(kOursText, kPeerText) / Tins::ICMP(Tins::ICMP::ECHO_REPLY);
    deliver(ip.serialize());
    EXPECT_TRUE(sink_.packets.empty());
    EXPECT_EQ(counters().icmp_in, 1u);
    EXPECT_EQ(counters().icmp_other, 1u);
}

TEST_F(StackIpv4, BadVersion_Dropped) {
    Bytes b = echo_request(1, 1, "x");
    b[0] = uint8_t(0x60 | (b[0] & 0x0f));
    fix_ip_checksum(b);
    deliver(b);
    EXPECT_TRUE(sink_.packets.empty());
    EXPECT_EQ(counters().ip_bad_version, 1u);
}

TEST_F(StackIpv4, HeaderLengthBelowFive_Dropped) {
    Bytes b = echo_request(1, 1, "x");
    b[0] = 0x44;
    fix_ip_checksum(b);  // over 16 bytes: the check must fail on IHL regardless
    deliver(b);
    EXPECT_TRUE(sink_.packets.empty());
    EXPECT_EQ(counters().ip_bad_header_len, 1u);
}

TEST_F(StackIpv4, ShorterThanMinimalHeader_Dropped) {
    Bytes b = echo_request(1, 1, "x");
    b.resize(12);
    deliver(b);
    EXPECT_TRUE(sink_.packets.empty());
    EXPECT_EQ(counters().ip_bad_header_len, 1u);
}

TEST_F(StackIpv4, TotalLengthBeyondBuffer_Dropped) {
    Bytes b = echo_request(1, 1, "abcdef");
    uint16_t len = uint16_t(b.size() + 10);
    b[2] = uint8_t(len >> 8), b[3] = uint8_t(len);
    fix_ip_checksum(b);
    deliver(b);
    EXPECT_TRUE(sink_.packets.empty());
    EXPECT_EQ(counters().ip_bad_total_len, 1u);
}

TEST_F(StackIpv4, LinkPaddingAfterTotalLength_Ignored) {
    Bytes b = echo_request(9, 9, "pad");
    b.insert(b.end(), {0, 0, 0, 0, 0, 0});  // e.g. Ethernet minimum-frame padding
    deliver(b);
    ASSERT_EQ(sink_.packets.size(), 1u);
    Tins::IP ip(sink_.packets[0].data(), uint32_t(sink_.packets[0].size()));
    const auto& raw = ip.rfind_pdu<Tins::RawPDU>();
    EXPECT_EQ(raw.payload().size(), 3u);
}

TEST_F(StackIpv4, BadHeaderChecksum_Dropped) {
    Bytes b = echo_request(1, 1, "x");
    b[10] ^= 0x01;
    deliver(b);
    EXPECT_TRUE(sink_.packets.empty());
    EXPECT_EQ(counters().ip_bad_checksum, 1u);
}

TEST_F(StackIpv4, TtlZero_Dropped) {
    Bytes b = echo_request(1, 1, "x");
    b[8] = 0;
    fix_ip_checksum(b);
    deliver(b);
    EXPECT_TRUE(sink_.packets.empty());
    EXPECT_EQ(counters().ip_ttl_zero, 1u);
}

TEST_F(StackIpv4, NotOurAddress_Dropped) {
    deliver(echo_request(1, 1, "x", kPeerText, "10.0.0.3"));
    deliver(echo_request(1, 1, "x", kPeerText, "255.255.255.255"));
    deliver(echo_request(1, 1, "x", kPeerText, "224.0.0.1"));
    EXPECT_TRUE(sink_.packets.empty());
    EXPECT_EQ(counters().ip_not_for_us, 3u);
}

TEST_F(StackIpv4, BroadcastOrMulticastSource_Dropped) {
    USTACK_REQ("MUST-63");
    deliver(echo_request(1, 1, "x", "255.255.255.255"));
    deliver(echo_request(1, 1, "x", "224.0.0.5"));
    Tins::TCP syn(80, 40000);
    syn.flags(Tins::TCP::SYN);
    deliver((Tins::IP(kOursText, "239.1.2.3") / syn).serialize());
    EXPECT_TRUE(sink_.packets.empty());
    EXPECT_EQ(counters().ip_bad_source, 3u);
    EXPECT_EQ(counters().tcp_in, 0u);
}

// A datagram never completed is not delivered (reassembly: stack_reassembly_test.cc).
TEST_F(StackIpv4, Fragments_IncompleteDatagramNotDelivered) {
    Bytes more = echo_request(1, 1, "first part");
    more[6] |= 0x20;  // MF
    fix_ip_checksum(more);
    Bytes later = echo_request(1, 1, "later part");
    later[7] = 0x03;  // offset 3 * 8 bytes
    fix_ip_checksum(later);
    deliver(more);
    deliver(later);
    EXPECT_TRUE(sink_.packets.empty());
    EXPECT_EQ(counters().ip_fragments, 2u);
    EXPECT_EQ(counters().ip_frag_invalid, 1u);  // 18 data octets with MF: not a multiple of 8
    EXPECT_EQ(counters().icmp_in, 0u);
}

TEST_F(StackIpv4, UnknownProtocol_ProtocolUnreachableQuotesHeaderPlus8) {
    Tins::IP udp = Tins::IP(kOursText, kPeerText) / Tins::UDP(53, 5353) / Tins::RawPDU("0123456789abcdef");
    Bytes in = udp.serialize();
    deliver(in);
    ASSERT_EQ(sink_.packets.size(), 1u);
    EXPECT_EQ(counters().ip_unknown_protocol, 1u);
    const Bytes& out = sink_.packets[0];
    Tins::IP ip(out.data(), uint32_t(out.size()));
    EXPECT_EQ(ip.dst_addr(), Tins::IPv4Address(kPeerText));
    EXPECT_EQ(ip.src_addr(), Tins::IPv4Address(kOursText));
    ASSERT_EQ(ip.protocol(), 1);
    ASSERT_GE(out.size(), 20u + 8u + 28u);
    const uint8_t* icmp = out.data() + 20;
    EXPECT_EQ(icmp[0], 3);  // destination unreachable
    EXPECT_EQ(icmp[1], 2);  // protocol unreachable
    EXPECT_EQ(oracle_checksum(icmp, out.size() - 20), 0);
    Bytes quoted(icmp + 8, out.data() + out.size());
    EXPECT_EQ(quoted, Bytes(in.begin(), in.begin() + 28));  // IP header + first 8 bytes
}

TEST_F(StackIpv4, TcpBadChecksum_CountedAndDropped) {
    USTACK_REQ("MUST-3");
    Tins::TCP syn(80, 40000);
    syn.flags(Tins::TCP::SYN);
    Bytes b = (Tins::IP(kOursText, kPeerText) / syn).serialize();
    b[20 + 16] ^= 0x5a;
    deliver(b);
    EXPECT_TRUE(sink_.packets.empty());
    EXPECT_EQ(counters().tcp_bad_checksum, 1u);
    EXPECT_EQ(counters().tcp_in, 0u);
}

TEST_F(StackIpv4, TcpTruncatedHeader_Malformed) {
    Tins::TCP syn(80, 40000);
    syn.flags(Tins::TCP::SYN);
    Bytes b = (Tins::IP(kOursText, kPeerText) / syn).serialize();
    b.resize(30);
    b[2] = 0, b[3] = 30;
    fix_ip_checksum(b);
    deliver(b);
    EXPECT_EQ(counters().tcp_malformed, 1u);
}

TEST_F(StackIpv4, SynToClosedPort_ResetFromFullPacket) {
    USTACK_REQ("MUST-2");
    Tins::TCP syn(8080, 40000);
    syn.flags(Tins::TCP::SYN);
    syn.seq(5000);
    deliver((Tins::IP(kOursText, kPeerText) / syn).serialize());
    ASSERT_EQ(sink_.packets.size(), 1u);
    const Bytes& out = sink_.packets[0];
    Tins::IP ip(out.data(), uint32_t(out.size()));
    EXPECT_EQ(ip.src_addr(), Tins::IPv4Address(kOursText));
    EXPECT_EQ(ip.dst_addr(), Tins::IPv4Address(kPeerText));
    EXPECT_EQ(ip.flags() & Tins::IP::DONT_FRAGMENT, Tins::IP::DONT_FRAGMENT);
    EXPECT_EQ(ip.ttl(), 64);
    const auto& tcp = ip.rfind_pdu<Tins::TCP>();
    EXPECT_EQ(tcp.sport(), 8080);
    EXPECT_EQ(tcp.dport(), 40000);
    EXPECT_EQ(tcp.get_flag(Tins::TCP::RST), 1);
    EXPECT_EQ(tcp.get_flag(Tins::TCP::ACK), 1);
    EXPECT_EQ(tcp.seq(), 0u);
    EXPECT_EQ(tcp.ack_seq(), 5001u);  // SEG.SEQ + SEG.LEN (SYN counts one)
    // TCP checksum over the pseudo-header, computed here independently.
    Bytes pseudo = {10, 0, 0, 2, 10, 0, 0, 1, 0, 6, 0, uint8_t(out.size() - 20)};
    pseudo.insert(pseudo.end(), out.begin() + 20, out.end());
    EXPECT_EQ(oracle_checksum(pseudo.data(), pseudo.size()), 0);
    EXPECT_EQ(counters().tcp_in, 1u);
}

TEST_F(StackIpv4, IdentIncrementsPerPacket) {
    deliver(echo_request(1, 1, "a"));
    deliver(echo_request(1, 2, "b"));
    ASSERT_EQ(sink_.packets.size(), 2u);
    Tins::IP first(sink_.packets[0].data(), uint32_t(sink_.packets[0].size()));
    Tins::IP second(sink_.packets[1].data(), uint32_t(sink_.packets[1].size()));
    EXPECT_EQ(uint16_t(first.id() + 1), second.id());
}

TEST(StackConfigTest, MssDerivedFromMtuUnlessLower) {
    USTACK_REQ("MUST-67");
    tcp::FixedIsn isn(1);
    CapturingSink sink;
    StackConfig c;
    c.addr = kOurs;
    c.mtu = 1400;
    Stack a(c, isn, sink);
    EXPECT_EQ(a.config().tcp.mss, 1360);
    c.tcp.mss = 1000;
    Stack b(c, isn, sink);
    EXPECT_EQ(b.config().tcp.mss, 1000);
    c.mtu = 9000;
    c.tcp = tcp::TcpConfig{};  // default MSS: follow the MTU upward too
    Stack d(c, isn, sink);
    EXPECT_EQ(d.config().tcp.mss, 8960);
}

TEST(StackConfigTest, ConfiguredTtlUsed) {
    USTACK_REQ("MUST-49");
    tcp::FixedIsn isn(1);
    CapturingSink sink;
    StackConfig c;
    c.addr = kOurs;
    c.tcp.ttl = 17;
    Stack s(c, isn, sink);
    Bytes req = echo_request(1, 1, "ttl");
    s.receive(req, Instant{});
    ASSERT_EQ(sink.packets.size(), 1u);
    EXPECT_EQ(sink.packets[0][8], 17);
}

}  // namespace
}  // namespace ustack
