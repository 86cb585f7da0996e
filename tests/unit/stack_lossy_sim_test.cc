// Two whole stacks on a virtual clock joined by a seeded lossy, jittery,
// reordering wire: the deterministic twin of asio_fault_test. Every seed must
// deliver every byte both ways (RFC 6298 retransmission, RFC 5681 recovery);
// a stall shows up here as a failure with its seed, repeatable at once.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "stack/stack.h"
#include "tcp/isn.h"
#include "tests/harness/pattern.h"

namespace ustack {
namespace {

using namespace std::chrono_literals;

struct WireConfig {
    double loss = 0.05;           // per packet, each direction
    Duration base_delay = 100us;  // one-way
    Duration jitter = 2ms;        // plus uniform [0, jitter]
    double reorder = 0.05;        // held back an extra reorder_delay
    Duration reorder_delay = 3ms;
    double duplicate = 0;         // delivered twice
    std::optional<Duration> r2;   // TcpConfig::r2_timeout of both stacks (unset: the default)
    bool sack = true;             // TcpConfig::sack of both stacks (RFC 2018)
    tcp::CongestionAlgorithm congestion = tcp::CongestionAlgorithm::Cubic;
    bool default_rto = false;     // TcpConfig's RTO defaults instead of a 200 ms initial RTO
};

// Packets in flight between the two stacks, released in time order.
class Wire {
public:
    Wire(uint64_t seed, WireConfig cfg) : rng_(seed), cfg_(cfg) {}

    bool trace = false;
    void send(int to, std::span<const uint8_t> p, Instant now) {
        ++sent_;
        bool drop = uniform() < cfg_.loss;
        if (trace) {
            size_t ihl = (p[0] & 15) * 4;
            auto u32 = [&](size_t o) { return (uint32_t(p[o]) << 24) | (uint32_t(p[o + 1]) << 16) | (uint32_t(p[o + 2]) << 8) | p[o + 3]; };
            size_t doff = (p[ihl + 12] >> 4) * 4;
            size_t len = ((p[2] << 8) | p[3]) - ihl - doff;
            uint8_t fl = p[ihl + 13];
            uint32_t tsval = 0, tsecr = 0;
            for (size_t o = ihl + 20; o < ihl + doff;) {
                if (p[o] == 0) break;
                if (p[o] == 1) { ++o; continue; }
                if (p[o] == 8) { tsval = u32(o + 2); tsecr = u32(o + 6); }
                o += std::max<size_t>(p[o + 1], 2);
            }
            fprintf(stderr, "%10.6f %s seq=%u ack=%u len=%zu win=%u fl=%02x ts=%u/%u%s\n",
                    std::chrono::duration<double>(now - Instant{}).count(), to == 1 ? "A>B" : "B>A",
                    u32(ihl + 4), u32(ihl + 8), len, (p[ihl + 14] << 8) | p[ihl + 15], fl, tsval, tsecr, drop ? " DROPPED" : "");
        }
        if (drop) {
            ++dropped_;
            return;
        }
        Duration d = cfg_.base_delay + std::chrono::duration_cast<Duration>(cfg_.jitter * uniform());
        if (uniform() < cfg_.reorder) d += cfg_.reorder_delay;
        in_flight_.emplace(std::make_pair(now + d, order_++), Packet{to, {p.begin(), p.end()}});
        if (uniform() < cfg_.duplicate) in_flight_.emplace(std::make_pair(now + d + 1ms, order_++), Packet{to, {p.begin(), p.end()}});
    }
    std::optional<Instant> next() const {
        if (in_flight_.empty()) return std::nullopt;
        return in_flight_.begin()->first.first;
    }
    template <class F>
    void deliver_due(Instant now, F&& f) {
        while (!in_flight_.empty() && in_flight_.begin()->first.first <= now) {
            auto node = in_flight_.extract(in_flight_.begin());
            f(node.mapped().to, node.mapped().bytes);
        }
    }
    uint64_t dropped() const { return dropped_; }

private:
    struct Packet {
        int to;
        std::vector<uint8_t> bytes;
    };
    double uniform() { return std::uniform_real_distribution<double>(0, 1)(rng_); }
    std::mt19937_64 rng_;
    WireConfig cfg_;
    std::multimap<std::pair<Instant, uint64_t>, Packet> in_flight_;
    uint64_t order_ = 0, sent_ = 0, dropped_ = 0;
};

class WireSink : public PacketSink {
public:
    WireSink(Wire& w, int to, const Instant& now) : wire_(w), to_(to), now_(now) {}
    void send_packet(std::span<const uint8_t> p) override { wire_.send(to_, p, now_); }

private:
    Wire& wire_;
    int to_;
    const Instant& now_;
};

StackConfig config(wire::Ipv4Address addr, const WireConfig& wc) {
    StackConfig c;
    c.addr = addr;
    if (wc.r2) c.tcp.r2_timeout = *wc.r2;
    c.tcp.sack = wc.sack;
    c.tcp.congestion = wc.congestion;
    if (!wc.default_rto) {
        c.tcp.rto_initial = 200ms;
        c.tcp.rto_min = 200ms;
    }
    return c;
}

using ustack::testing::pattern;

struct Outcome {
    bool done = false;
    std::string why;
    double seconds = 0;
    uint64_t dropped = 0, retransmissions = 0;
};

// Moves up_size bytes A->B and down_size bytes B->A at once, like the Asio test.
Outcome run_transfer(uint64_t seed, WireConfig wc, size_t up_size, size_t down_size) {
    Instant now{};
    Wire wire(seed, wc);
    wire.trace = getenv("SIM_TRACE") && std::to_string(seed) == getenv("SIM_TRACE");
    WireSink to_b(wire, 1, now), to_a(wire, 0, now);
    tcp::FixedIsn isn_a(1000), isn_b(5000000);
    const wire::Ipv4Address A(10, 0, 0, 1), B(10, 0, 0, 2);
    Stack a(config(A, wc), isn_a, to_b), b(config(B, wc), isn_b, to_a);
    auto listener = b.tcp().listen({B, 80}, 8);
    auto client = a.tcp().connect(A, {B, 80}, now);
    std::shared_ptr<tcp::Connection> server;
    auto up = pattern(up_size, 5), down = pattern(down_size, 6);
    std::vector<uint8_t> got_up, got_down, buf(65536);
    size_t sent_up = 0, sent_down = 0;
    const Instant end = now + 1200s;
    Outcome out;
    while (now < end) {
        wire.deliver_due(now, [&](int to, const std::vector<uint8_t>& p) { (to == 1 ? b : a).receive(p, now); });
        a.poll(now);
        b.poll(now);
        if (!server) server = listener->accept();
        // The applications: write what fits, read what is there.
        if (client->state() == tcp::State::Established || client->state() == tcp::State::CloseWait) {
            if (sent_up < up.size()) sent_up += client->send(std::span(up).subspan(sent_up), now);
            size_t n;
            while ((n = client->receive(buf, now)) > 0) got_down.insert(got_down.end(), buf.begin(), buf.begin() + n);
        }
        if (server) {
            if (sent_down < down.size()) sent_down += server->send(std::span(down).subspan(sent_down), now);
            size_t n;
            while ((n = server->receive(buf, now)) > 0) got_up.insert(got_up.end(), buf.begin(), buf.begin() + n);
        }
        if (client->error() != tcp::TcpError::None || (server && server->error() != tcp::TcpError::None)) {
            tcp::TcpError e = client->error() != tcp::TcpError::None ? client->error() : server->error();
            out.why = "connection failed: " + std::string(to_string(e));
            break;
        }
        if (got_up.size() == up.size() && got_down.size() == down.size()) {
            out.done = true;
            break;
        }
        // Advance the virtual clock to the next event.
        std::optional<Instant> next = wire.next();
        for (auto d : {a.next_deadline(), b.next_deadline()})
            if (d && (!next || *d < *next)) next = d;
        if (!next) {
            out.why = "no event pending: deadlock";
            break;
        }
        now = std::max(*next, now + 1us);
    }
    if (!out.done && out.why.empty()) out.why = "not finished in 1200 s of virtual time";
    if (out.done && (got_up != up || got_down != down)) {
        out.done = false;
        out.why = "bytes differ";
    }
    out.seconds = std::chrono::duration<double>(now - Instant{}).count();
    out.dropped = wire.dropped();
    out.retransmissions = a.tcp().counters().retransmissions + b.tcp().counters().retransmissions;
    if (!out.done) {
        auto sc = client->snapshot();
        out.why += " client=" + std::string(to_string(client->state()));
        (void)sc;
        if (server) out.why += " server=" + std::string(to_string(server->state()));
        out.why += " up=" + std::to_string(got_up.size()) + " down=" + std::to_string(got_down.size());
    }
    return out;
}

int failures_over_seeds(uint64_t seeds, WireConfig wc, size_t up, size_t down) {
    // USTACK_SIM_SEEDS=N widens the sweep for a soak run (default: the CI count).
    if (const char* n = getenv("USTACK_SIM_SEEDS")) seeds = std::strtoull(n, nullptr, 10);
    int failures = 0;
    for (uint64_t seed = 1; seed <= seeds; ++seed) {
        Outcome o = run_transfer(seed, wc, up, down);
        if (!o.done) {
            ++failures;
            ADD_FAILURE() << "seed " << seed << ": " << o.why << " after " << o.seconds << " s (dropped "
                          << o.dropped << ", retransmissions " << o.retransmissions << ")";
        }
    }
    return failures;
}

TEST(LossySim, FivePercentLossAndReordering_ManySeeds_AllBytesDelivered) {
    EXPECT_EQ(failures_over_seeds(40, WireConfig{}, 1024 * 1024, 256 * 1024), 0);
}

// The same seeds with and without SACK: RFC 6675 recovery repairs several
// losses per window in about one RTT where NewReno needs one RTT per hole
// (or a timeout), so the total virtual time must not be longer with SACK.
TEST(LossySim, FivePercentLoss_SackRecoveryNoSlowerThanNewReno) {
    WireConfig wc;
    wc.base_delay = 10ms;  // 20 ms RTT: recovery rounds show in the time
    double t[2] = {0, 0};
    uint64_t rtx[2] = {0, 0};
    for (int sack = 0; sack < 2; ++sack) {
        wc.sack = sack == 1;
        for (uint64_t seed = 1; seed <= 20; ++seed) {
            Outcome o = run_transfer(seed, wc, 1024 * 1024, 0);
            ASSERT_TRUE(o.done) << "seed " << seed << " sack " << sack << ": " << o.why;
            t[sack] += o.seconds;
            rtx[sack] += o.retransmissions;
        }
    }
    std::printf("1 MiB, 5%% loss, 20 ms RTT, 20 seeds, CUBIC: NewReno %.2f s (%llu retransmissions), SACK %.2f s (%llu)\n",
                t[0] / 20, (unsigned long long)rtx[0], t[1] / 20, (unsigned long long)rtx[1]);
    EXPECT_LE(t[1], t[0]);
}

TEST(LossySim, TwentyPercentLossWithDuplicates_ManySeeds_AllBytesDelivered) {
    WireConfig wc;
    wc.loss = 0.20;
    wc.duplicate = 0.02;
    // A segment and its ACK each survive with p = 0.8, so a retry works with
    // p = 0.64, and the backed-off RTO leaves few retries inside the RFC's
    // minimum R2 of 100 s: with R2 = 100 s alone, 34 of 10000 seeds died by
    // R2 (3 of the first 400). The default R2 models Linux's tcp_retries2 =
    // 15 (522 s with these RTO bounds): every seed must finish, so recovery
    // itself must never stall (USTACK_SIM_SEEDS=10000 for the soak).
    EXPECT_EQ(failures_over_seeds(40, wc, 128 * 1024, 64 * 1024), 0);
}

TEST(LossySim, LongDelayAndHeavyReordering_ManySeeds_AllBytesDelivered) {
    WireConfig wc;
    wc.loss = 0.02;
    wc.base_delay = 20ms;
    wc.jitter = 10ms;
    wc.reorder = 0.2;
    wc.reorder_delay = 15ms;
    EXPECT_EQ(failures_over_seeds(20, wc, 1024 * 1024, 1024 * 1024), 0);
}

// The sender's loss and reordering performance, one direction (A sends
// `size` to B), mean virtual completion time over seeds on a 2 ms RTT path
// with no jitter. A measurement, not a check: run it with
//   build/tests/test_stack --gtest_also_run_disabled_tests --gtest_filter='*Bench*'
// (USTACK_SIM_SEEDS=N seeds, default 10).
TEST(LossySim, DISABLED_Bench_CompletionTimes) {
    uint64_t seeds = 10;
    if (const char* n = getenv("USTACK_SIM_SEEDS")) seeds = std::strtoull(n, nullptr, 10);
    struct Row {
        size_t size;
        double loss, reorder;
    };
    const Row rows[] = {{1 << 20, 0.05, 0}, {1 << 20, 0.10, 0}, {1 << 20, 0.20, 0}, {4 << 20, 0.05, 0},
                        {4 << 20, 0.10, 0}, {4 << 20, 0.20, 0}, {1 << 20, 0, 0.05}, {4 << 20, 0, 0.05}};
    for (const Row& r : rows) {
        WireConfig wc;
        wc.loss = r.loss;
        wc.reorder = r.reorder;
        wc.reorder_delay = 3ms;
        wc.base_delay = 1ms;
        wc.jitter = 0ms;
        wc.r2 = 900s;
        wc.default_rto = true;  // as the loss matrix runs it
        double t = 0, worst = 0;
        uint64_t rtx = 0;
        int failed = 0;
        for (uint64_t seed = 1; seed <= seeds; ++seed) {
            Outcome o = run_transfer(seed, wc, r.size, 0);
            if (!o.done) ++failed;
            t += o.seconds;
            worst = std::max(worst, o.seconds);
            rtx += o.retransmissions;
        }
        std::printf("bench %4zu KiB loss %2.0f%% reorder %2.0f%%: mean %7.3f s, worst %7.3f s, %6.1f rtx/run, %d failed\n",
                    r.size / 1024, r.loss * 100, r.reorder * 100, t / double(seeds), worst,
                    double(rtx) / double(seeds), failed);
        EXPECT_EQ(failed, 0);
    }
}

}  // namespace
}  // namespace ustack
