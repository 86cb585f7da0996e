// Seeded link impairment: every packet draws the same four numbers from the
// injector's own PRNG in the same order, so a seed fixes the whole outcome.
#include "stack/link/fault_injector.h"

#include <algorithm>
#include <cstring>

namespace ustack::link {

FaultInjector::FaultInjector(Link& inner, const FaultConfig& config)
    : inner_(inner),
      config_(config),
      rng_(config.seed),
      slot_size_(inner.mtu()),
      slots_(config.queue_slots),
      storage_(config.queue_slots * inner.mtu()) {}

double FaultInjector::uniform() { return double(rng_() >> 11) * 0x1.0p-53; }

FaultInjector::Decision FaultInjector::decide() {
    double loss = uniform(), dup = uniform(), jit = uniform(), reorder = uniform();
    Decision d;
    d.drop = loss * 100.0 < config_.loss_percent;
    d.duplicate = dup * 100.0 < config_.duplicate_percent;
    d.hold = config_.delay + std::chrono::duration_cast<Duration>(config_.jitter * jit);
    if (reorder * 100.0 < config_.reorder_percent) {
        d.hold += config_.reorder_delay;
        ++counters_.reordered;
    }
    return d;
}

bool FaultInjector::hold(std::span<const uint8_t> packet, bool outbound, Instant due) {
    if (used_ == slots_.size() || packet.size() > slot_size_) {
        ++counters_.queue_full;
        return false;
    }
    auto it = std::find_if(slots_.begin(), slots_.end(), [](const Slot& s) { return !s.used; });
    size_t i = size_t(it - slots_.begin());
    std::memcpy(slot_data(i), packet.data(), packet.size());
    *it = Slot{true, outbound, due, next_order_++, packet.size()};
    ++used_;
    return true;
}

std::optional<size_t> FaultInjector::earliest(bool outbound, Instant now) const {
    std::optional<size_t> best;
    for (size_t i = 0; i < slots_.size(); ++i) {
        const Slot& s = slots_[i];
        if (!s.used || s.outbound != outbound || s.due > now) continue;
        if (!best || s.due < slots_[*best].due || (s.due == slots_[*best].due && s.order < slots_[*best].order))
            best = i;
    }
    return best;
}

bool FaultInjector::transmit(std::span<const uint8_t> packet, Instant now) {
    poll(now);
    if (!config_.on_transmit) return inner_.transmit(packet, now);
    ++counters_.packets;
    Decision d = decide();
    if (d.drop) {
        ++counters_.dropped;
        return false;
    }
    int copies = d.duplicate ? 2 : 1;
    if (d.duplicate) ++counters_.duplicated;
    bool ok = true;
    for (int c = 0; c < copies; ++c) {
        if (d.hold > Duration::zero() && hold(packet, true, now + d.hold)) {
            ++counters_.delayed;
            continue;
        }
        ok = inner_.transmit(packet, now) && ok;
    }
    return ok;
}

void FaultInjector::poll(Instant now) {
    inner_.poll(now);
    while (auto i = earliest(true, now)) {
        Slot& s = slots_[*i];
        inner_.transmit(std::span<const uint8_t>(slot_data(*i), s.len), now);
        s.used = false;
        --used_;
    }
}

std::optional<size_t> FaultInjector::receive(std::span<uint8_t> buf, Instant now) {
    for (;;) {
        if (auto i = earliest(false, now)) {
            Slot& s = slots_[*i];
            size_t n = std::min(s.len, buf.size());
            std::memcpy(buf.data(), slot_data(*i), n);
            s.used = false;
            --used_;
            return n;
        }
        auto n = inner_.receive(buf, now);
        if (!n || !config_.on_receive) return n;
        ++counters_.packets;
        Decision d = decide();
        if (d.drop) {
            ++counters_.dropped;
            continue;
        }
        auto packet = std::span<const uint8_t>(buf.data(), *n);
        if (d.duplicate) {
            ++counters_.duplicated;
            hold(packet, false, now + d.hold);
        }
        if (d.hold > Duration::zero() && hold(packet, false, now + d.hold)) {
            ++counters_.delayed;
            continue;
        }
        return n;
    }
}

std::optional<Instant> FaultInjector::next_deadline() const {
    std::optional<Instant> best = inner_.next_deadline();
    for (const Slot& s : slots_)
        if (s.used && (!best || s.due < *best)) best = s.due;
    return best;
}

}  // namespace ustack::link
