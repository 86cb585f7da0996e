// The timers of many connections in one binary min-heap (an indexed priority
// queue): the earliest deadline in O(1), a changed deadline moved in O(log n).
// Each item keeps its own position (`heap_slot`), so nothing is searched and,
// once the vector has grown to the number of connections, nothing allocated.
#pragma once

#include <cstddef>
#include <limits>
#include <optional>
#include <utility>
#include <vector>

#include "base/time.h"

namespace ustack::tcp {

// T has a member `size_t heap_slot`, kInvalid while T is not in the heap.
template <class T>
class DeadlineHeap {
public:
    static constexpr size_t kInvalid = std::numeric_limits<size_t>::max();

    // Puts `item` at deadline `at`, moves it, or (nullopt) takes it out.
    void set(T& item, std::optional<Instant> at) {
        if (!at) {
            remove(item);
            return;
        }
        if (item.heap_slot == kInvalid) {
            item.heap_slot = nodes_.size();
            nodes_.push_back({*at, &item});
            up(item.heap_slot);
            return;
        }
        Instant old = nodes_[item.heap_slot].at;
        nodes_[item.heap_slot].at = *at;
        if (*at < old) up(item.heap_slot);
        else down(item.heap_slot);
    }

    void remove(T& item) {
        size_t i = item.heap_slot;
        if (i == kInvalid) return;
        item.heap_slot = kInvalid;
        size_t last = nodes_.size() - 1;
        if (i != last) {
            place(i, nodes_[last]);
            nodes_.pop_back();
            // The moved node may belong above or below its new place.
            if (i > 0 && nodes_[i].at < nodes_[(i - 1) / 2].at) up(i);
            else down(i);
        } else {
            nodes_.pop_back();
        }
    }

    bool empty() const { return nodes_.empty(); }
    size_t size() const { return nodes_.size(); }
    std::optional<Instant> earliest() const {
        if (nodes_.empty()) return std::nullopt;
        return nodes_.front().at;
    }
    // The item with the earliest deadline (the heap must not be empty).
    T& top() const { return *nodes_.front().item; }

private:
    struct Node {
        Instant at;
        T* item;
    };

    void place(size_t i, Node n) {
        nodes_[i] = n;
        n.item->heap_slot = i;
    }
    void up(size_t i) {
        Node n = nodes_[i];
        while (i > 0) {
            size_t parent = (i - 1) / 2;
            if (!(n.at < nodes_[parent].at)) break;
            place(i, nodes_[parent]);
            i = parent;
        }
        place(i, n);
    }
    void down(size_t i) {
        Node n = nodes_[i];
        for (;;) {
            size_t child = 2 * i + 1;
            if (child >= nodes_.size()) break;
            if (child + 1 < nodes_.size() && nodes_[child + 1].at < nodes_[child].at) ++child;
            if (!(nodes_[child].at < n.at)) break;
            place(i, nodes_[child]);
            i = child;
        }
        place(i, n);
    }

    std::vector<Node> nodes_;
};

}  // namespace ustack::tcp
