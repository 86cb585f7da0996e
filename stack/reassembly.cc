// IPv4 fragment reassembly (RFC 791 §3.2 reassembly procedure, RFC 815 hole
// accounting simplified by refusing overlaps, RFC 5722 §4 overlap policy).
#include "stack/reassembly.h"

#include <algorithm>

#include "stack/wire/bytes.h"
#include "stack/wire/checksum.h"

namespace ustack {

Ipv4Reassembly::Ipv4Reassembly(const ReassemblyConfig& config) : cfg_(config), slots_(config.max_datagrams) {}

Ipv4Reassembly::Slot* Ipv4Reassembly::find_or_claim(const wire::Ipv4View& frag, Instant now) {
    // RFC 791: fragments belong together when source, destination, protocol
    // and identification match.
    Slot* free_slot = nullptr;
    for (Slot& s : slots_) {
        if (s.used && s.src == frag.src() && s.dst == frag.dst() && s.ident == frag.ident() &&
            s.protocol == frag.protocol()) {
            return &s;
        }
        if (!s.used && !free_slot) free_slot = &s;
    }
    if (!free_slot) return nullptr;
    Slot& s = *free_slot;
    if (s.buf.empty()) s.buf.resize(HEADER_ROOM + MAX_DATA);  // once per slot, then reused
    s.used = true;
    s.src = frag.src();
    s.dst = frag.dst();
    s.ident = frag.ident();
    s.protocol = frag.protocol();
    s.deadline = now + cfg_.timeout;  // the timer starts with the first fragment (RFC 1122 §3.3.2)
    s.header_len = 0;
    s.total = 0;
    s.last_seen = false;
    s.received = 0;
    s.n_ranges = 0;
    return &s;
}

void Ipv4Reassembly::release(Slot& s) {
    bytes_held_ -= s.received;
    s.used = false;
    s.received = 0;
    s.n_ranges = 0;
}

std::span<const uint8_t> Ipv4Reassembly::quote(const Slot& s) const {
    // Fragment 0's header sits right before the data; its first 8 data octets follow.
    return std::span<const uint8_t>(s.buf).subspan(HEADER_ROOM - s.header_len, s.header_len + 8);
}

std::span<const uint8_t> Ipv4Reassembly::finish(Slot& s) {
    uint8_t* h = s.buf.data() + HEADER_ROOM - s.header_len;
    size_t total_len = s.header_len + s.total;
    wire::store_be16(h + 2, uint16_t(total_len));
    wire::store_be16(h + 6, uint16_t(wire::load_be16(h + 6) & 0x4000));  // keep DF; MF and offset cleared
    wire::store_be16(h + 10, 0);
    wire::store_be16(h + 10, wire::internet_checksum(std::span<const uint8_t>(h, s.header_len)));
    auto whole = std::span<const uint8_t>(h, total_len);
    release(s);  // the bytes stay in the buffer until the slot is claimed again
    return whole;
}

Ipv4Reassembly::Result Ipv4Reassembly::add(const wire::Ipv4View& frag, Instant now,
                                           std::span<const uint8_t>& whole) {
    auto data = frag.payload();
    uint32_t begin = frag.frag_offset();
    uint32_t end = begin + uint32_t(data.size());
    bool last = !frag.more_fragments();
    // Every fragment but the last carries a multiple of 8 octets (RFC 791);
    // the datagram may not exceed 65535 octets ("ping of death").
    if (data.empty() || (!last && data.size() % 8 != 0) || end > MAX_DATA) return Result::Invalid;

    Slot* s = find_or_claim(frag, now);
    if (!s) return Result::NoRoom;
    auto drop_all = [&](Result r) {
        release(*s);
        return r;
    };
    if (last) {
        if (s->last_seen && end != s->total) return drop_all(Result::Invalid);
        for (size_t i = 0; i < s->n_ranges; ++i) {
            if (s->ranges[i].end > end) return drop_all(Result::Invalid);
        }
    } else if (s->last_seen && end > s->total) {
        return drop_all(Result::Invalid);
    }
    for (size_t i = 0; i < s->n_ranges; ++i) {
        const Range& r = s->ranges[i];
        if (r.begin == begin && r.end == end) return Result::Duplicate;  // RFC 5722 erratum 3089: ignore
        if (begin < r.end && r.begin < end) return drop_all(Result::Overlap);
    }
    if (s->n_ranges == MAX_FRAGMENTS || bytes_held_ + data.size() > cfg_.max_bytes) {
        if (s->n_ranges == 0) release(*s);
        return Result::NoRoom;
    }
    std::copy(data.begin(), data.end(), s->buf.begin() + ptrdiff_t(HEADER_ROOM + begin));
    s->ranges[s->n_ranges++] = Range{begin, end};
    s->received += uint32_t(data.size());
    bytes_held_ += data.size();
    if (begin == 0) {
        // Fragment 0's header becomes the datagram's (RFC 791: options not
        // copied into later fragments are only in this one).
        auto hdr = frag.header();
        s->header_len = hdr.size();
        std::copy(hdr.begin(), hdr.end(), s->buf.begin() + ptrdiff_t(HEADER_ROOM - hdr.size()));
    }
    if (last) {
        s->last_seen = true;
        s->total = end;
    }
    if (!s->last_seen || s->header_len == 0 || s->received != s->total) return Result::Incomplete;
    if (s->header_len + s->total > 65535) return drop_all(Result::Invalid);
    whole = finish(*s);
    return Result::Complete;
}

std::optional<Instant> Ipv4Reassembly::next_deadline() const {
    std::optional<Instant> d;
    for (const Slot& s : slots_) {
        if (s.used && (!d || s.deadline < *d)) d = s.deadline;
    }
    return d;
}

size_t Ipv4Reassembly::in_progress() const {
    return size_t(std::count_if(slots_.begin(), slots_.end(), [](const Slot& s) { return s.used; }));
}

}  // namespace ustack
