// An Outbox that keeps every segment a TcpLayer sends (payload dropped), for
// layer-level unit tests that drive TcpLayer directly instead of the harness.
#pragma once

#include <vector>

#include "tcp/outbox.h"

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

}  // namespace ustack::testing
