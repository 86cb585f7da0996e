// RFC 5961 §7 stack-wide challenge ACK budget (see tcp/ack_throttle.h).
#include "tcp/ack_throttle.h"

namespace ustack::tcp {

void AckThrottle::set_counters(uint64_t* sent, uint64_t* suppressed, uint64_t* oow_suppressed) {
    sent_ = sent;
    suppressed_ = suppressed;
    oow_suppressed_ = oow_suppressed;
}

bool AckThrottle::allow(Instant now, uint32_t limit) {
    if (limit == 0) return true;
    if (!second_start_ || now - *second_start_ >= std::chrono::seconds(1) || now < *second_start_) {
        // A fresh budget each second, not an exact one: with a fixed count an
        // attacker who spends the rest of it on its own connection learns
        // whether a forged segment hit another connection's window
        // (CVE-2016-5696). Linux: half + a random value below the limit.
        second_start_ = now;
        uint32_t half = (limit + 1) / 2;
        budget_ = half + random_.random(limit);
    }
    if (budget_ == 0) return false;
    --budget_;
    return true;
}

void AckThrottle::count_challenge(bool sent) {
    uint64_t* c = sent ? sent_ : suppressed_;
    if (c) ++*c;
}

void AckThrottle::count_oow_suppressed() {
    if (oow_suppressed_) ++*oow_suppressed_;
}

}  // namespace ustack::tcp
