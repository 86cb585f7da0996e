// Unit tests for --against-linux and --diff that need no root: the sysctl list,
// the bytes written to the TUN device, the parser of what the kernel sends
// back, and the ustack/Linux classification.
#include <gtest/gtest.h>

#include <stdexcept>

#include "stack/wire/ipv4.h"
#include "tcp/segment_codec.h"
#include "tools/script/linux_netns.h"
#include "tools/script/linux_runner.h"
#include "tools/script/report.h"

namespace ustack::script {
namespace {

const Sysctl* find(const std::vector<Sysctl>& list, const std::string& name) {
    for (const Sysctl& s : list) {
        if (s.name == name) return &s;
    }
    return nullptr;
}

TEST(ScriptLinux, SysctlDefaultsAskForRfcBehaviour) {
    std::vector<Sysctl> list = linux_sysctls({});
    for (const char* name : {"net.ipv4.tcp_syn_linear_timeouts", "net.ipv4.tcp_timestamps",
                             "net.ipv4.tcp_window_scaling", "net.ipv4.tcp_ecn"}) {
        const Sysctl* s = find(list, name);
        ASSERT_NE(s, nullptr) << name;
        EXPECT_EQ(s->value, "0") << name;
        EXPECT_FALSE(s->why.empty()) << name;
    }
    ASSERT_NE(find(list, "net.ipv4.tcp_sack"), nullptr);
    EXPECT_EQ(find(list, "net.ipv4.tcp_sack")->value, "1");  // SACK on, as ustack (RFC 2018)
    ASSERT_NE(find(list, "net.ipv4.tcp_rto_min_us"), nullptr);
    EXPECT_EQ(find(list, "net.ipv4.tcp_rto_min_us")->value, "1000000");
    EXPECT_EQ(find(list, "net.ipv4.tcp_fin_timeout"), nullptr);  // left as the kernel has it
}

TEST(ScriptLinux, SysctlOverrideReplacesOrAdds) {
    std::vector<Sysctl> base = linux_sysctls({});
    std::vector<Sysctl> list = linux_sysctls({"net.ipv4.tcp_sack=0", "net.ipv4.tcp_fin_timeout=30"});
    EXPECT_EQ(list.size(), base.size() + 1);
    EXPECT_EQ(find(list, "net.ipv4.tcp_sack")->value, "0");
    EXPECT_EQ(find(list, "net.ipv4.tcp_sack")->why, "--linux_sysctl");
    EXPECT_EQ(find(list, "net.ipv4.tcp_fin_timeout")->value, "30");
}

TEST(ScriptLinux, SysctlOverrideMustBeANetSysctl) {
    for (const char* bad : {"kernel.panic=1", "net.ipv4.tcp_sack", "=1", "net.ipv4.tcp_sack=", "net.ipv4/../../x=1",
                            "net..ipv4=1"})
        EXPECT_THROW(linux_sysctls({bad}), std::invalid_argument) << bad;
}

TEST(ScriptLinux, SysctlPath) {
    EXPECT_EQ(sysctl_path("net.ipv4.tcp_syn_linear_timeouts"), "/proc/sys/net/ipv4/tcp_syn_linear_timeouts");
}

TEST(ScriptLinux, DiffClassification) {
    EXPECT_EQ(classify(true, true), DiffClass::BothPass);
    EXPECT_EQ(classify(true, false), DiffClass::UstackOnly);
    EXPECT_EQ(classify(false, true), DiffClass::LinuxOnly);
    EXPECT_EQ(classify(false, false), DiffClass::BothFail);
    EXPECT_STREQ(to_string(DiffClass::UstackOnly), "ustack only");
    EXPECT_STREQ(to_string(DiffClass::LinuxOnly), "Linux only");
    EXPECT_EQ(first_line("a.pkt:3: mismatch\n  script: x\n  actual: y"), "a.pkt:3: mismatch");
    EXPECT_EQ(json_escape("a\"b\\c\n"), "a\\\"b\\\\c\\u000a");
}

const wire::Ipv4Address kLocal{192, 168, 0, 1}, kRemote{192, 0, 2, 1};
const tcp::FourTuple kTuple{tcp::Endpoint{kLocal, 8080}, tcp::Endpoint{kRemote, 40000}};

// What the kernel accepts from a TUN device: a valid IPv4 header (version,
// length, header checksum) and a TCP checksum over the pseudo-header.
TEST(ScriptLinux, InjectedBytesAreAValidIpv4Packet) {
    PacketSpec p;
    p.flags = tcp::flags::SYN;
    p.win = 65535;
    p.options.push_back(OptionSpec{OptionSpec::Kind::Mss, 1460, 0, {}});
    p.len = 10;
    WirePacket w = build_inbound(p, kTuple, IsnPair{1000, 2000}, Instant{}, 1);
    wire::Ipv4View ip(w.bytes);
    ASSERT_EQ(ip.check(), wire::Ipv4Error::None);
    EXPECT_EQ(ip.src(), kRemote);
    EXPECT_EQ(ip.dst(), kLocal);
    EXPECT_EQ(ip.protocol(), wire::IP_PROTO_TCP);
    EXPECT_EQ(ip.total_len(), 20u + 24u + 10u);
    tcp::ParsedSegment seg;
    ASSERT_EQ(tcp::parse_segment(ip.payload(), kRemote, kLocal, true, seg), tcp::ParseError::None);
    EXPECT_EQ(seg.seg.seq.raw(), 2000u);
    EXPECT_EQ(seg.seg.options.mss, 1460);
    EXPECT_EQ(seg.dst_port, 8080);
}

WirePacket kernel_packet() {
    tcp::Segment s;
    s.seq = wire::SeqNum(5000);
    s.ack = wire::SeqNum(2001);
    s.flags = tcp::flags::SYN | tcp::flags::ACK;
    s.window = 64240;
    s.options.mss = 1460;
    return capture_outbound(kTuple, s, Instant{});
}

TEST(ScriptLinux, ParsesWhatTheKernelSends) {
    WirePacket sent = kernel_packet();
    WirePacket got;
    const Instant at = Instant(std::chrono::microseconds(1234));
    ASSERT_TRUE(parse_outbound_ipv4(sent.bytes.data(), sent.bytes.size(), kLocal, kRemote, at, got));
    EXPECT_TRUE(got.checksum_ok);
    EXPECT_FALSE(got.inbound);
    EXPECT_EQ(got.at, at);
    EXPECT_EQ(got.tuple, kTuple);
    EXPECT_EQ(got.seg.flags, tcp::flags::SYN | tcp::flags::ACK);
    EXPECT_EQ(got.seg.options.mss, 1460);
    EXPECT_EQ(got.bytes, sent.bytes);
    // Matched against a script line exactly as in-process packets are.
    PacketSpec want;
    want.inbound = false;
    want.flags = tcp::flags::SYN | tcp::flags::ACK;
    want.ack = 1;
    want.options.push_back(OptionSpec{OptionSpec::Kind::Mss, 1460, 0, {}});
    EXPECT_EQ(compare_outbound(want, got, IsnPair{5000, 2000}, &kTuple), "");
    want.ack = 2;
    EXPECT_NE(compare_outbound(want, got, IsnPair{5000, 2000}, &kTuple).find("ack: expected 2, actual 1"), std::string::npos);
}

TEST(ScriptLinux, IgnoresOtherTrafficAndFlagsBadChecksums) {
    WirePacket sent = kernel_packet();
    WirePacket got;
    EXPECT_FALSE(parse_outbound_ipv4(sent.bytes.data(), sent.bytes.size(), kLocal, wire::Ipv4Address(10, 0, 0, 1),
                                     Instant{}, got));
    std::vector<uint8_t> v6(sent.bytes);
    v6[0] = 0x60;
    EXPECT_FALSE(parse_outbound_ipv4(v6.data(), v6.size(), kLocal, kRemote, Instant{}, got));
    std::vector<uint8_t> icmp(sent.bytes);
    icmp[9] = 1;
    EXPECT_FALSE(parse_outbound_ipv4(icmp.data(), icmp.size(), kLocal, kRemote, Instant{}, got));
    EXPECT_FALSE(parse_outbound_ipv4(sent.bytes.data(), 30, kLocal, kRemote, Instant{}, got));
    std::vector<uint8_t> bad(sent.bytes);
    bad[20 + 16] ^= 0xff;  // TCP checksum
    ASSERT_TRUE(parse_outbound_ipv4(bad.data(), bad.size(), kLocal, kRemote, Instant{}, got));
    EXPECT_FALSE(got.checksum_ok);
}

}  // namespace
}  // namespace ustack::script
