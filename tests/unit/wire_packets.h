// Captured packets for the wire tests: real Linux 6.x output read from a TUN
// device inside a private network namespace (10.9.0.1 is the kernel side).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace ustack::wire_test {

inline std::vector<uint8_t> from_hex(std::string_view hex) {
    auto nibble = [](char c) -> uint8_t {
        return uint8_t(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
    };
    std::vector<uint8_t> out;
    for (size_t i = 0; i + 1 < hex.size(); i += 2) out.push_back(uint8_t(nibble(hex[i]) << 4 | nibble(hex[i + 1])));
    return out;
}

// socat connecting to 10.9.0.2:80: SYN with MSS 1460, SACK-permitted,
// timestamps, NOP, window scale 10.
inline constexpr std::string_view LINUX_SYN =
    "4500003ce3854000400643220a0900010a0900028d5e0050dfa7b5dc00000000a002faf08bdd0000"
    "020405b40402080ad8c8b11e000000000103030a";

// Linux listening on 8080 answers a SYN from 10.9.0.2:40000 (ISS 1000, TSval 111).
inline constexpr std::string_view LINUX_SYN_ACK =
    "4500003c00004000400626a80a0900010a0900021f909c404799502e000003e9a012fe88e64b0000"
    "020405b40402080a54e5a22e0000006f0103030a";

// Linux ACKs 13 bytes of data: NOP NOP timestamps, window 64 (scaled by 2^10).
inline constexpr std::string_view LINUX_ACK =
    "45000034e5e34000400640cc0a0900010a0900021f909c404799502f000003f680100040135500000101080a"
    "54e5a22f00000070";

// ping -c1 -p 75737461636b 10.9.0.2: echo request id 0x1d40 seq 1, 56 bytes of data.
inline constexpr std::string_view LINUX_ICMP_ECHO =
    "45000054be7740004001681d0a0900010a09000208003c991d40000127ed086b00000000c26c030000000000"
    "636b75737461636b75737461636b75737461636b75737461636b75737461636b75737461636b7573";

}  // namespace ustack::wire_test
