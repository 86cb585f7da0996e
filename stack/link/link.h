// A link carries whole IPv4 packets (no link-layer header): a TUN device, an
// in-memory pipe, or a decorator around another link (pcap capture, fault
// injection). Modelled on smoltcp's phy::Device.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "base/time.h"

namespace ustack::link {

class Link {
public:
    virtual ~Link() = default;
    // Sends one packet; the bytes are copied or written before return.
    // Returns false when the packet was dropped (queue full, EAGAIN, injected loss).
    virtual bool transmit(std::span<const uint8_t> packet, Instant now) = 0;
    // Takes one received packet into `buf` without blocking; nullopt when none
    // is ready (EAGAIN). A packet larger than `buf` is truncated and counted.
    virtual std::optional<size_t> receive(std::span<uint8_t> buf, Instant now) = 0;
    // Largest packet this link carries (IP header included).
    virtual size_t mtu() const = 0;
    // When a decorator holds packets for later (delay), the earliest release time.
    virtual std::optional<Instant> next_deadline() const { return std::nullopt; }
    // Releases what a decorator held for transmission until `now` (delay
    // queue). The shell calls it when next_deadline() passes. Plain links: no-op.
    virtual void poll(Instant /*now*/) {}
};

}  // namespace ustack::link
