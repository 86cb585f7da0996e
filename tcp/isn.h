// Initial sequence numbers come from an injected generator (RFC 9293 §3.4.1),
// so the core stays deterministic under test.
#pragma once

#include "base/time.h"
#include "stack/wire/seq_num.h"
#include "tcp/four_tuple.h"

namespace ustack::tcp {

class IsnGenerator {
public:
    virtual ~IsnGenerator() = default;
    // ISN for a new connection on `tuple` at time `now`.
    virtual wire::SeqNum isn(const FourTuple& tuple, Instant now) = 0;
    // Per-connection offset added to the Timestamps clock (RFC 7323 §5.4,
    // RFC 7323 §7.1: a random offset per connection hides the host's uptime).
    // Default 0, so tests and scripts see TSval = milliseconds of `now`.
    virtual uint32_t ts_offset(const FourTuple&) { return 0; }
    // Offset of the ephemeral port search for connections from `local` to
    // `remote` (RFC 6056 §3.3.3 Algorithm 3: F(local address, remote address,
    // remote port, secret)). Default 0: ports are then taken in order.
    virtual uint32_t port_offset(wire::Ipv4Address /*local*/, Endpoint /*remote*/) { return 0; }
    // A value in [0, bound), bound > 0, for randomized defences (the RFC 5961
    // §7 challenge ACK budget). Default 0, so tests and scripts are deterministic.
    virtual uint32_t random(uint32_t /*bound*/) { return 0; }
};

// Always the same ISN: for tests and packet scripts.
class FixedIsn final : public IsnGenerator {
public:
    explicit FixedIsn(uint32_t isn) : isn_(isn) {}
    wire::SeqNum isn(const FourTuple&, Instant) override { return wire::SeqNum(isn_); }
    void set(uint32_t isn) { isn_ = isn; }
    uint32_t random(uint32_t bound) override { return random_ % bound; }
    void set_random(uint32_t r) { random_ = r; }  // what random() answers, modulo its bound

private:
    uint32_t isn_;
    uint32_t random_ = 0;
};

// RFC 6528: ISN = M + F(localip, localport, remoteip, remoteport, secretkey),
// M a 4-microsecond clock and F a keyed hash (SipHash-2-4) (MUST-8, SHLD-1, MUST-9);
// the same keys, varied, give Timestamps offsets and ephemeral port offsets (RFC 6056).
// The key comes from the shell (which reads the random device); the core never does.
class Rfc6528Isn final : public IsnGenerator {
public:
    Rfc6528Isn(uint64_t key0, uint64_t key1) : k0_(key0), k1_(key1) {}
    wire::SeqNum isn(const FourTuple& tuple, Instant now) override;
    // A keyed hash of the 4-tuple (different keys from the ISN's).
    uint32_t ts_offset(const FourTuple& tuple) override;
    // A keyed hash of (local address, remote address, remote port) (RFC 6056 §3.3.3).
    uint32_t port_offset(wire::Ipv4Address local, Endpoint remote) override;
    // SipHash-2-4 of a counter under the key: a keyed PRF, unpredictable without the key.
    uint32_t random(uint32_t bound) override;

private:
    uint64_t k0_, k1_;
    uint64_t draws_ = 0;
};

}  // namespace ustack::tcp
