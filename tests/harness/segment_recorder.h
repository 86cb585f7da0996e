// An Outbox that keeps every segment a TcpLayer sends (payload dropped) and a
// base fixture, for layer-level unit tests that drive TcpLayer directly instead of the harness.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "base/time.h"
#include "stack/wire/ipv4_address.h"
#include "tcp/config.h"
#include "tcp/isn.h"
#include "tcp/outbox.h"
#include "tcp/segment_codec.h"
#include "tcp/tcp_layer.h"

namespace ustack::testing {

struct SegmentRecorder final : tcp::Outbox {
    struct Out {
        tcp::FourTuple tuple;
        tcp::Segment seg;
    };
    std::vector<Out> out;
    void send(const tcp::FourTuple& t, const tcp::Segment& s) override {
        Out o{t, s};
        o.seg.payload = {};
        out.push_back(o);
    }
};

// What the peer sends from `src_port` to our `dst_port` (window 65535), as
// TcpLayer::input takes it.
inline tcp::ParsedSegment peer_segment(uint16_t src_port, uint16_t dst_port, uint8_t flags, uint32_t seq,
                                       uint32_t ack = 0, std::span<const uint8_t> data = {}) {
    tcp::ParsedSegment p;
    p.src_port = src_port;
    p.dst_port = dst_port;
    p.seg.seq = tcp::SeqNum(seq);
    p.seg.ack = tcp::SeqNum(ack);
    p.seg.flags = flags;
    p.seg.window = 65535;
    p.seg.payload = data;
    return p;
}

// One TcpLayer (ISS 1000) that make_layer() builds from `cfg`, its output in
// `rec`, the clock at `now`; we are kUs, the peer kPeer.
struct LayerTest : ::testing::Test {
    static inline const wire::Ipv4Address kUs{10, 0, 0, 2};
    static inline const wire::Ipv4Address kPeer{10, 0, 0, 1};
    SegmentRecorder rec;
    tcp::FixedIsn isn{1000};
    tcp::TcpConfig cfg;
    std::unique_ptr<tcp::TcpLayer> layer;
    Instant now{std::chrono::seconds(100)};

    void make_layer() { layer = std::make_unique<tcp::TcpLayer>(cfg, rec, isn); }
};

}  // namespace ustack::testing
