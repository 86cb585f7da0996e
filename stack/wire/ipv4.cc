// IPv4 header view and emitter (RFC 791 §3.1; header checksum per RFC 1071).
#include "stack/wire/ipv4.h"

#include "stack/wire/bytes.h"
#include "stack/wire/checksum.h"

namespace ustack::wire {
namespace {
// Field offsets (RFC 791 §3.1, figure 4).
constexpr size_t VER_IHL = 0;
constexpr size_t DSCP_ECN = 1;
constexpr size_t TOTAL_LEN = 2;
constexpr size_t IDENT = 4;
constexpr size_t FLAGS_FRAG = 6;
constexpr size_t TTL = 8;
constexpr size_t PROTOCOL = 9;
constexpr size_t CHECKSUM = 10;
constexpr size_t SRC = 12;
constexpr size_t DST = 16;

constexpr uint16_t FLAG_DF = 0x4000;
constexpr uint16_t FLAG_MF = 0x2000;
constexpr uint16_t FRAG_MASK = 0x1fff;
}  // namespace

const char* to_string(Ipv4Error e) {
    switch (e) {
        case Ipv4Error::None: return "ok";
        case Ipv4Error::Truncated: return "truncated";
        case Ipv4Error::BadVersion: return "bad version";
        case Ipv4Error::BadHeaderLength: return "bad header length";
        case Ipv4Error::BadTotalLength: return "bad total length";
        case Ipv4Error::BadChecksum: return "bad header checksum";
    }
    return "?";
}

Ipv4Error Ipv4View::check() const {
    if (b_.size() < IPV4_MIN_HEADER_LEN) return Ipv4Error::Truncated;
    if (version() != 4) return Ipv4Error::BadVersion;
    size_t hlen = header_len();
    if (hlen < IPV4_MIN_HEADER_LEN) return Ipv4Error::BadHeaderLength;
    if (hlen > b_.size()) return Ipv4Error::Truncated;
    size_t total = total_len();
    if (total < hlen || total > b_.size()) return Ipv4Error::BadTotalLength;
    if (internet_checksum(b_.first(hlen)) != 0) return Ipv4Error::BadChecksum;
    return Ipv4Error::None;
}

uint8_t Ipv4View::version() const { return b_[VER_IHL] >> 4; }
size_t Ipv4View::header_len() const { return size_t(b_[VER_IHL] & 0x0f) * 4; }
uint8_t Ipv4View::dscp_ecn() const { return b_[DSCP_ECN]; }
uint16_t Ipv4View::total_len() const { return load_be16(&b_[TOTAL_LEN]); }
uint16_t Ipv4View::ident() const { return load_be16(&b_[IDENT]); }
bool Ipv4View::dont_fragment() const { return (load_be16(&b_[FLAGS_FRAG]) & FLAG_DF) != 0; }
bool Ipv4View::more_fragments() const { return (load_be16(&b_[FLAGS_FRAG]) & FLAG_MF) != 0; }
uint32_t Ipv4View::frag_offset() const { return uint32_t(load_be16(&b_[FLAGS_FRAG]) & FRAG_MASK) * 8; }
uint8_t Ipv4View::ttl() const { return b_[TTL]; }
uint8_t Ipv4View::protocol() const { return b_[PROTOCOL]; }
uint16_t Ipv4View::header_checksum() const { return load_be16(&b_[CHECKSUM]); }
Ipv4Address Ipv4View::src() const { return Ipv4Address(load_be32(&b_[SRC])); }
Ipv4Address Ipv4View::dst() const { return Ipv4Address(load_be32(&b_[DST])); }

std::span<const uint8_t> Ipv4View::options() const {
    return b_.subspan(IPV4_MIN_HEADER_LEN, header_len() - IPV4_MIN_HEADER_LEN);
}
std::span<const uint8_t> Ipv4View::header() const { return b_.first(header_len()); }
std::span<const uint8_t> Ipv4View::payload() const {
    return b_.subspan(header_len(), size_t(total_len()) - header_len());
}

size_t emit_ipv4_header(std::span<uint8_t> buf, const Ipv4Header& h) {
    size_t hlen = IPV4_MIN_HEADER_LEN + h.options.size();
    if (h.options.size() % 4 != 0 || h.options.size() > 40 || buf.size() < hlen) return 0;
    uint8_t* p = buf.data();
    p[VER_IHL] = uint8_t(0x40 | (hlen / 4));
    p[DSCP_ECN] = h.dscp_ecn;
    store_be16(p + TOTAL_LEN, uint16_t(hlen + h.payload_len));
    store_be16(p + IDENT, h.ident);
    uint16_t frag = uint16_t((h.frag_offset / 8) & FRAG_MASK);
    if (h.dont_fragment) frag |= FLAG_DF;
    if (h.more_fragments) frag |= FLAG_MF;
    store_be16(p + FLAGS_FRAG, frag);
    p[TTL] = h.ttl;
    p[PROTOCOL] = h.protocol;
    store_be16(p + CHECKSUM, 0);
    store_be32(p + SRC, h.src.to_u32());
    store_be32(p + DST, h.dst.to_u32());
    for (size_t i = 0; i < h.options.size(); ++i) p[IPV4_MIN_HEADER_LEN + i] = h.options[i];
    store_be16(p + CHECKSUM, internet_checksum(buf.first(hlen)));
    return hlen;
}

}  // namespace ustack::wire
