// The --fault text form (stack/link/fault_spec.h): every key, the errors, the
// round trip, and that a parsed spec drives a FaultInjector as configured.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "stack/link/fault_injector.h"
#include "stack/link/fault_spec.h"
#include "stack/link/memory_link.h"

namespace ustack::link {
namespace {

using namespace std::chrono_literals;

FaultConfig parse_ok(std::string_view text) {
    std::string error;
    auto c = parse_fault_spec(text, &error);
    EXPECT_TRUE(c) << text << ": " << error;
    return c.value_or(FaultConfig{});
}

std::string parse_error(std::string_view text) {
    std::string error;
    auto c = parse_fault_spec(text, &error);
    EXPECT_FALSE(c) << text << " was accepted";
    EXPECT_FALSE(error.empty());
    return error;
}

TEST(FaultSpec, ParsesEveryKey) {
    FaultConfig c =
        parse_ok("loss=2, delay=10ms,jitter=2ms,reorder=5,dup=1.5,seed=7,reorder_delay=750us,dir=tx,slots=4096");
    EXPECT_DOUBLE_EQ(c.loss_percent, 2);
    EXPECT_EQ(c.delay, 10ms);
    EXPECT_EQ(c.jitter, 2ms);
    EXPECT_DOUBLE_EQ(c.reorder_percent, 5);
    EXPECT_DOUBLE_EQ(c.duplicate_percent, 1.5);
    EXPECT_EQ(c.seed, 7u);
    EXPECT_EQ(c.reorder_delay, 750us);
    EXPECT_TRUE(c.on_transmit);
    EXPECT_FALSE(c.on_receive);
    EXPECT_EQ(c.queue_slots, 4096u);
}

TEST(FaultSpec, UnsetKeysKeepDefaults) {
    FaultConfig c = parse_ok("loss=1");
    FaultConfig d;
    EXPECT_DOUBLE_EQ(c.loss_percent, 1);
    EXPECT_EQ(c.seed, d.seed);
    EXPECT_EQ(c.delay, d.delay);
    EXPECT_EQ(c.reorder_delay, d.reorder_delay);
    EXPECT_EQ(c.on_transmit, d.on_transmit);
    EXPECT_EQ(c.on_receive, d.on_receive);
    EXPECT_EQ(c.queue_slots, d.queue_slots);
}

TEST(FaultSpec, DurationUnitsAndPercentSign) {
    EXPECT_EQ(parse_ok("delay=1s").delay, 1s);
    EXPECT_EQ(parse_ok("delay=2.5ms").delay, 2500us);
    EXPECT_EQ(parse_ok("delay=300us").delay, 300us);
    EXPECT_EQ(parse_ok("delay=40ns").delay, 40ns);
    EXPECT_EQ(parse_ok("delay=0").delay, 0ns);
    EXPECT_DOUBLE_EQ(parse_ok("loss=5%").loss_percent, 5);
    EXPECT_DOUBLE_EQ(parse_ok("loss=100").loss_percent, 100);
    EXPECT_TRUE(parse_ok("dir=rx").on_receive);
    EXPECT_FALSE(parse_ok("dir=rx").on_transmit);
    FaultConfig both = parse_ok("dir=both");
    EXPECT_TRUE(both.on_transmit && both.on_receive);
}

TEST(FaultSpec, RejectsMalformedSpecsNamingThePair) {
    EXPECT_NE(parse_error("loss=101").find("loss=101"), std::string::npos);
    EXPECT_NE(parse_error("loss=-1").find("loss=-1"), std::string::npos);
    EXPECT_NE(parse_error("delay=10").find("delay=10"), std::string::npos);  // a unit is required
    EXPECT_NE(parse_error("lose=2").find("unknown key"), std::string::npos);
    parse_error("");
    parse_error("loss");
    parse_error("loss=");
    parse_error("loss=2,");
    parse_error("loss=2,,dup=1");
    parse_error("loss=two");
    parse_error("loss=1e1");
    parse_error("delay=5min");
    parse_error("delay=2h");
    parse_error("delay=7200s");
    parse_error("seed=-3");
    parse_error("seed=1.5");
    parse_error("slots=0");
    parse_error("dir=up");
    EXPECT_EQ(parse_fault_spec("loss=x", nullptr), std::nullopt);  // error pointer is optional
}

TEST(FaultSpec, FormatReadsBackToTheSameConfig) {
    FaultConfig c;
    c.seed = 123456789012345ull;
    c.loss_percent = 0.25;
    c.duplicate_percent = 3;
    c.reorder_percent = 7.5;
    c.delay = 12ms;
    c.jitter = 1500us;
    c.reorder_delay = 3ms;
    c.on_receive = false;
    c.queue_slots = 100;
    FaultConfig r = parse_ok(format_fault_spec(c));
    EXPECT_EQ(r.seed, c.seed);
    EXPECT_DOUBLE_EQ(r.loss_percent, c.loss_percent);
    EXPECT_DOUBLE_EQ(r.duplicate_percent, c.duplicate_percent);
    EXPECT_DOUBLE_EQ(r.reorder_percent, c.reorder_percent);
    EXPECT_EQ(r.delay, c.delay);
    EXPECT_EQ(r.jitter, c.jitter);
    EXPECT_EQ(r.reorder_delay, c.reorder_delay);
    EXPECT_EQ(r.on_transmit, c.on_transmit);
    EXPECT_EQ(r.on_receive, c.on_receive);
    EXPECT_EQ(r.queue_slots, c.queue_slots);
}

TEST(FaultSpec, IdentityOnlyWhenNothingIsImpaired) {
    EXPECT_TRUE(is_identity(parse_ok("seed=5")));
    EXPECT_TRUE(is_identity(parse_ok("loss=0,delay=0")));
    EXPECT_FALSE(is_identity(parse_ok("loss=1")));
    EXPECT_FALSE(is_identity(parse_ok("dup=1")));
    EXPECT_FALSE(is_identity(parse_ok("jitter=1ms")));
    EXPECT_FALSE(is_identity(parse_ok("reorder=1")));
}

// The spec the CLI passes reaches the injector: duplication and loss in both
// directions at roughly the configured rates (20 % each of 4000 packets).
TEST(FaultSpec, ParsedSpecDuplicatesAndDropsBothWays) {
    FaultConfig c = parse_ok("dup=20,loss=20,seed=11");
    auto [a, b] = MemoryLink::make_pair(1500);
    FaultInjector faulty(*a, c);
    std::vector<uint8_t> packet(60, 0x5a), buf(1500);
    const int n = 4000;
    size_t out_arrived = 0, in_arrived = 0;
    Instant now{};
    for (int i = 0; i < n; ++i, now += 1ms) {
        faulty.transmit(packet, now);
        faulty.poll(now);
        while (b->receive(buf, now)) ++out_arrived;
        b->transmit(packet, now);
        while (faulty.receive(buf, now)) ++in_arrived;
    }
    const FaultCounters& k = faulty.counters();
    EXPECT_EQ(k.packets, uint64_t(2 * n));
    EXPECT_EQ(out_arrived + in_arrived, 2 * n - k.dropped + k.duplicated);
    // A packet drawn for loss is not duplicated: expect ~0.8 * 0.2 of them doubled.
    EXPECT_NEAR(double(k.dropped) / (2 * n), 0.20, 0.03);
    EXPECT_GT(k.duplicated, uint64_t(0.10 * 2 * n));
    EXPECT_GT(in_arrived, size_t(n * 0.9));  // receive side duplicates too (0.8 + 0.8*0.2 ≈ 0.96)
    EXPECT_GT(out_arrived, size_t(n * 0.9));
}

}  // namespace
}  // namespace ustack::link
