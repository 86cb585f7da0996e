// In-memory link for tests: two shared queues, one per direction.
#include "stack/link/memory_link.h"

#include <algorithm>
#include <cstring>

namespace ustack::link {

MemoryLink::MemoryLink(size_t mtu)
    : MemoryLink(mtu, std::make_shared<Queue>(), std::make_shared<Queue>()) {}

MemoryLink::MemoryLink(size_t mtu, std::shared_ptr<Queue> rx, std::shared_ptr<Queue> tx)
    : mtu_(mtu), rx_(std::move(rx)), tx_(std::move(tx)) {}

std::pair<std::unique_ptr<MemoryLink>, std::unique_ptr<MemoryLink>> MemoryLink::make_pair(size_t mtu) {
    auto a_to_b = std::make_shared<Queue>();
    auto b_to_a = std::make_shared<Queue>();
    std::unique_ptr<MemoryLink> a(new MemoryLink(mtu, b_to_a, a_to_b));
    std::unique_ptr<MemoryLink> b(new MemoryLink(mtu, a_to_b, b_to_a));
    return {std::move(a), std::move(b)};
}

bool MemoryLink::transmit(std::span<const uint8_t> packet, Instant) {
    if (packet.size() > mtu_) return false;
    tx_->emplace_back(packet.begin(), packet.end());
    return true;
}

std::optional<size_t> MemoryLink::receive(std::span<uint8_t> buf, Instant) {
    if (rx_->empty()) return std::nullopt;
    Packet& p = rx_->front();
    size_t n = std::min(p.size(), buf.size());
    std::memcpy(buf.data(), p.data(), n);
    rx_->pop_front();
    return n;
}

void MemoryLink::inject(std::span<const uint8_t> packet) { rx_->emplace_back(packet.begin(), packet.end()); }

}  // namespace ustack::link
