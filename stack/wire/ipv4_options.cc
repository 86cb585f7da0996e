// IPv4 option scanning (RFC 791 §3.1, "Loose/Strict Source and Record Route").
#include "stack/wire/ipv4_options.h"

namespace ustack::wire {

SourceRouteOption find_source_route(std::span<const uint8_t> options) {
    SourceRouteOption r;
    size_t i = 0;
    while (i < options.size()) {
        uint8_t type = options[i];
        if (type == IPOPT_EOL) break;
        if (type == IPOPT_NOP) {
            ++i;
            continue;
        }
        if (i + 1 >= options.size()) break;
        size_t len = options[i + 1];
        if (len < 2 || i + len > options.size()) break;  // malformed: stop, ignore the rest
        if (type == IPOPT_LSRR || type == IPOPT_SSRR) {
            r.present = true;
            r.strict = type == IPOPT_SSRR;
            // type, length, pointer, then addresses; the pointer (from 1)
            // names the next address to visit, at least 4 (RFC 791).
            size_t ptr = len >= 3 ? options[i + 2] : 0;
            if (len < 3 || (len - 3) % 4 != 0 || ptr < 4) {
                r.malformed = true;
                return r;
            }
            r.complete = ptr > len;
            r.addresses = options.subspan(i + 3, len - 3);
            return r;
        }
        i += len;
    }
    return r;
}

}  // namespace ustack::wire
