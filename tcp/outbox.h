// Where the core's output goes. The core never does I/O: it hands each
// segment to an Outbox, which the stack turns into an IPv4 packet and the
// test harness records.
#pragma once

#include "tcp/four_tuple.h"
#include "tcp/ip_params.h"
#include "tcp/segment.h"

namespace ustack::tcp {

class Outbox {
public:
    virtual ~Outbox() = default;
    // Called once per outgoing segment; `seg.payload` is valid only during the call.
    virtual void send(const FourTuple& tuple, const Segment& seg) = 0;
    // Same, with the connection's IP-level choices (TOS, options, source
    // route; RFC 9293 §3.9.1.9, §3.9.2.1). Outboxes without an IP layer ignore them.
    virtual void send_ip(const FourTuple& tuple, const Segment& seg, const IpParams& ip) {
        (void)ip;
        send(tuple, seg);
    }
};

}  // namespace ustack::tcp
