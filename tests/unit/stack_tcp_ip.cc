// TCP over IP at the stack level (RFC 9293 §3.9.1.1, §3.9.1.9, §3.9.2,
// §3.9.2.1, §3.9.2.2, §3.9.2.3): ICMP errors from the wire into TCP, IP
// options in and out, TOS, source routes, local addresses; packets built and
// checked with libtins.
#include <gtest/gtest.h>

#include <tins/tins.h>

#include <cstdint>
#include <vector>

#include "stack/stack.h"
#include "tests/harness/req.h"

namespace ustack {
namespace {

using Bytes = std::vector<uint8_t>;
using namespace std::chrono_literals;

const wire::Ipv4Address kOurs(10, 0, 0, 2);
const wire::Ipv4Address kPeer(10, 0, 0, 1);
const char* kOursText = "10.0.0.2";
const char* kPeerText = "10.0.0.1";
const char* kRouterText = "10.0.0.254";

struct CapturingSink : PacketSink {
    std::vector<Bytes> packets;
    void send_packet(std::span<const uint8_t> p) override { packets.emplace_back(p.begin(), p.end()); }
};

uint16_t checksum(const uint8_t* p, size_t n) {
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < n; i += 2) sum += (uint32_t(p[i]) << 8) | p[i + 1];
    if (n & 1) sum += uint32_t(p[n - 1]) << 8;
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return uint16_t(~sum);
}

// Puts raw IPv4 options into a serialized datagram (IHL, total length, checksum fixed).
Bytes with_ip_options(Bytes b, const Bytes& opts) {
    b.insert(b.begin() + 20, opts.begin(), opts.end());
    b[0] = uint8_t(0x40 | ((20 + opts.size()) / 4));
    uint16_t total = uint16_t(b.size());
    b[2] = uint8_t(total >> 8), b[3] = uint8_t(total);
    b[10] = b[11] = 0;
    uint16_t c = checksum(b.data(), 20 + opts.size());
    b[10] = uint8_t(c >> 8), b[11] = uint8_t(c);
    return b;
}

// An ICMP error from `from` quoting the first header + 8 octets of `offending`.
Bytes icmp_error(uint8_t type, uint8_t code, const Bytes& offending, uint16_t mtu = 0,
                 const char* from = kRouterText) {
    size_t ihl = (offending[0] & 0x0f) * 4u;
    Tins::ICMP icmp(static_cast<Tins::ICMP::Flags>(type));
    icmp.code(code);
    if (mtu) icmp.mtu(mtu);
    Bytes quote(offending.begin(), offending.begin() + ptrdiff_t(ihl + 8));
    Tins::IP ip = Tins::IP(kOursText, from) / icmp / Tins::RawPDU(quote);
    return ip.serialize();
}

class StackTcpIp : public ::testing::Test {
protected:
    StackTcpIp() { reset(make_config()); }
    static StackConfig make_config() {
        StackConfig c;
        c.addr = kOurs;
        c.mtu = 1500;
        c.tcp.timestamps = false;
        c.tcp.window_scaling = false;
        return c;
    }
    void reset(const StackConfig& c) {
        stack_.reset();
        sink_.packets.clear();
        stack_ = std::make_unique<Stack>(c, isn_, sink_);
    }
    void deliver(const Bytes& b) { stack_->receive(b, now_); }
    Tins::IP last() {
        EXPECT_FALSE(sink_.packets.empty());
        return Tins::IP(sink_.packets.back().data(), uint32_t(sink_.packets.back().size()));
    }
    // Active open to the peer's port 80 and the peer's SYN-ACK (ISN 5000, MSS 1460).
    std::shared_ptr<tcp::Connection> establish(const tcp::IpSettings& ip = {}) {
        tcp::TcpError err{};
        auto c = stack_->connect(std::nullopt, tcp::Endpoint{kPeer, 80}, now_, &err, ip);
        EXPECT_TRUE(c) << tcp::to_string(err);
        if (!c) return c;
        Tins::IP syn = last();
        const auto& t = syn.rfind_pdu<Tins::TCP>();
        Tins::TCP synack(t.sport(), 80);
        synack.flags(Tins::TCP::SYN | Tins::TCP::ACK);
        synack.seq(5000);
        synack.ack_seq(t.seq() + 1);
        synack.window(65535);
        synack.mss(1460);
        deliver((Tins::IP(kOursText, kPeerText) / synack).serialize());
        EXPECT_EQ(c->state(), tcp::State::Established);
        return c;
    }
    // A SYN from the peer to our port 80.
    Bytes peer_syn(uint16_t sport = 40000) {
        Tins::TCP syn(80, sport);
        syn.flags(Tins::TCP::SYN);
        syn.seq(7000);
        syn.mss(1460);
        syn.window(65535);
        return (Tins::IP(kOursText, kPeerText) / syn).serialize();
    }

    Instant now_ = Instant(std::chrono::seconds(1));
    tcp::FixedIsn isn_{1000};
    CapturingSink sink_;
    std::unique_ptr<Stack> stack_;
};

// ---- ICMP errors (§3.9.2.2) ----

TEST_F(StackTcpIp, PortUnreachableForOurSyn_AbortsConnect) {
    USTACK_REQ("MUST-54", "SHLD-26");
    auto c = stack_->connect(std::nullopt, tcp::Endpoint{kPeer, 80}, now_);
    ASSERT_TRUE(c);
    Bytes syn = sink_.packets.back();
    deliver(icmp_error(3, 3, syn, 0, kPeerText));
    EXPECT_EQ(stack_->counters().icmp_errors_to_tcp, 1u);
    EXPECT_EQ(c->state(), tcp::State::Closed);
    EXPECT_EQ(c->error(), tcp::TcpError::ConnectionRefused);
}

TEST_F(StackTcpIp, HostUnreachableForOurSyn_SoftErrorOnly) {
    USTACK_REQ("MUST-54", "MUST-56", "SHLD-25");
    auto c = stack_->connect(std::nullopt, tcp::Endpoint{kPeer, 80}, now_);
    Bytes syn = sink_.packets.back();
    deliver(icmp_error(3, 1, syn));
    deliver(icmp_error(11, 0, syn));
    EXPECT_EQ(c->state(), tcp::State::SynSent);
    EXPECT_EQ(c->soft_error(), tcp::TcpError::HostUnreachable);
}

TEST_F(StackTcpIp, SourceQuench_Discarded) {
    USTACK_REQ("MUST-55");
    auto c = establish();
    c->send(std::vector<uint8_t>(100, 'a'), now_);
    Bytes data = sink_.packets.back();
    size_t before = sink_.packets.size();
    deliver(icmp_error(4, 0, data));
    EXPECT_EQ(sink_.packets.size(), before);
    EXPECT_EQ(c->soft_error(), tcp::TcpError::None);
    EXPECT_EQ(stack_->tcp().counters().icmp_errors_ignored, 1u);
}

TEST_F(StackTcpIp, ErrorAboutDatagramWeNeverSent_Ignored) {
    USTACK_REQ("MUST-54");
    auto c = stack_->connect(std::nullopt, tcp::Endpoint{kPeer, 80}, now_);
    Bytes syn = sink_.packets.back();
    Bytes forged = syn;
    forged[12] = 10, forged[13] = 0, forged[14] = 0, forged[15] = 77;  // quoted source is not us
    deliver(icmp_error(3, 3, forged));
    Bytes wrong_seq = syn;
    wrong_seq[20 + 4] ^= 0x80;  // quoted SEG.SEQ far from our SYN
    deliver(icmp_error(3, 3, wrong_seq));
    EXPECT_EQ(c->state(), tcp::State::SynSent);
    EXPECT_EQ(stack_->counters().icmp_errors_to_tcp, 1u);
    EXPECT_EQ(stack_->tcp().counters().icmp_errors_ignored, 1u);
}

TEST_F(StackTcpIp, FragmentationNeeded_NextSegmentsFitTheReportedMtu) {
    USTACK_REQ("MUST-54");
    auto c = establish();
    size_t before = sink_.packets.size();
    c->send(std::vector<uint8_t>(2000, 'a'), now_);
    ASSERT_EQ(sink_.packets.size(), before + 2);
    EXPECT_EQ(sink_.packets[before].size(), 1500u);
    deliver(icmp_error(3, 4, sink_.packets[before], 1000));
    // The 1500-byte datagram resent at once in two that fit; the 580-byte
    // one went through and is not resent (RFC 1191 §6.4, tcp_robust_pmtu.cc).
    ASSERT_EQ(sink_.packets.size(), before + 4);
    for (size_t i = before + 2; i < sink_.packets.size(); ++i) EXPECT_LE(sink_.packets[i].size(), 1000u);
    Tins::IP first(sink_.packets[before + 2].data(), uint32_t(sink_.packets[before + 2].size()));
    Tins::IP second(sink_.packets[before + 3].data(), uint32_t(sink_.packets[before + 3].size()));
    EXPECT_EQ(first.rfind_pdu<Tins::TCP>().seq(), 1001u);  // ISS 1000 + 1
    EXPECT_EQ(second.rfind_pdu<Tins::TCP>().seq(), 1961u);
    EXPECT_EQ(first.size() + second.size(), 1500u + 40u);  // the same 1460 octets, one more header
    EXPECT_EQ(c->snapshot().snd_mss, 960);
}

// ---- IP options and TOS (§3.9.1.9, §3.9.2, §3.9.2.1) ----

TEST_F(StackTcpIp, UnknownIpOptionsIgnored_SynStillAnswered) {
    USTACK_REQ("MUST-50");
    auto l = stack_->tcp().listen(tcp::Endpoint{kOurs, 80}, 4);
    // Router Alert (RFC 2113), then an unassigned option 0x9e of length 4, NOP padding.
    deliver(with_ip_options(peer_syn(), {0x94, 0x04, 0x00, 0x00, 0x9e, 0x04, 0xab, 0xcd}));
    ASSERT_EQ(sink_.packets.size(), 1u);
    Tins::IP synack = last();
    const auto& t = synack.rfind_pdu<Tins::TCP>();
    EXPECT_EQ(t.flags(), Tins::TCP::SYN | Tins::TCP::ACK);
    EXPECT_EQ(t.ack_seq(), 7001u);
    EXPECT_EQ(last().head_len(), 5);  // options are not echoed back
}

TEST_F(StackTcpIp, TosChosenByApplication_InEveryDatagram) {
    USTACK_REQ("MUST-48", "SHLD-22", "SHLD-21");
    tcp::IpSettings ip;
    ip.tos = 0xb8;  // DSCP EF
    auto c = establish(ip);
    for (const Bytes& p : sink_.packets) EXPECT_EQ(p[1], 0xb8);  // SYN and ACK
    c->set_tos(0x28);
    c->send(std::vector<uint8_t>(10, 'a'), now_);
    EXPECT_EQ(sink_.packets.back()[1], 0x28);
    EXPECT_EQ(checksum(sink_.packets.back().data(), 20), 0);
}

TEST_F(StackTcpIp, IpOptionsChosenByApplication_SentAndMssShrinks) {
    USTACK_REQ("MUST-51");
    tcp::IpSettings ip;
    ip.options = {0x94, 0x04, 0x00, 0x00};  // Router Alert
    ip.options_len = 4;
    auto c = establish(ip);
    Tins::IP syn(sink_.packets[0].data(), uint32_t(sink_.packets[0].size()));
    EXPECT_EQ(syn.head_len(), 6);
    EXPECT_EQ(Bytes(sink_.packets[0].begin() + 20, sink_.packets[0].begin() + 24), Bytes({0x94, 0x04, 0, 0}));
    EXPECT_EQ(checksum(sink_.packets[0].data(), 24), 0);
    EXPECT_EQ(c->snapshot().snd_mss, 1456);  // 1500 - 24 - 20
    c->send(std::vector<uint8_t>(3000, 'a'), now_);
    EXPECT_EQ(sink_.packets.back().size() <= 1500, true);
    EXPECT_EQ(stack_->counters().tcp_oversize_out, 0u);
}

TEST_F(StackTcpIp, IpOptionsTooLongOrHoldingARoute_Refused) {
    USTACK_REQ("MUST-51");
    tcp::IpSettings ip;
    ip.options_len = 41;
    tcp::TcpError err{};
    EXPECT_FALSE(stack_->connect(std::nullopt, tcp::Endpoint{kPeer, 80}, now_, &err, ip));
    EXPECT_EQ(err, tcp::TcpError::InvalidArgument);
    ip.options = {131, 7, 4, 10, 0, 0, 9};  // a source route belongs in `route`
    ip.options_len = 7;
    EXPECT_FALSE(stack_->connect(std::nullopt, tcp::Endpoint{kPeer, 80}, now_, &err, ip));
    EXPECT_TRUE(sink_.packets.empty());
}

TEST_F(StackTcpIp, SourceRouteChosenByApplication_FirstHopIsDestination) {
    USTACK_REQ("MUST-51");
    tcp::IpSettings ip;
    ip.route.hops[0] = wire::Ipv4Address(10, 1, 1, 1);
    ip.route.hops[1] = wire::Ipv4Address(10, 2, 2, 2);
    ip.route.n = 2;
    ASSERT_TRUE(stack_->connect(std::nullopt, tcp::Endpoint{kPeer, 80}, now_, nullptr, ip));
    Tins::IP syn = last();
    EXPECT_EQ(syn.dst_addr(), Tins::IPv4Address("10.1.1.1"));
    const Bytes& b = sink_.packets.back();
    ASSERT_EQ(syn.head_len(), 8);  // 20 + 11 option bytes + 1 EOL pad
    EXPECT_EQ(Bytes(b.begin() + 20, b.begin() + 32),
              Bytes({131, 11, 4, 10, 2, 2, 2, 10, 0, 0, 1, 0}));  // LSRR: next hop, then the peer
    // The TCP checksum still uses the final destination (RFC 9293 §3.1 pseudo-header).
    Bytes pseudo = {10, 0, 0, 2, 10, 0, 0, 1, 0, 6, 0, uint8_t(b.size() - 32)};
    pseudo.insert(pseudo.end(), b.begin() + 32, b.end());
    EXPECT_EQ(checksum(pseudo.data(), pseudo.size()), 0);
}

class StackSourceRoute : public StackTcpIp {
protected:
    // The peer's SYN arrived via routers 10.1.1.1 then 10.2.2.2 (route completed).
    Bytes routed_syn(uint16_t sport = 40000) {
        return with_ip_options(peer_syn(sport), {1, 131, 11, 12, 10, 1, 1, 1, 10, 2, 2, 2});
    }
    // The last packet is a SYN-ACK along routed_syn()'s route reversed.
    void expect_synack_along_reversed_route() {
        Tins::IP synack = last();
        EXPECT_EQ(synack.dst_addr(), Tins::IPv4Address("10.2.2.2"));  // the last router first
        const Bytes& b = sink_.packets.back();
        ASSERT_EQ(synack.head_len(), 8);
        EXPECT_EQ(Bytes(b.begin() + 20, b.begin() + 32), Bytes({131, 11, 4, 10, 1, 1, 1, 10, 0, 0, 1, 0}));
        EXPECT_EQ(synack.rfind_pdu<Tins::TCP>().flags(), Tins::TCP::SYN | Tins::TCP::ACK);
    }
};

TEST_F(StackSourceRoute, OffByDefault_SourceRoutedSynDropped) {
    auto l = stack_->tcp().listen(tcp::Endpoint{kOurs, 80}, 4);
    deliver(routed_syn());
    EXPECT_TRUE(sink_.packets.empty());
    EXPECT_EQ(stack_->counters().ip_source_routed, 1u);
    EXPECT_EQ(stack_->tcp().connection_count(), 0u);
}

TEST_F(StackSourceRoute, Accepted_ReplyFollowsReversedRoute) {
    USTACK_REQ("MUST-53");
    StackConfig cfg = make_config();
    cfg.accept_source_route = true;
    reset(cfg);
    auto l = stack_->tcp().listen(tcp::Endpoint{kOurs, 80}, 4);
    deliver(routed_syn());
    ASSERT_EQ(sink_.packets.size(), 1u);
    expect_synack_along_reversed_route();
}

TEST_F(StackSourceRoute, IncompleteRoute_Dropped) {
    StackConfig cfg = make_config();
    cfg.accept_source_route = true;
    reset(cfg);
    auto l = stack_->tcp().listen(tcp::Endpoint{kOurs, 80}, 4);
    deliver(with_ip_options(peer_syn(), {1, 131, 11, 8, 10, 1, 1, 1, 10, 2, 2, 2}));  // pointer at hop 2
    EXPECT_TRUE(sink_.packets.empty());
    EXPECT_EQ(stack_->counters().ip_source_routed, 1u);
}

TEST_F(StackSourceRoute, ApplicationRouteTakesPrecedence) {
    USTACK_REQ("MUST-52", "MUST-53");
    StackConfig cfg = make_config();
    cfg.accept_source_route = true;
    reset(cfg);
    auto l = stack_->tcp().listen(tcp::Endpoint{kOurs, 80}, 4);
    deliver(routed_syn());
    Tins::TCP ack(80, 40000);
    ack.flags(Tins::TCP::ACK);
    ack.seq(7001);
    ack.ack_seq(last().rfind_pdu<Tins::TCP>().seq() + 1);
    ack.window(65535);
    deliver(with_ip_options((Tins::IP(kOursText, kPeerText) / ack).serialize(),
                            {1, 131, 11, 12, 10, 1, 1, 1, 10, 2, 2, 2}));
    auto c = l->accept();
    ASSERT_TRUE(c);
    tcp::IpSettings ip;
    ip.route.hops[0] = wire::Ipv4Address(10, 9, 9, 9);
    ip.route.n = 1;
    ASSERT_TRUE(c->set_ip_settings(ip));
    c->send(std::vector<uint8_t>(5, 'x'), now_);
    EXPECT_EQ(last().dst_addr(), Tins::IPv4Address("10.9.9.9"));
    // A later segment with its own route does not replace the application's.
    Tins::TCP data(80, 40000);
    data.flags(Tins::TCP::ACK | Tins::TCP::PSH);
    data.seq(7001);
    data.ack_seq(ack.ack_seq() + 5);
    data.window(65535);
    deliver(with_ip_options((Tins::IP(kOursText, kPeerText) / data / Tins::RawPDU("hi")).serialize(),
                            {1, 131, 11, 12, 10, 1, 1, 1, 10, 2, 2, 2}));
    c->close(now_);
    EXPECT_EQ(last().dst_addr(), Tins::IPv4Address("10.9.9.9"));
}

TEST_F(StackSourceRoute, LaterRouteReplacesEarlier) {
    USTACK_REQ("SHLD-24", "MUST-53");
    StackConfig cfg = make_config();
    cfg.accept_source_route = true;
    reset(cfg);
    auto l = stack_->tcp().listen(tcp::Endpoint{kOurs, 80}, 4);
    deliver(routed_syn());
    EXPECT_EQ(last().dst_addr(), Tins::IPv4Address("10.2.2.2"));
    Tins::TCP ack(80, 40000);
    ack.flags(Tins::TCP::ACK);
    ack.seq(7001);
    ack.ack_seq(last().rfind_pdu<Tins::TCP>().seq() + 1);
    ack.window(65535);
    // The ACK came another way: via 10.3.3.3 alone.
    deliver(with_ip_options((Tins::IP(kOursText, kPeerText) / ack).serialize(), {1, 131, 7, 8, 10, 3, 3, 3}));
    auto c = l->accept();
    ASSERT_TRUE(c);
    c->send(std::vector<uint8_t>(5, 'x'), now_);
    EXPECT_EQ(last().dst_addr(), Tins::IPv4Address("10.3.3.3"));
    const Bytes& b = sink_.packets.back();
    EXPECT_EQ(Bytes(b.begin() + 20, b.begin() + 28), Bytes({131, 7, 4, 10, 0, 0, 1, 0}));
}

// SYN cookies (RFC 4987 §3.6) keep no state, so the route must come with each segment.
class StackCookieRoute : public StackSourceRoute {
protected:
    StackCookieRoute() {
        StackConfig cfg = make_config();
        cfg.accept_source_route = true;
        cfg.tcp.syn_cookies = tcp::SynCookies::Always;
        reset(cfg);
        listener_ = stack_->tcp().listen(tcp::Endpoint{kOurs, 80}, 4);
    }
    // The ACK of the cookie SYN-ACK (the last packet sent), with IP options `opts`.
    void ack_cookie(const Bytes& opts) {
        Tins::TCP ack(80, 40000);
        ack.flags(Tins::TCP::ACK);
        ack.seq(7001);
        ack.ack_seq(last().rfind_pdu<Tins::TCP>().seq() + 1);
        ack.window(65535);
        deliver(with_ip_options((Tins::IP(kOursText, kPeerText) / ack).serialize(), opts));
    }
    std::shared_ptr<tcp::Listener> listener_;
};

TEST_F(StackCookieRoute, CookieSynAck_FollowsTheSynsReversedRoute) {
    USTACK_REQ("MUST-53");
    deliver(routed_syn());
    ASSERT_EQ(sink_.packets.size(), 1u);
    EXPECT_EQ(stack_->tcp().counters().syncookies_sent, 1u);
    EXPECT_EQ(stack_->tcp().connection_count(), 0u);  // stateless
    expect_synack_along_reversed_route();
    // A SYN without a route on another port gets a plain cookie SYN-ACK.
    deliver(peer_syn(40001));
    EXPECT_EQ(last().dst_addr(), Tins::IPv4Address(kPeerText));
    EXPECT_EQ(last().head_len(), 5);
}

TEST_F(StackCookieRoute, ConnectionFromCookieAck_RepliesAlongTheAcksRoute) {
    USTACK_REQ("MUST-53", "SHLD-24");
    deliver(routed_syn());
    ack_cookie({1, 131, 7, 8, 10, 3, 3, 3});  // the ACK came another way: via 10.3.3.3 alone
    EXPECT_EQ(stack_->tcp().counters().syncookies_received_ok, 1u);
    auto c = listener_->accept();
    ASSERT_TRUE(c);
    c->send(std::vector<uint8_t>(5, 'x'), now_);
    EXPECT_EQ(last().dst_addr(), Tins::IPv4Address("10.3.3.3"));
    const Bytes& b = sink_.packets.back();
    ASSERT_EQ(last().head_len(), 7);
    EXPECT_EQ(Bytes(b.begin() + 20, b.begin() + 28), Bytes({131, 7, 4, 10, 0, 0, 1, 0}));
}

// As Linux: the SYN's options are not kept with a cookie, so an ACK that came
// without a route makes a connection that replies directly.
TEST_F(StackCookieRoute, ConnectionFromCookieAckWithoutRoute_RepliesDirectly) {
    deliver(routed_syn());
    ack_cookie({});
    auto c = listener_->accept();
    ASSERT_TRUE(c);
    c->send(std::vector<uint8_t>(5, 'x'), now_);
    EXPECT_EQ(last().dst_addr(), Tins::IPv4Address(kPeerText));
    EXPECT_EQ(last().head_len(), 5);
}

// ---- Addresses (§3.9.1.1, §3.9.2.3) ----

TEST_F(StackTcpIp, SynToBroadcastOrMulticast_SilentlyDiscarded) {
    USTACK_REQ("MUST-57");
    auto l = stack_->tcp().listen(tcp::Endpoint{wire::Ipv4Address(), 80}, 4);
    for (const char* dst : {"255.255.255.255", "224.0.0.1", "239.255.0.7"}) {
        Tins::TCP syn(80, 40000);
        syn.flags(Tins::TCP::SYN);
        deliver((Tins::IP(dst, kPeerText) / syn).serialize());
    }
    EXPECT_TRUE(sink_.packets.empty());  // no SYN-ACK, no RST
    EXPECT_EQ(stack_->counters().tcp_in, 0u);
    EXPECT_EQ(stack_->counters().ip_not_for_us, 3u);
    EXPECT_EQ(l->ready(), 0u);
}

TEST_F(StackTcpIp, ActiveOpen_LocalAddressOptional) {
    USTACK_REQ("MUST-43", "MUST-44", "MUST-45");
    tcp::TcpError err{};
    EXPECT_FALSE(stack_->connect(wire::Ipv4Address(10, 0, 0, 9), tcp::Endpoint{kPeer, 80}, now_, &err));
    EXPECT_EQ(err, tcp::TcpError::AddressNotAvailable);
    EXPECT_TRUE(sink_.packets.empty());
    auto explicit_local = stack_->connect(kOurs, tcp::Endpoint{kPeer, 80}, now_, &err);
    ASSERT_TRUE(explicit_local);
    EXPECT_EQ(explicit_local->tuple().local.addr, kOurs);
    EXPECT_EQ(last().src_addr(), Tins::IPv4Address(kOursText));
    auto implicit = stack_->connect(std::nullopt, tcp::Endpoint{kPeer, 81}, now_, &err);
    ASSERT_TRUE(implicit);
    EXPECT_EQ(implicit->tuple().local.addr, kOurs);  // IP's address for the SYN (MUST-44)
    EXPECT_EQ(last().src_addr(), Tins::IPv4Address(kOursText));
}

}  // namespace
}  // namespace ustack
