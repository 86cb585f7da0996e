// RFC 9293 §3.7.3 (SHLD-6) at the stack level: the MSS we announce follows
// the interface MTU; packets built and read with libtins.
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

}  // namespace
}  // namespace ustack
