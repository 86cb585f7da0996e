// Counts heap allocations on the data path once warmed up (there must be none):
// ICMP echo through the EventLoop, bulk TCP between two bare Stacks (IPv4 + TCP
// core, with and without loss), and TCP through the Asio shell's TcpStream, bulk
// and one segment per operation. Replaces the global operator new for this test
// binary (counting only while armed).
#include <gtest/gtest.h>

#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <array>
#include <new>
#include <span>
#include <vector>

#include "stack/asio/event_loop.h"
#include "stack/link/socketpair_link.h"
#include "stack/stack.h"
#include "stack/wire/icmp.h"
#include "stack/wire/ipv4.h"
#include "tcp/asio/tcp_acceptor.h"
#include "tcp/asio/tcp_stream.h"
#include "tests/unit/asio_two_stacks.h"

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

// A lossless (or every-Nth-packet-dropping) wire between two Stacks whose
// buffers are all allocated up front: a ring of fixed packet slots per direction.
class RingWire {
public:
    struct Dir : PacketSink {
        RingWire* wire = nullptr;
        int to = 0;
        void send_packet(std::span<const uint8_t> p) override { wire->push(to, p); }
    };
    explicit RingWire(size_t drop_every) : drop_every_(drop_every) {
        for (int i = 0; i < 2; ++i) {
            dir_[i].wire = this;
            dir_[i].to = i;
        }
        for (auto& q : queue_) q.slots.resize(4096);
    }
    PacketSink& toward(int to) { return dir_[to]; }
    // Delivers every queued packet, in order, to stacks[to]; returns how many.
    size_t deliver(Stack* stacks[2], Instant now) {
        size_t n = 0;
        for (int to = 0; to < 2; ++to) {
            Queue& q = queue_[to];
            while (q.head != q.tail) {
                Slot& s = q.slots[q.head++ % q.slots.size()];
                stacks[to]->receive(std::span(s.bytes.data(), s.len), now);
                ++n;
            }
        }
        return n;
    }
    uint64_t dropped = 0;
    bool overflowed = false;

private:
    struct Slot {
        std::array<uint8_t, 1500> bytes;
        size_t len = 0;
    };
    struct Queue {
        std::vector<Slot> slots;
        uint64_t head = 0, tail = 0;
    };
    void push(int to, std::span<const uint8_t> p) {
        Queue& q = queue_[to];
        if (drop_every_ && ++count_ % drop_every_ == 0) {
            ++dropped;
            return;
        }
        if (q.tail - q.head == q.slots.size() || p.size() > 1500) {
            overflowed = true;
            return;
        }
        Slot& s = q.slots[q.tail++ % q.slots.size()];
        std::copy(p.begin(), p.end(), s.bytes.begin());
        s.len = p.size();
    }
    size_t drop_every_;
    uint64_t count_ = 0;
    Dir dir_[2];
    Queue queue_[2];
};

// Moves `bytes` each way between two bare Stacks on a manual clock (warm-up:
// the same first), counting allocations in the measured transfer only.
struct BareTransfer {
    bool done = false;
    uint64_t allocations = 0, dropped = 0, retransmissions = 0;
};
BareTransfer bare_stack_transfer(size_t bytes, size_t drop_every) {
    RingWire wire(drop_every);
    tcp::FixedIsn isn_a(1000), isn_b(5000000);
    StackConfig ca, cb;
    ca.addr = wire::Ipv4Address(10, 0, 0, 1);
    cb.addr = wire::Ipv4Address(10, 0, 0, 2);
    Stack a(ca, isn_a, wire.toward(1)), b(cb, isn_b, wire.toward(0));
    Stack* stacks[2] = {&a, &b};
    Instant now{};
    auto listener = b.tcp().listen({cb.addr, 80}, 8);
    auto client = a.tcp().connect(ca.addr, {cb.addr, 80}, now);
    std::shared_ptr<tcp::Connection> server;
    std::vector<uint8_t> out(bytes, 0x5a), in(65536);
    BareTransfer r;
    auto move_both_ways = [&] {
        size_t up = 0, down = 0, got_up = 0, got_down = 0;
        for (int steps = 0; steps < 10'000'000; ++steps) {
            size_t delivered = wire.deliver(stacks, now);
            a.poll(now);
            b.poll(now);
            if (!server) server = listener->accept();
            if (!server || client->state() != tcp::State::Established) {
                if (!delivered) now += 1ms;
                continue;
            }
            if (up < bytes) up += client->send(std::span(out).subspan(up), now);
            if (down < bytes) down += server->send(std::span(out).subspan(down), now);
            for (size_t n; (n = server->receive(in, now)) > 0;) got_up += n;
            for (size_t n; (n = client->receive(in, now)) > 0;) got_down += n;
            if (got_up == bytes && got_down == bytes) return true;
            if (delivered) continue;
            // Nothing on the wire: jump to the next deadline (delayed ACK, RTO).
            std::optional<Instant> next = a.next_deadline();
            if (auto d = b.next_deadline(); d && (!next || *d < *next)) next = d;
            if (!next) return false;
            now = std::max(*next, now + 1us);
        }
        return false;
    };
    // One octet each way, then the clock runs through every deadline: the delayed ACKs
    // fire, so each layer's list of due timers has grown once (its first expiry allocates).
    auto fire_timers = [&] {
        uint8_t one = 1;
        client->send(std::span(&one, 1), now);
        server->send(std::span(&one, 1), now);
        for (int i = 0; i < 100; ++i) {
            wire.deliver(stacks, now);
            for (size_t n; (n = server->receive(in, now)) > 0;) {}
            for (size_t n; (n = client->receive(in, now)) > 0;) {}
            std::optional<Instant> next = a.next_deadline();
            if (auto d = b.next_deadline(); d && (!next || *d < *next)) next = d;
            if (!next) break;
            now = std::max(*next, now);
            a.poll(now);
            b.poll(now);
        }
    };
    // Warm-up, twice (the drops fall elsewhere the second time): connection buffers,
    // the timer heap, the scoreboard and reassembler, the first growth of every vector.
    if (!move_both_ways() || !move_both_ways()) return r;
    fire_timers();
    {
        Counting c;
        r.done = move_both_ways();
        r.allocations = c.count();
    }
    r.done = r.done && !wire.overflowed;
    r.dropped = wire.dropped;
    r.retransmissions = a.tcp().counters().retransmissions + b.tcp().counters().retransmissions;
    return r;
}

// The "no per-packet heap allocation" rule for the stack itself: IPv4 input and
// output, the TCP core, its timers and its outbox, over thousands of segments.
TEST(DataPathAllocations, BareStacks_BulkTcpBothWays_NoneAfterWarmup) {
    if (!USTACK_COUNT_ALLOCATIONS) GTEST_SKIP() << "allocation counting is off under AddressSanitizer";
    BareTransfer r = bare_stack_transfer(8 * 1024 * 1024, 0);
    ASSERT_TRUE(r.done);
    EXPECT_EQ(r.allocations, 0u) << "heap allocations while moving 8 MiB each way (about 11500 segments)";
}

// The same with every 97th packet lost: retransmission, SACK scoreboard,
// reassembly of out-of-order segments and recovery must not allocate either.
TEST(DataPathAllocations, BareStacks_BulkTcpWithLoss_NoneAfterWarmup) {
    if (!USTACK_COUNT_ALLOCATIONS) GTEST_SKIP() << "allocation counting is off under AddressSanitizer";
    BareTransfer r = bare_stack_transfer(4 * 1024 * 1024, 97);
    ASSERT_TRUE(r.done);
    ASSERT_GT(r.dropped, 50u);
    ASSERT_GT(r.retransmissions, 0u);
    RecordProperty("retransmissions", std::to_string(r.retransmissions));
    EXPECT_EQ(r.allocations, 0u) << "heap allocations while moving 4 MiB each way with " << r.dropped
                                 << " packets lost";
}

// TcpStreams between two EventLoops (tests/unit/asio_two_stacks.h).
using StreamAllocations = testkit::TwoStacks;

TEST_F(StreamAllocations, BulkTcpStream_NoneAfterWarmup) {
    if (!USTACK_COUNT_ALLOCATIONS) GTEST_SKIP() << "allocation counting is off under AddressSanitizer";
    TcpAcceptor acceptor(*b_, {testkit::kB, 80});
    TcpStream client(*a_), server(*b_);
    bool up = false;
    connect_pair(client, server, acceptor);
    std::vector<uint8_t> out(8 * 1024 * 1024, 0x5a), in(out.size());
    size_t done = 0;
    auto transfer = [&](size_t bytes) {
        done = 0;
        asio::async_write(client, asio::buffer(out.data(), bytes), [&](error_code, size_t) { ++done; });
        asio::async_read(server, asio::buffer(in.data(), bytes), [&](error_code, size_t) { ++done; });
        return run_until([&] { return done == 2; }, 20s);
    };
    // Warm-up of the same size: the rings grow in doubling steps with the
    // windows (per connection, not per packet) and must be grown before counting.
    ASSERT_TRUE(transfer(out.size()));
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
    EXPECT_EQ(allocations, 0u) << allocations << " allocations for " << segments << " segments";
}

// Reads and writes of one segment's worth at a time (request/response sized): one
// completion per packet, so any allocation per operation is one per packet. (Posting a
// completion to an any_io_executor cost two: Asio 1.81 converts it to the
// any_completion_handler's any_completion_executor on the heap; StreamCore::complete
// posts to the io_context's own executor type instead.)
struct Pump {
    TcpStream& stream;
    uint8_t* data;
    size_t left;
    bool write;
    uint64_t* ops;
    bool* done;
    void start() {
        auto b = asio::buffer(data, std::min<size_t>(left, 1460));
        if (write) stream.async_write_some(b, *this);
        else stream.async_read_some(b, *this);
    }
    void operator()(error_code ec, size_t n) {
        ++*ops;
        data += n;
        left -= n;
        if (ec || left == 0) *done = !ec;
        else start();
    }
};

TEST_F(StreamAllocations, TcpStream_SegmentSizedOperations_NoneAfterWarmup) {
    if (!USTACK_COUNT_ALLOCATIONS) GTEST_SKIP() << "allocation counting is off under AddressSanitizer";
    TcpAcceptor acceptor(*b_, {testkit::kB, 80});
    TcpStream client(*a_), server(*b_);
    connect_pair(client, server, acceptor);
    std::vector<uint8_t> out(1024 * 1024, 0x5a), in(out.size());
    uint64_t ops = 0;
    bool wrote = false, read = false;
    auto transfer = [&](size_t bytes) {
        ops = 0;
        wrote = read = false;
        Pump{client, out.data(), bytes, true, &ops, &wrote}.start();
        Pump{server, in.data(), bytes, false, &ops, &read}.start();
        return run_until([&] { return wrote && read; }, 20s);
    };
    ASSERT_TRUE(transfer(256 * 1024));  // warm-up
    uint64_t allocations;
    bool up;
    {
        Counting c;
        up = transfer(out.size());
        allocations = c.count();
    }
    ASSERT_TRUE(up);
    RecordProperty("allocations", std::to_string(allocations));
    RecordProperty("operations", std::to_string(ops));
    EXPECT_GE(ops, 2 * out.size() / 1460);
    EXPECT_EQ(allocations, 0u) << allocations << " allocations for " << ops << " operations";
}

}  // namespace
}  // namespace ustack::net
