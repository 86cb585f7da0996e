// A link decorator that records every packet sent and received to a pcap file
// (smoltcp phy::PcapWriter). Transmitted packets are recorded even if the
// inner link then drops them: the capture shows what the stack emitted.
#pragma once

#include "stack/link/link.h"
#include "stack/link/pcap_writer.h"

namespace ustack::link {

class PcapLink : public Link {
public:
    // Neither `inner` nor `writer` is owned; both must outlive this link.
    PcapLink(Link& inner, PcapWriter& writer) : inner_(inner), writer_(writer) {}

    bool transmit(std::span<const uint8_t> packet, Instant now) override {
        writer_.write(packet, now);
        return inner_.transmit(packet, now);
    }
    std::optional<size_t> receive(std::span<uint8_t> buf, Instant now) override {
        auto n = inner_.receive(buf, now);
        if (n) writer_.write(buf.first(*n), now);
        return n;
    }
    size_t mtu() const override { return inner_.mtu(); }
    std::optional<Instant> next_deadline() const override { return inner_.next_deadline(); }
    void poll(Instant now) override { inner_.poll(now); }

private:
    Link& inner_;
    PcapWriter& writer_;
};

}  // namespace ustack::link
