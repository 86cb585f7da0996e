// Links and link decorators: socketpair and memory links, the pcap writer
// (read back with libtins as an independent oracle), the fault injector.
#include <gtest/gtest.h>

#include <pcap/pcap.h>
#include <tins/tins.h>

#include <chrono>
#include <cstdio>
#include <numeric>
#include <string>
#include <unistd.h>
#include <vector>

#include "stack/link/fault_injector.h"
#include "stack/link/memory_link.h"
#include "stack/link/pcap_link.h"
#include "stack/link/pcap_writer.h"
#include "stack/link/socketpair_link.h"

namespace ustack::link {
namespace {

using namespace std::chrono_literals;

std::vector<uint8_t> numbered_packet(uint32_t n, size_t size = 40) {
    std::vector<uint8_t> p(size, 0xab);
    p[0] = uint8_t(n >> 24), p[1] = uint8_t(n >> 16), p[2] = uint8_t(n >> 8), p[3] = uint8_t(n);
    return p;
}
uint32_t number_of(std::span<const uint8_t> p) {
    return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | p[3];
}

TEST(SocketpairLink, CarriesWholePacketsBothWays) {
    auto [a, b] = make_socketpair_links(1500);
    std::vector<uint8_t> buf(1500);
    EXPECT_FALSE(b->receive(buf, Instant{}));  // nothing yet: EAGAIN, not a block
    for (size_t size : {20u, 1500u, 576u}) ASSERT_TRUE(a->transmit(numbered_packet(uint32_t(size), size), Instant{}));
    for (size_t size : {20u, 1500u, 576u}) {
        auto n = b->receive(buf, Instant{});
        ASSERT_TRUE(n);
        EXPECT_EQ(*n, size);
        EXPECT_EQ(number_of(buf), size);
    }
    EXPECT_FALSE(b->receive(buf, Instant{}));
    ASSERT_TRUE(b->transmit(numbered_packet(7), Instant{}));
    auto n = a->receive(buf, Instant{});
    ASSERT_TRUE(n);
    EXPECT_EQ(number_of(buf), 7u);
    EXPECT_EQ(a->counters().rx_packets, 1u);
    EXPECT_EQ(a->counters().tx_packets, 3u);
}

TEST(SocketpairLink, FullSocketReportsWouldBlock) {
    auto [a, b] = make_socketpair_links(1500);
    auto p = numbered_packet(1, 1500);
    FdLink::WriteResult r = FdLink::WriteResult::Written;
    int written = 0;
    while ((r = a->write_packet(p)) == FdLink::WriteResult::Written && written < 100000) ++written;
    EXPECT_EQ(r, FdLink::WriteResult::WouldBlock);
    EXPECT_GT(written, 0);
    EXPECT_EQ(a->counters().tx_would_block, 1u);
}

TEST(MemoryLink, PairCarriesPacketsAndLoneLinkRecords) {
    auto [a, b] = MemoryLink::make_pair(1500);
    std::vector<uint8_t> buf(1500);
    ASSERT_TRUE(a->transmit(numbered_packet(5), Instant{}));
    auto n = b->receive(buf, Instant{});
    ASSERT_TRUE(n);
    EXPECT_EQ(number_of(buf), 5u);
    EXPECT_FALSE(a->transmit(std::vector<uint8_t>(1501), Instant{}));  // over the MTU

    MemoryLink lone;
    lone.inject(numbered_packet(9));
    ASSERT_TRUE(lone.receive(buf, Instant{}));
    EXPECT_EQ(number_of(buf), 9u);
    lone.transmit(numbered_packet(10), Instant{});
    ASSERT_EQ(lone.sent().size(), 1u);
    EXPECT_EQ(number_of(lone.sent().front()), 10u);
}

std::string temp_path(const char* stem) {
    return std::string(::testing::TempDir()) + stem + "_" + std::to_string(::getpid()) + ".pcap";
}

TEST(PcapWriter, LibtinsReadsPacketsAndTimestamps) {
    std::string path = temp_path("ustack_pcap");
    // libtins constructors take (destination, source).
    Tins::IP ip = Tins::IP("10.0.0.1", "10.0.0.2") / Tins::TCP(40000, 80) / Tins::RawPDU("hello");
    std::vector<uint8_t> bytes = ip.serialize();
    {
        PcapWriter w(path);
        w.write(bytes, Instant(1500000us));        // 1.5 s
        w.write(bytes, Instant(2s + 250us));
        w.write(bytes, Instant(3s));
        EXPECT_EQ(w.packets_written(), 3u);
    }
    {
        std::FILE* f = std::fopen(path.c_str(), "rb");
        ASSERT_NE(f, nullptr);
        uint32_t header[6];
        ASSERT_EQ(std::fread(header, 4, 6, f), 6u);
        std::fclose(f);
        EXPECT_EQ(header[0], 0xa1b2c3d4u);  // microsecond timestamps
        EXPECT_EQ(header[5], 101u);         // LINKTYPE_RAW on the file
    }
    Tins::FileSniffer sniffer(path);
    std::vector<Tins::Packet> packets;
    for (int i = 0; i < 10; ++i) {
        Tins::Packet p = sniffer.next_packet();
        if (!p) break;
        packets.push_back(p);
    }
    ASSERT_EQ(packets.size(), 3u);
    EXPECT_EQ(sniffer.link_type(), DLT_RAW);  // libpcap maps LINKTYPE_RAW (101) to DLT_RAW
    EXPECT_EQ(packets[0].timestamp().seconds(), 1);
    EXPECT_EQ(packets[0].timestamp().microseconds(), 500000);
    EXPECT_EQ(packets[1].timestamp().seconds(), 2);
    EXPECT_EQ(packets[1].timestamp().microseconds(), 250);
    const Tins::IP* got = packets[0].pdu()->find_pdu<Tins::IP>();
    ASSERT_NE(got, nullptr);
    EXPECT_EQ(got->src_addr(), Tins::IPv4Address("10.0.0.2"));
    const Tins::TCP* tcp = got->find_pdu<Tins::TCP>();
    ASSERT_NE(tcp, nullptr);
    EXPECT_EQ(tcp->dport(), 40000);
    std::remove(path.c_str());
}

TEST(PcapLink, RecordsBothDirections) {
    std::string path = temp_path("ustack_pcaplink");
    auto [a, b] = MemoryLink::make_pair(1500);
    {
        PcapWriter w(path);
        PcapLink captured(*a, w);
        std::vector<uint8_t> buf(1500);
        auto out = (Tins::IP("10.0.0.1", "10.0.0.2") / Tins::TCP(1, 2)).serialize();
        auto in = (Tins::IP("10.0.0.2", "10.0.0.1") / Tins::TCP(2, 1)).serialize();
        captured.transmit(out, Instant(1s));
        b->transmit(in, Instant(2s));
        ASSERT_TRUE(captured.receive(buf, Instant(2s)));
        EXPECT_FALSE(captured.receive(buf, Instant(2s)));
        EXPECT_EQ(w.packets_written(), 2u);
    }
    Tins::FileSniffer sniffer(path);
    std::vector<uint16_t> dports;
    while (Tins::Packet p = sniffer.next_packet()) dports.push_back(p.pdu()->rfind_pdu<Tins::TCP>().dport());
    EXPECT_EQ(dports, (std::vector<uint16_t>{1, 2}));
    std::remove(path.c_str());
}

// Sends `n` numbered packets through a fault injector at 1 ms spacing and
// returns the numbers the far end received, in arrival order.
std::vector<uint32_t> run_through(const FaultConfig& config, uint32_t n, FaultCounters* counters = nullptr) {
    auto [a, b] = MemoryLink::make_pair(1500);
    FaultInjector faulty(*a, config);
    std::vector<uint32_t> out;
    std::vector<uint8_t> buf(1500);
    Instant now{};
    auto drain = [&] {
        faulty.poll(now);
        while (auto len = b->receive(buf, now)) out.push_back(number_of(buf));
    };
    for (uint32_t i = 0; i < n; ++i) {
        faulty.transmit(numbered_packet(i), now);
        drain();
        now += 1ms;
    }
    while (auto d = faulty.next_deadline()) {
        now = std::max(now, *d);
        drain();
    }
    if (counters) *counters = faulty.counters();
    return out;
}

TEST(FaultInjector, SameSeedSameOutcome) {
    FaultConfig c;
    c.seed = 42;
    c.loss_percent = 10;
    c.duplicate_percent = 5;
    c.delay = 2ms;
    c.jitter = 4ms;
    c.reorder_percent = 5;
    auto first = run_through(c, 2000);
    auto second = run_through(c, 2000);
    EXPECT_EQ(first, second);
    c.seed = 43;
    auto other = run_through(c, 2000);
    EXPECT_NE(first, other);
}

TEST(FaultInjector, LossAndDuplicateRatesNearConfigured) {
    FaultConfig c;
    c.seed = 7;
    c.loss_percent = 10;
    FaultCounters k;
    auto out = run_through(c, 10000, &k);
    EXPECT_EQ(k.packets, 10000u);
    EXPECT_EQ(out.size(), 10000u - k.dropped);
    EXPECT_NEAR(double(k.dropped) / 10000.0, 0.10, 0.015);

    c.loss_percent = 0;
    c.duplicate_percent = 20;
    out = run_through(c, 10000, &k);
    EXPECT_EQ(out.size(), 10000u + k.duplicated);
    EXPECT_NEAR(double(k.duplicated) / 10000.0, 0.20, 0.02);
}

TEST(FaultInjector, DelayHoldsPacketsUntilDeadline) {
    auto [a, b] = MemoryLink::make_pair(1500);
    FaultConfig c;
    c.delay = 10ms;
    FaultInjector faulty(*a, c);
    std::vector<uint8_t> buf(1500);
    Instant t0 = Instant(1s);
    faulty.transmit(numbered_packet(1), t0);
    EXPECT_FALSE(b->receive(buf, t0));
    ASSERT_TRUE(faulty.next_deadline());
    EXPECT_EQ(*faulty.next_deadline(), t0 + 10ms);
    faulty.poll(t0 + 9ms);
    EXPECT_FALSE(b->receive(buf, t0 + 9ms));
    faulty.poll(t0 + 10ms);
    EXPECT_TRUE(b->receive(buf, t0 + 10ms));
    EXPECT_FALSE(faulty.next_deadline());
}

TEST(FaultInjector, JitterReordersButLosesNothing) {
    FaultConfig c;
    c.seed = 3;
    c.jitter = 5ms;
    c.reorder_percent = 10;
    auto out = run_through(c, 1000);
    ASSERT_EQ(out.size(), 1000u);
    EXPECT_FALSE(std::is_sorted(out.begin(), out.end()));
    std::sort(out.begin(), out.end());
    std::vector<uint32_t> all(1000);
    std::iota(all.begin(), all.end(), 0u);
    EXPECT_EQ(out, all);
}

TEST(FaultInjector, ReceiveSideLossAndDelay) {
    auto [a, b] = MemoryLink::make_pair(1500);
    FaultConfig c;
    c.on_transmit = false;
    c.delay = 3ms;
    FaultInjector faulty(*b, c);
    std::vector<uint8_t> buf(1500);
    a->transmit(numbered_packet(4), Instant(1s));
    EXPECT_FALSE(faulty.receive(buf, Instant(1s)));  // pulled from the wire, held
    EXPECT_EQ(faulty.held(), 1u);
    auto n = faulty.receive(buf, Instant(1s) + 3ms);
    ASSERT_TRUE(n);
    EXPECT_EQ(number_of(buf), 4u);
}

}  // namespace
}  // namespace ustack::link
