// tcp/deadline_heap.h: the layer's indexed min-heap of connection deadlines,
// checked against a plain scan under random insert / move / remove.
#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <random>
#include <vector>

#include "tcp/deadline_heap.h"

namespace ustack::tcp {
namespace {

struct Item {
    size_t heap_slot = DeadlineHeap<Item>::kInvalid;
    std::optional<Instant> at;
};

Instant t(int ms) { return Instant{} + std::chrono::milliseconds(ms); }

TEST(DeadlineHeap, EarliestFirstAndMovesBothWays) {
    DeadlineHeap<Item> h;
    Item a, b, c;
    EXPECT_FALSE(h.earliest());
    h.set(a, t(30));
    h.set(b, t(10));
    h.set(c, t(20));
    EXPECT_EQ(h.earliest(), t(10));
    EXPECT_EQ(&h.top(), &b);
    h.set(b, t(40));  // later: sinks
    EXPECT_EQ(&h.top(), &c);
    h.set(a, t(5));  // earlier: rises
    EXPECT_EQ(&h.top(), &a);
    h.set(a, std::nullopt);  // no deadline: out
    EXPECT_EQ(a.heap_slot, DeadlineHeap<Item>::kInvalid);
    EXPECT_EQ(&h.top(), &c);
    h.remove(c);
    h.remove(c);  // twice is harmless
    EXPECT_EQ(&h.top(), &b);
    EXPECT_EQ(h.size(), 1u);
}

TEST(DeadlineHeap, RandomOperationsMatchAScan) {
    std::mt19937 rng(7);
    std::vector<Item> items(200);
    DeadlineHeap<Item> h;
    for (int step = 0; step < 20000; ++step) {
        Item& it = items[rng() % items.size()];
        if (rng() % 4 == 0) {
            it.at.reset();
            h.remove(it);
        } else {
            it.at = t(int(rng() % 100000));
            h.set(it, it.at);
        }
        std::optional<Instant> scan;
        for (const Item& i : items) {
            if (i.at && (!scan || *i.at < *scan)) scan = i.at;
        }
        ASSERT_EQ(h.earliest(), scan) << "step " << step;
        if (scan) {
            ASSERT_EQ(h.top().at, scan);
        }
    }
}

}  // namespace
}  // namespace ustack::tcp
