// ICMP message view and emitter (RFC 792; checksum over the whole message).
#include "stack/wire/icmp.h"

#include "stack/wire/bytes.h"
#include "stack/wire/checksum.h"

#include <cstring>

namespace ustack::wire {
namespace {
// Field offsets (RFC 792).
constexpr size_t TYPE = 0;
constexpr size_t CODE = 1;
constexpr size_t CHECKSUM = 2;
constexpr size_t REST = 4;  // echo: identifier at 4, sequence number at 6
constexpr size_t ECHO_SEQ = 6;
}  // namespace

bool IcmpView::verify_checksum() const { return internet_checksum(b_) == 0; }
uint16_t IcmpView::checksum() const { return load_be16(&b_[CHECKSUM]); }
uint16_t IcmpView::echo_id() const { return load_be16(&b_[REST]); }
uint16_t IcmpView::echo_seq() const { return load_be16(&b_[ECHO_SEQ]); }
uint32_t IcmpView::rest_of_header() const { return load_be32(&b_[REST]); }

size_t emit_icmp(std::span<uint8_t> buf, uint8_t type, uint8_t code, uint32_t rest_of_header,
                 std::span<const uint8_t> payload) {
    size_t total = ICMP_HEADER_LEN + payload.size();
    if (buf.size() < total) return 0;
    uint8_t* p = buf.data();
    p[TYPE] = type;
    p[CODE] = code;
    store_be16(p + CHECKSUM, 0);
    store_be32(p + REST, rest_of_header);
    // memmove: the payload may alias buf (an echo reply built in place).
    if (!payload.empty()) std::memmove(p + ICMP_HEADER_LEN, payload.data(), payload.size());
    store_be16(p + CHECKSUM, internet_checksum(buf.first(total)));
    return total;
}

}  // namespace ustack::wire
