// The connection identifier (RFC 9293 §3.3.1: a pair of sockets).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "stack/wire/ipv4_address.h"

namespace ustack::tcp {

struct Endpoint {
    wire::Ipv4Address addr;
    uint16_t port = 0;
    friend bool operator==(const Endpoint&, const Endpoint&) = default;
    std::string to_string() const { return addr.to_string() + ":" + std::to_string(port); }
};

struct FourTuple {
    Endpoint local;
    Endpoint remote;
    friend bool operator==(const FourTuple&, const FourTuple&) = default;
};

struct FourTupleHash {
    size_t operator()(const FourTuple& t) const {
        uint64_t a = (uint64_t(t.local.addr.to_u32()) << 32) | t.remote.addr.to_u32();
        uint64_t b = (uint64_t(t.local.port) << 16) | t.remote.port;
        uint64_t h = a * 0x9e3779b97f4a7c15ull ^ (b + 0x7f4a7c159e3779b9ull + (a << 6) + (a >> 2));
        return size_t(h ^ (h >> 29));
    }
};

}  // namespace ustack::tcp
