// An in-process link: packets queue in memory. Two MemoryLinks made by
// make_pair() are the ends of one wire; a lone one lets a test inject
// packets and inspect what was sent. For tests, not the data path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "stack/link/link.h"

namespace ustack::link {

class MemoryLink : public Link {
public:
    using Packet = std::vector<uint8_t>;
    using Queue = std::deque<Packet>;

    // A lone link: receive() reads what inject() queued; transmit() goes to sent().
    explicit MemoryLink(size_t mtu = 1500);
    // Both ends of one wire: what A transmits, B receives, and back.
    static std::pair<std::unique_ptr<MemoryLink>, std::unique_ptr<MemoryLink>> make_pair(size_t mtu = 1500);

    bool transmit(std::span<const uint8_t> packet, Instant now) override;
    std::optional<size_t> receive(std::span<uint8_t> buf, Instant now) override;
    size_t mtu() const override { return mtu_; }

    // Queues a packet for receive().
    void inject(std::span<const uint8_t> packet);
    // Packets transmitted on a lone link (empty for a paired one: the peer has them).
    Queue& sent() { return *tx_; }
    size_t pending_rx() const { return rx_->size(); }

private:
    MemoryLink(size_t mtu, std::shared_ptr<Queue> rx, std::shared_ptr<Queue> tx);
    size_t mtu_;
    std::shared_ptr<Queue> rx_;
    std::shared_ptr<Queue> tx_;
};

}  // namespace ustack::link
