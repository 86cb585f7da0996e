// RFC 9293 at the stack level: the MSS we announce follows the interface MTU
// (§3.7.3, SHLD-6), the received TOS reaches the application (§3.9.1.9,
// MAY-9), ECN between the IP header and TCP (RFC 3168 §5-6, SHLD-8); packets
// built and read with libtins.
#include <gtest/gtest.h>

#include <tins/tins.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "stack/stack.h"
#include "tests/harness/req.h"

namespace ustack {
namespace {

using Bytes = std::vector<uint8_t>;

const wire::Ipv4Address kOurs(10, 0, 0, 2);
const wire::Ipv4Address kPeer(10, 0, 0, 1);

struct CapturingSink : PacketSink {
    std::vector<Bytes> packets;
    void send_packet(std::span<const uint8_t> p) override { packets.emplace_back(p.begin(), p.end()); }
};

// The MSS option of the SYN a stack with this MTU sends on an active open.
uint16_t announced_mss(size_t mtu) {
    StackConfig c;
    c.addr = kOurs;
    c.mtu = mtu;
    tcp::FixedIsn isn{1000};
    CapturingSink sink;
    Stack stack(c, isn, sink);
    auto conn = stack.connect(std::nullopt, tcp::Endpoint{kPeer, 80}, Instant(std::chrono::seconds(1)));
    EXPECT_TRUE(conn);
    EXPECT_EQ(sink.packets.size(), 1u);
    if (sink.packets.empty()) return 0;
    Tins::IP syn(sink.packets[0].data(), uint32_t(sink.packets[0].size()));
    return syn.rfind_pdu<Tins::TCP>().mss();
}

TEST(StackTcpConform, AnnouncedMssFollowsTheInterfaceMtu) {
    USTACK_REQ("SHLD-6");
    EXPECT_EQ(announced_mss(1500), 1460);
    EXPECT_EQ(announced_mss(1280), 1240);  // a smaller link: the MSS shrinks with it
    EXPECT_EQ(announced_mss(9000), 8960);
    EXPECT_EQ(announced_mss(576), 536);
}

// A stack at 10.0.0.2 and a connection to the peer's port 80, established by
// a SYN-ACK built with libtins (with ECE when `ecn`).
struct Established {
    CapturingSink sink;
    tcp::FixedIsn isn{1000};
    std::unique_ptr<Stack> stack;
    std::shared_ptr<tcp::Connection> conn;
    Instant now = Instant(std::chrono::seconds(1));

    explicit Established(tcp::EcnMode mode, bool ecn_synack, uint8_t app_tos = 0) {
        StackConfig c;
        c.addr = kOurs;
        c.tcp.timestamps = false;
        c.tcp.ecn = mode;
        stack = std::make_unique<Stack>(c, isn, sink);
        tcp::IpSettings ip;
        ip.tos = app_tos;
        conn = stack->connect(std::nullopt, tcp::Endpoint{kPeer, 80}, now, nullptr, ip);
        Tins::IP syn = packet(0);
        const auto& t = syn.rfind_pdu<Tins::TCP>();
        Tins::TCP synack(t.sport(), 80);
        synack.flags(Tins::TCP::SYN | Tins::TCP::ACK | (ecn_synack ? Tins::TCP::ECE : 0));
        synack.seq(5000);
        synack.ack_seq(t.seq() + 1);
        synack.window(65535);
        synack.mss(1460);
        deliver(synack, 0);
    }
    Tins::IP packet(size_t i) const { return Tins::IP(sink.packets.at(i).data(), uint32_t(sink.packets.at(i).size())); }
    Tins::IP last() const { return packet(sink.packets.size() - 1); }
    // A segment from the peer in a datagram with this TOS byte.
    void deliver(Tins::TCP t, uint8_t tos) {
        Tins::IP ip = Tins::IP("10.0.0.2", "10.0.0.1") / t;
        ip.tos(tos);
        Bytes b = ip.serialize();
        stack->receive(b, now);
    }
    void deliver_data(const std::string& text, uint32_t seq, uint8_t tos) {
        Tins::TCP t(conn->tuple().local.port, 80);
        t.flags(Tins::TCP::ACK | Tins::TCP::PSH);
        t.seq(seq);
        t.ack_seq(conn->snapshot().snd_nxt.raw());
        t.window(65535);
        deliver(t / Tins::RawPDU(text), tos);
    }
};

TEST(StackTcpConform, ReceivedTosPassedToTheApplication) {
    USTACK_REQ("MAY-9");
    Established e(tcp::EcnMode::Off, false);
    ASSERT_EQ(e.conn->state(), tcp::State::Established);
    e.deliver_data("hello", 5001, 0xb8);  // DSCP EF
    EXPECT_EQ(e.conn->readable(), 5u);
    EXPECT_EQ(e.conn->received_tos(), 0xb8);
    e.deliver_data("again", 5006, 0x28);  // the latest segment's
    EXPECT_EQ(e.conn->received_tos(), 0x28);
}

TEST(StackTcpConform, EcnDataLeavesEct0BesideTheApplicationsDscp) {
    USTACK_REQ("SHLD-8", "MUST-48");
    Established e(tcp::EcnMode::On, true, 0xb8);
    ASSERT_TRUE(e.conn->snapshot().ecn);
    EXPECT_EQ(e.packet(0).tos(), 0xb8);  // the SYN: never ECT
    EXPECT_EQ(e.packet(0).rfind_pdu<Tins::TCP>().flags() & (Tins::TCP::ECE | Tins::TCP::CWR),
              Tins::TCP::ECE | Tins::TCP::CWR);
    EXPECT_EQ(e.last().tos(), 0xb8);  // the handshake's pure ACK: Not-ECT
    e.conn->send(std::vector<uint8_t>(10, 'a'), e.now);
    EXPECT_EQ(e.last().tos(), 0xb8 | 0x02);  // data: ECT(0)
}

TEST(StackTcpConform, EcnCeInTheIpHeaderEchoedAsEce) {
    USTACK_REQ("SHLD-8");
    Established e(tcp::EcnMode::On, true);
    e.deliver_data("hello", 5001, 0x03);  // CE, set by a congested router
    const auto packet = e.last();  // a copy: the TCP layer below is owned by it
    const auto& ack = packet.rfind_pdu<Tins::TCP>();
    EXPECT_EQ(ack.ack_seq(), 5006u);
    EXPECT_TRUE(ack.flags() & Tins::TCP::ECE);
}

}  // namespace
}  // namespace ustack
