// A link decorator that impairs a link on purpose: seeded random loss,
// duplication, delay with jitter, and reordering (smoltcp phy::FaultInjector).
// The kernel here has no netem, so this is where impairment comes from.
// Delayed packets wait in a preallocated slot pool released at deadlines.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <random>
#include <vector>

#include "stack/link/link.h"

namespace ustack::link {

struct FaultConfig {
    uint64_t seed = 1;
    double loss_percent = 0;        // packets silently dropped
    double duplicate_percent = 0;   // packets delivered twice
    Duration delay{0};              // added to every packet
    Duration jitter{0};             // plus uniform [0, jitter]: reorders close packets
    double reorder_percent = 0;     // packets held back an extra reorder_delay
    Duration reorder_delay = std::chrono::milliseconds(5);
    bool on_transmit = true;        // impair the outbound direction
    bool on_receive = true;         // impair the inbound direction
    size_t queue_slots = 512;       // held packets; when full, a packet goes out undelayed
};

struct FaultCounters {
    uint64_t packets = 0;      // seen by the injector (both directions)
    uint64_t dropped = 0;
    uint64_t duplicated = 0;
    uint64_t delayed = 0;
    uint64_t reordered = 0;
    uint64_t queue_full = 0;
};

class FaultInjector : public Link {
public:
    // `inner` is not owned and must outlive the injector.
    FaultInjector(Link& inner, const FaultConfig& config);

    bool transmit(std::span<const uint8_t> packet, Instant now) override;
    std::optional<size_t> receive(std::span<uint8_t> buf, Instant now) override;
    size_t mtu() const override { return inner_.mtu(); }
    // The earliest release time of a held packet, or the inner link's deadline.
    std::optional<Instant> next_deadline() const override;
    // Transmits held outbound packets that are due at `now`, in deadline order.
    void poll(Instant now) override;

    const FaultCounters& counters() const { return counters_; }
    const FaultConfig& config() const { return config_; }
    size_t held() const { return used_; }

private:
    struct Decision {
        bool drop = false;
        bool duplicate = false;
        Duration hold{0};
    };
    struct Slot {
        bool used = false;
        bool outbound = false;
        Instant due{};
        uint64_t order = 0;  // FIFO among equal deadlines
        size_t len = 0;
    };

    Decision decide();
    double uniform();  // [0, 1)
    bool hold(std::span<const uint8_t> packet, bool outbound, Instant due);
    std::optional<size_t> earliest(bool outbound, Instant now) const;
    uint8_t* slot_data(size_t i) { return storage_.data() + i * slot_size_; }

    Link& inner_;
    FaultConfig config_;
    std::mt19937_64 rng_;
    size_t slot_size_;
    std::vector<Slot> slots_;       // allocated once
    std::vector<uint8_t> storage_;  // slot_size_ bytes per slot, allocated once
    size_t used_ = 0;
    uint64_t next_order_ = 0;
    FaultCounters counters_;
};

}  // namespace ustack::link
