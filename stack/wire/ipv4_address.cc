// IPv4 dotted-quad text (RFC 791 §3.2 addresses; strict form as in inet_pton).
#include "stack/wire/ipv4_address.h"

namespace ustack::wire {

std::optional<Ipv4Address> Ipv4Address::parse(std::string_view text) {
    uint32_t value = 0;
    size_t pos = 0;
    for (int part = 0; part < 4; ++part) {
        if (part > 0) {
            if (pos >= text.size() || text[pos] != '.') return std::nullopt;
            ++pos;
        }
        size_t start = pos;
        uint32_t octet = 0;
        while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9' && pos - start < 3) {
            octet = octet * 10 + uint32_t(text[pos] - '0');
            ++pos;
        }
        size_t digits = pos - start;
        // No empty octet, no value above 255, no leading zero (it would read as octal elsewhere).
        if (digits == 0 || octet > 255 || (digits > 1 && text[start] == '0')) return std::nullopt;
        value = (value << 8) | octet;
    }
    if (pos != text.size()) return std::nullopt;
    return Ipv4Address(value);
}

std::string Ipv4Address::to_string() const {
    std::string out;
    out.reserve(15);
    for (int shift = 24; shift >= 0; shift -= 8) {
        out += std::to_string((v_ >> shift) & 0xff);
        if (shift) out += '.';
    }
    return out;
}

}  // namespace ustack::wire
