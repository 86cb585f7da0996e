// Encoding of outgoing IPv4 options (RFC 791 §3.1 Loose/Strict Source and
// Record Route; RFC 9293 §3.9.2.1), for connections and cookie SYN-ACKs alike.
#include "tcp/ip_options.h"

#include <algorithm>

namespace ustack::tcp {

bool encode_ip_options(std::span<const uint8_t> options, const SourceRoute& route, wire::Ipv4Address remote,
                       IpOptions& out) {
    // The application's options first, then the route (RFC 791 §3.1: the
    // originator puts the first hop in the destination field and the final
    // destination last in the route), padded with End of Option List.
    size_t route_len = route.empty() ? 0 : 3 + 4 * size_t(route.n);
    size_t raw = options.size() + route_len;
    size_t padded = (raw + 3) / 4 * 4;
    if (padded > MAX_IP_OPTIONS || route.n > MAX_ROUTE_HOPS) return false;
    IpOptions o;
    std::copy(options.begin(), options.end(), o.bytes.begin());
    if (!route.empty()) {
        uint8_t* p = o.bytes.data() + options.size();
        p[0] = route.strict ? IPOPT_SSRR : IPOPT_LSRR;
        p[1] = uint8_t(route_len);
        p[2] = 4;  // pointer: the first address in the option is the next to visit
        for (size_t i = 1; i <= route.n; ++i) {
            uint32_t a = i < route.n ? route.hops[i].to_u32() : remote.to_u32();
            uint8_t* q = p + 3 + 4 * (i - 1);
            q[0] = uint8_t(a >> 24), q[1] = uint8_t(a >> 16), q[2] = uint8_t(a >> 8), q[3] = uint8_t(a);
        }
        o.next_hop = route.hops[0];
    }
    o.len = uint8_t(padded);
    out = o;
    return true;
}

}  // namespace ustack::tcp
