// IPv4 addresses as values (RFC 791 §3.2).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ustack::wire {

class Ipv4Address {
public:
    constexpr Ipv4Address() = default;
    // From a host-order 32-bit value: 10.0.0.1 is 0x0a000001.
    constexpr explicit Ipv4Address(uint32_t host_order) : v_(host_order) {}
    constexpr Ipv4Address(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
        : v_((uint32_t(a) << 24) | (uint32_t(b) << 16) | (uint32_t(c) << 8) | d) {}

    // Parses dotted-quad text strictly (four decimal octets, no leading '+', no spaces).
    static std::optional<Ipv4Address> parse(std::string_view text);

    constexpr uint32_t to_u32() const { return v_; }
    std::array<uint8_t, 4> octets() const {
        return {uint8_t(v_ >> 24), uint8_t(v_ >> 16), uint8_t(v_ >> 8), uint8_t(v_)};
    }
    std::string to_string() const;

    constexpr bool is_unspecified() const { return v_ == 0; }
    constexpr bool is_broadcast() const { return v_ == 0xffffffffu; }
    constexpr bool is_multicast() const { return (v_ >> 28) == 0xe; }
    constexpr bool is_loopback() const { return (v_ >> 24) == 127; }

    friend constexpr bool operator==(Ipv4Address a, Ipv4Address b) { return a.v_ == b.v_; }
    friend constexpr bool operator!=(Ipv4Address a, Ipv4Address b) { return a.v_ != b.v_; }
    friend constexpr bool operator<(Ipv4Address a, Ipv4Address b) { return a.v_ < b.v_; }

private:
    uint32_t v_ = 0;
};

}  // namespace ustack::wire
