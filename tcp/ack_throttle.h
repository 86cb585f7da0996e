// RFC 5961 §7 ACK throttling, the stack-wide part: a per-second budget of
// challenge ACKs, randomized (CVE-2016-5696), plus the counters of what the
// per-connection limit and this budget let through or held back.
#pragma once

#include <cstdint>
#include <optional>

#include "base/time.h"
#include "tcp/isn.h"

namespace ustack::tcp {

class AckThrottle {
public:
    // `random` draws each second's budget (the shell injects a keyed PRF,
    // tests a fixed value). The counters may be null.
    explicit AckThrottle(IsnGenerator& random) : random_(random) {}
    void set_counters(uint64_t* sent, uint64_t* suppressed, uint64_t* oow_suppressed);

    // May one more challenge ACK leave at `now`? At most a budget drawn from
    // [limit/2, limit/2 + limit) per second (Linux tcp_send_challenge_ack);
    // limit 0 means no stack-wide limit.
    bool allow(Instant now, uint32_t limit);

    void count_challenge(bool sent);   // a challenge ACK was sent, or held back
    void count_oow_suppressed();       // an out-of-window ACK was held back

private:
    IsnGenerator& random_;
    std::optional<Instant> second_start_;  // start of the current one-second budget
    uint32_t budget_ = 0;                  // challenge ACKs left in it
    uint64_t* sent_ = nullptr;
    uint64_t* suppressed_ = nullptr;
    uint64_t* oow_suppressed_ = nullptr;
};

}  // namespace ustack::tcp
