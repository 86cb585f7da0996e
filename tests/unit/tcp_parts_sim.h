// A tiny back-to-back network for the TCP core's own end-to-end tests: two
// nodes (a TcpLayer or a bare Connection each) joined by a link with a fixed
// delay and seeded random loss, on a manual clock that jumps to the next event.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <vector>

#include "base/time.h"
#include "tcp/connection.h"
#include "tcp/segment_codec.h"
#include "tcp/tcp_layer.h"

namespace ustack::tcp::sim {

using namespace std::chrono_literals;

struct Packet {
    Instant at;
    int to;  // 0 or 1
    FourTuple tuple;  // as the sender saw it
    Segment seg;
    std::vector<uint8_t> data;
};

class Net {
public:
    explicit Net(uint32_t seed = 1) : rng_(seed) {}

    // Each node: a way to deliver a segment and run timers.
    struct Node {
        std::function<void(const FourTuple& sender_tuple, const Segment&, Instant)> deliver;
        std::function<void(Instant)> on_timer;
        std::function<std::optional<Instant>()> next_deadline;
    };

    class SideOutbox final : public Outbox {
    public:
        SideOutbox(Net& net, int from) : net_(net), from_(from) {}
        void send(const FourTuple& tuple, const Segment& seg) override { net_.enqueue(from_, tuple, seg); }
        std::vector<Segment> sent;  // flags/seq/ack log (payload not kept)

    private:
        Net& net_;
        int from_;
    };

    SideOutbox& outbox(int side) { return side == 0 ? out0_ : out1_; }
    void set_node(int side, Node n) { nodes_[side] = std::move(n); }

    Instant now() const { return now_; }
    Duration delay = 10ms;
    double loss = 0.0;              // probability each packet is dropped
    Duration jitter = Duration::zero();  // extra uniform delay: reorders packets
    double duplicate = 0.0;         // probability a packet is delivered twice
    std::function<bool(int from, const Segment&)> drop_if;  // scripted drops
    uint64_t delivered = 0, dropped = 0;
    std::vector<std::pair<int, Segment>> log;  // every segment sent (payload views cleared)

    void enqueue(int from, const FourTuple& tuple, const Segment& seg) {
        Segment logged = seg;
        logged.payload = {};
        log.emplace_back(from, logged);
        if ((drop_if && drop_if(from, seg)) || (loss > 0 && std::uniform_real_distribution<double>(0, 1)(rng_) < loss)) {
            ++dropped;
            return;
        }
        Duration extra = Duration::zero();
        if (jitter > Duration::zero()) {
            extra = Duration(std::uniform_int_distribution<int64_t>(0, jitter.count())(rng_));
        }
        Packet p{now_ + delay + extra, 1 - from, tuple, seg, std::vector<uint8_t>(seg.payload.begin(), seg.payload.end())};
        if (duplicate > 0 && std::uniform_real_distribution<double>(0, 1)(rng_) < duplicate) {
            Packet copy = p;
            copy.at += delay / 2;
            queue_.push_back(std::move(copy));
        }
        queue_.push_back(std::move(p));
    }

    // Runs events in time order until `done()` or the clock passes `limit`.
    // `app` runs after every event (the applications on both sides).
    bool run(const std::function<bool()>& done, Duration limit, const std::function<void()>& app = {}) {
        Instant end = now_ + limit;
        if (app) app();
        while (!done()) {
            std::optional<Instant> next;
            auto consider = [&](std::optional<Instant> t) {
                if (t && (!next || *t < *next)) next = t;
            };
            size_t best = queue_.size();
            for (size_t i = 0; i < queue_.size(); ++i) {
                if (best == queue_.size() || queue_[i].at < queue_[best].at) best = i;
            }
            if (best < queue_.size()) consider(queue_[best].at);
            for (auto& n : nodes_) if (n.next_deadline) consider(n.next_deadline());
            if (!next || *next > end) return false;
            now_ = std::max(now_, *next);
            if (best < queue_.size() && queue_[best].at <= now_) {
                Packet p = std::move(queue_[best]);
                queue_.erase(queue_.begin() + long(best));
                p.seg.payload = std::span<const uint8_t>(p.data);
                ++delivered;
                nodes_[p.to].deliver(p.tuple, p.seg, now_);
            } else {
                for (auto& n : nodes_) {
                    auto d = n.next_deadline ? n.next_deadline() : std::nullopt;
                    if (d && *d <= now_) n.on_timer(now_);
                }
            }
            if (app) app();
        }
        return true;
    }

    void advance(Duration d) { now_ += d; }

private:
    std::mt19937 rng_;
    Instant now_{std::chrono::seconds(1000)};
    std::vector<Packet> queue_;
    Node nodes_[2];
    SideOutbox out0_{*this, 0}, out1_{*this, 1};
};

// The tuple as seen by the receiver of a packet sent with `t`.
inline FourTuple mirrored(const FourTuple& t) { return FourTuple{t.remote, t.local}; }

// A node wrapping a TcpLayer.
inline Net::Node layer_node(TcpLayer& layer) {
    return Net::Node{
        [&layer](const FourTuple& t, const Segment& s, Instant now) {
            ParsedSegment p;
            p.src_port = t.local.port;
            p.dst_port = t.remote.port;
            p.seg = s;
            layer.input(t.local.addr, t.remote.addr, p, now);
        },
        [&layer](Instant now) { layer.on_timer(now); },
        [&layer]() { return layer.next_deadline(); }};
}

// A node wrapping one bare Connection.
inline Net::Node connection_node(Connection& c) {
    return Net::Node{[&c](const FourTuple&, const Segment& s, Instant now) { c.on_segment(s, now); },
                     [&c](Instant now) { c.on_timer(now); }, [&c]() { return c.next_deadline(); }};
}

}  // namespace ustack::tcp::sim
