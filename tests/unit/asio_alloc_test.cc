// Counts heap allocations on the data path once warmed up: ICMP echo through
// the EventLoop, and a bulk TCP stream between two stacks. Replaces the
// global operator new for this test binary (counting only while armed).
#include <gtest/gtest.h>

#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <new>
#include <vector>

#include "stack/asio/event_loop.h"
#include "stack/link/socketpair_link.h"
#include "stack/wire/icmp.h"
#include "stack/wire/ipv4.h"
#include "tcp/asio/tcp_acceptor.h"
#include "tcp/asio/tcp_stream.h"

// GCC 12 sees malloc/free inside the replaced new/delete and warns about a
// mismatch it cannot prove; the pair below is consistent.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

namespace {
std::atomic<bool> g_counting{false};
std::atomic<uint64_t> g_allocations{0};
}  // namespace

// AddressSanitizer owns operator new in sanitizer builds; counting is skipped there.
#if defined(__SANITIZE_ADDRESS__)
#define USTACK_COUNT_ALLOCATIONS 0
#else
#define USTACK_COUNT_ALLOCATIONS 1
void* operator new(std::size_t n) {
    if (g_counting.load(std::memory_order_relaxed)) g_allocations.fetch_add(1, std::memory_order_relaxed);
    if (void* p = std::malloc(n ? n : 1)) return p;
    throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
#endif

namespace ustack::net {
namespace {

namespace asio = boost::asio;
using boost::system::error_code;
using namespace std::chrono_literals;

struct Counting {
    Counting() {
        g_allocations = 0;
        g_counting = true;
    }
    ~Counting() { g_counting = false; }
    uint64_t count() const { return g_allocations.load(); }
};

std::vector<uint8_t> echo_request(uint16_t seq) {
    std::vector<uint8_t> p(20 + 8 + 56);
    const uint8_t data[56] = {};
    size_t n = wire::emit_icmp(std::span<uint8_t>(p).subspan(20), wire::ICMP_ECHO_REQUEST, 0, seq, data);
    wire::Ipv4Header h;
    h.src = wire::Ipv4Address(10, 0, 0, 1);
    h.dst = wire::Ipv4Address(10, 0, 0, 2);
    h.protocol = wire::IP_PROTO_ICMP;
    h.payload_len = uint16_t(n);
    wire::emit_ipv4_header(p, h);
    return p;
}

TEST(DataPathAllocations, IcmpEchoThroughEventLoop_NoneAfterWarmup) {
    if (!USTACK_COUNT_ALLOCATIONS) GTEST_SKIP() << "allocation counting is off under AddressSanitizer";
    asio::io_context io;
    auto [peer, ours] = link::make_socketpair_links(1500);
    tcp::FixedIsn isn(1);
    StackConfig cfg;
    cfg.addr = wire::Ipv4Address(10, 0, 0, 2);
    EventLoop loop(io, *ours, cfg, isn);
    loop.start();
    std::vector<std::vector<uint8_t>> requests;
    for (uint16_t i = 0; i < 400; ++i) requests.push_back(echo_request(i));
    std::vector<uint8_t> buf(2000);
    auto exchange = [&](size_t first, size_t count) {
        for (size_t i = first; i < first + count; ++i) peer->transmit(requests[i], Instant{});
        size_t got = 0;
        auto end = std::chrono::steady_clock::now() + 5s;
        while (got < count && std::chrono::steady_clock::now() < end) {
            io.run_one_for(5ms);
            while (peer->receive(buf, Instant{})) ++got;
        }
        return got;
    };
    ASSERT_EQ(exchange(0, 200), 200u);  // warm up Asio's handler recycling
    uint64_t allocations;
    {
        Counting c;
        ASSERT_EQ(exchange(200, 200), 200u);
        allocations = c.count();
    }
    EXPECT_EQ(allocations, 0u) << "heap allocations while echoing 200 packets";
}

TEST(DataPathAllocations, BulkTcpStream_FarFewerThanSegments) {
    if (!USTACK_COUNT_ALLOCATIONS) GTEST_SKIP() << "allocation counting is off under AddressSanitizer";
    asio::io_context io;
    auto [la, lb] = link::make_socketpair_links(1500);
    tcp::FixedIsn isn_a(1), isn_b(99);
    StackConfig ca, cb;
    ca.addr = wire::Ipv4Address(10, 0, 0, 1);
    cb.addr = wire::Ipv4Address(10, 0, 0, 2);
    EventLoop a(io, *la, ca, isn_a), b(io, *lb, cb, isn_b);
    a.start();
    b.start();
    TcpAcceptor acceptor(b, {cb.addr, 80});
    TcpStream client(a), server(b);
    bool up = false;
    int connected = 0;
    acceptor.async_accept(server, [&](error_code) { ++connected; });
    client.async_connect({cb.addr, 80}, [&](error_code) { ++connected; });
    auto run_until = [&](const std::function<bool()>& done) {
        auto end = std::chrono::steady_clock::now() + 20s;
        while (!done() && std::chrono::steady_clock::now() < end) io.run_one_for(10ms);
        return done();
    };
    ASSERT_TRUE(run_until([&] { return connected == 2; }));
    std::vector<uint8_t> out(8 * 1024 * 1024, 0x5a), in(out.size());
    size_t done = 0;
    auto transfer = [&](size_t bytes) {
        done = 0;
        asio::async_write(client, asio::buffer(out.data(), bytes), [&](error_code, size_t) { ++done; });
        asio::async_read(server, asio::buffer(in.data(), bytes), [&](error_code, size_t) { ++done; });
        return run_until([&] { return done == 2; });
    };
    ASSERT_TRUE(transfer(1024 * 1024));  // warm-up
    uint64_t allocations;
    {
        Counting c;
        up = transfer(out.size());
        allocations = c.count();
    }
    ASSERT_TRUE(up);
    uint64_t segments = out.size() / 1460;
    RecordProperty("allocations", std::to_string(allocations));
    RecordProperty("segments", std::to_string(segments));
    // Composed reads/writes allocate per operation (asio), never per packet.
    EXPECT_LT(allocations, segments / 10) << allocations << " allocations for " << segments << " segments";
}

}  // namespace
}  // namespace ustack::net
