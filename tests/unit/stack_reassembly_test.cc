// IPv4 fragment reassembly in the stack (RFC 791 §3.2, RFC 815, RFC 1122
// §3.3.2, RFC 5722 §4 overlap policy, RFC 792 Time Exceeded code 1), with
// fragments cut from libtins-built datagrams; outbound fragmentation of a
// large echo reply.
#include <gtest/gtest.h>

#include <tins/tins.h>

#include <cstdint>
#include <string>
#include <vector>

#include "stack/stack.h"
#include "tests/harness/req.h"

namespace ustack {
namespace {

using Bytes = std::vector<uint8_t>;
using namespace std::chrono_literals;

const char* kOursText = "10.0.0.2";
const char* kPeerText = "10.0.0.1";

struct CapturingSink : PacketSink {
    std::vector<Bytes> packets;
    void send_packet(std::span<const uint8_t> p) override { packets.emplace_back(p.begin(), p.end()); }
};

std::string pattern(size_t n) {
    std::string s(n, ' ');
    for (size_t i = 0; i < n; ++i) s[i] = char('a' + i % 26);
    return s;
}

Bytes echo_request(uint16_t ip_id, const std::string& data) {
    Tins::ICMP icmp(Tins::ICMP::ECHO_REQUEST);
    icmp.id(0x4242);
    icmp.sequence(1);
    Tins::IP ip = Tins::IP(kOursText, kPeerText) / icmp / Tins::RawPDU(data);
    ip.id(ip_id);
    return ip.serialize();
}

// Fragment [off, off+len) of a whole datagram's data, as libtins builds it.
Bytes fragment(const Bytes& whole, size_t off, size_t len, bool more) {
    size_t ihl = (whole[0] & 0x0f) * 4u;
    Tins::IP orig(whole.data(), uint32_t(whole.size()));
    Bytes data(whole.begin() + ptrdiff_t(ihl + off), whole.begin() + ptrdiff_t(ihl + off + len));
    Tins::IP ip = Tins::IP(kOursText, kPeerText) / Tins::RawPDU(data);
    ip.id(orig.id());
    ip.protocol(orig.protocol());
    ip.ttl(64);
    ip.flags(more ? Tins::IP::MORE_FRAGMENTS : Tins::IP::Flags(0));
    ip.fragment_offset(uint16_t(off / 8));
    Bytes b = ip.serialize();
    b[9] = orig.protocol();  // libtins may rewrite it for a RawPDU payload
    b[10] = b[11] = 0;
    Tins::IP fixed(b.data(), uint32_t(b.size()));  // recompute the header checksum
    fixed.protocol(orig.protocol());
    return fixed.serialize();
}

class StackReassembly : public ::testing::Test {
protected:
    StackReassembly() { reset(config()); }
    static StackConfig config() {
        StackConfig c;
        c.addr = wire::Ipv4Address(10, 0, 0, 2);
        c.mtu = 1500;
        return c;
    }
    void reset(const StackConfig& c) {
        stack_.reset();
        sink_.packets.clear();
        stack_ = std::make_unique<Stack>(c, isn_, sink_);
    }
    void deliver(const Bytes& b) { stack_->receive(b, now_); }
    const StackCounters& counters() { return stack_->counters(); }
    // Joins the fragments we sent back into the echo reply's ICMP data (after the 8-byte header).
    std::string reply_data() {
        std::string out;
        size_t expect_off = 0;
        for (const Bytes& p : sink_.packets) {
            Tins::IP ip(p.data(), uint32_t(p.size()));
            EXPECT_EQ(ip.fragment_offset() * 8u, expect_off);
            EXPECT_LE(p.size(), 1500u);
            size_t ihl = ip.head_len() * 4u;
            out.append(p.begin() + ptrdiff_t(ihl), p.end());
            expect_off += p.size() - ihl;
        }
        return out.size() >= 8 ? out.substr(8) : std::string();
    }

    Instant now_ = Instant(std::chrono::seconds(1));
    tcp::FixedIsn isn_{1000};
    CapturingSink sink_;
    std::unique_ptr<Stack> stack_;
};

TEST_F(StackReassembly, InOrderFragments_EchoAnsweredInFragments) {
    std::string data = pattern(4000);
    Bytes whole = echo_request(77, data);  // 8 + 4000 ICMP octets
    deliver(fragment(whole, 0, 1480, true));
    deliver(fragment(whole, 1480, 1480, true));
    EXPECT_TRUE(sink_.packets.empty());
    deliver(fragment(whole, 2960, 1048, false));
    EXPECT_EQ(counters().ip_fragments, 3u);
    EXPECT_EQ(counters().ip_reassembled, 1u);
    EXPECT_EQ(counters().icmp_echo_replies, 1u);
    ASSERT_EQ(sink_.packets.size(), 3u);  // 4008 octets do not fit one 1500-byte datagram
    EXPECT_EQ(counters().ip_fragments_out, 3u);
    EXPECT_EQ(reply_data(), data);
    Tins::IP first(sink_.packets[0].data(), uint32_t(sink_.packets[0].size()));
    EXPECT_EQ(first.flags(), Tins::IP::MORE_FRAGMENTS);
    EXPECT_EQ(sink_.packets[0][20], 0);  // echo reply
}

TEST_F(StackReassembly, OutOfOrderWithDuplicate_Reassembled) {
    std::string data = pattern(3000);
    Bytes whole = echo_request(78, data);
    deliver(fragment(whole, 2000, 1008, false));
    deliver(fragment(whole, 1000, 1000, true));
    deliver(fragment(whole, 1000, 1000, true));  // an exact duplicate is ignored
    deliver(fragment(whole, 0, 1000, true));
    EXPECT_EQ(counters().ip_frag_duplicate, 1u);
    EXPECT_EQ(counters().ip_reassembled, 1u);
    EXPECT_EQ(reply_data(), data);
    EXPECT_EQ(stack_->next_deadline(), std::nullopt);  // nothing left in reassembly
}

TEST_F(StackReassembly, OverlappingFragment_WholeDatagramDiscarded) {
    std::string data = pattern(3000);
    Bytes whole = echo_request(79, data);
    deliver(fragment(whole, 0, 1000, true));
    deliver(fragment(whole, 992, 1008, true));  // overlaps the first by 8 octets
    EXPECT_EQ(counters().ip_frag_overlap, 1u);
    deliver(fragment(whole, 2000, 1008, false));
    EXPECT_TRUE(sink_.packets.empty());  // what was held is gone: never completes
    EXPECT_EQ(counters().ip_reassembled, 0u);
}

TEST_F(StackReassembly, FragmentedTcpSyn_ReachesTcp) {
    auto l = stack_->tcp().listen(tcp::Endpoint{wire::Ipv4Address(10, 0, 0, 2), 80}, 4);
    Tins::TCP syn(80, 40000);
    syn.flags(Tins::TCP::SYN);
    syn.seq(9000);
    syn.mss(1460);
    Tins::IP ip = Tins::IP(kOursText, kPeerText) / syn;
    ip.id(5);
    Bytes whole = ip.serialize();
    size_t tcp_len = whole.size() - 20;
    deliver(fragment(whole, 8, tcp_len - 8, false));  // the ports and SEQ come last
    deliver(fragment(whole, 0, 8, true));
    ASSERT_EQ(sink_.packets.size(), 1u);
    Tins::IP out(sink_.packets[0].data(), uint32_t(sink_.packets[0].size()));
    const auto& t = out.rfind_pdu<Tins::TCP>();
    EXPECT_EQ(t.flags(), Tins::TCP::SYN | Tins::TCP::ACK);
    EXPECT_EQ(t.ack_seq(), 9001u);
}

TEST_F(StackReassembly, Timeout_TimeExceededWhenFragmentZeroArrived) {
    Bytes whole = echo_request(80, pattern(3000));
    deliver(fragment(whole, 0, 1000, true));
    ASSERT_TRUE(stack_->next_deadline());
    EXPECT_EQ(*stack_->next_deadline(), now_ + 30s);
    stack_->poll(now_ + 29s);
    EXPECT_TRUE(sink_.packets.empty());
    stack_->poll(now_ + 30s);
    EXPECT_EQ(counters().ip_frag_timeout, 1u);
    ASSERT_EQ(sink_.packets.size(), 1u);
    const Bytes& p = sink_.packets[0];
    Tins::IP ip(p.data(), uint32_t(p.size()));
    EXPECT_EQ(ip.dst_addr(), Tins::IPv4Address(kPeerText));
    EXPECT_EQ(p[20], 11);  // Time Exceeded
    EXPECT_EQ(p[21], 1);   // fragment reassembly time exceeded
    Bytes first = fragment(whole, 0, 1000, true);
    EXPECT_EQ(Bytes(p.begin() + 28, p.end()), Bytes(first.begin(), first.begin() + 28));  // header + 8
    EXPECT_EQ(stack_->next_deadline(), std::nullopt);
}

TEST_F(StackReassembly, Timeout_SilentWithoutFragmentZero) {
    StackConfig c = config();
    c.reassembly.timeout = 5s;
    reset(c);
    Bytes whole = echo_request(81, pattern(3000));
    deliver(fragment(whole, 1000, 1000, true));
    stack_->poll(now_ + 5s);
    EXPECT_EQ(counters().ip_frag_timeout, 1u);
    EXPECT_TRUE(sink_.packets.empty());
}

TEST_F(StackReassembly, PoolBounded_ByDatagramsAndBytes) {
    StackConfig c = config();
    c.reassembly.max_datagrams = 2;
    c.reassembly.max_bytes = 2500;
    reset(c);
    Bytes a = echo_request(1, pattern(3000)), b = echo_request(2, pattern(3000)), d = echo_request(3, pattern(3000));
    deliver(fragment(a, 0, 1000, true));
    deliver(fragment(b, 0, 1000, true));
    deliver(fragment(d, 0, 1000, true));  // a third datagram: no slot
    EXPECT_EQ(counters().ip_frag_no_room, 1u);
    deliver(fragment(a, 1000, 1000, true));  // 3000 octets held would exceed 2500
    EXPECT_EQ(counters().ip_frag_no_room, 2u);
    stack_->poll(now_ + 30s);  // both expire; the pool is free again
    EXPECT_EQ(counters().ip_frag_timeout, 2u);
    sink_.packets.clear();
    Bytes small = echo_request(4, pattern(1500));
    deliver(fragment(small, 0, 1000, true));
    deliver(fragment(small, 1000, 508, false));
    EXPECT_EQ(counters().ip_reassembled, 1u);
}

TEST_F(StackReassembly, BeyondMaximumDatagramSize_Dropped) {
    Bytes whole = echo_request(82, pattern(100));
    Bytes last = fragment(whole, 0, 16, false);
    // Offset 65528 (8191 * 8) + 16 octets: past 65535 ("ping of death").
    last[6] = 0x1f, last[7] = 0xff;
    last[10] = last[11] = 0;
    Tins::IP fixed(last.data(), uint32_t(last.size()));
    deliver(fixed.serialize());
    EXPECT_EQ(counters().ip_frag_invalid, 1u);
    EXPECT_EQ(stack_->next_deadline(), std::nullopt);
}

}  // namespace
}  // namespace ustack
