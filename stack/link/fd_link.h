// Links backed by a non-blocking file descriptor that carries one whole IPv4
// packet per read()/write(): a TUN device (IFF_TUN|IFF_NO_PI) or an AF_UNIX
// SOCK_SEQPACKET socket used in tests.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "stack/link/link.h"

namespace ustack::link {

struct FdLinkCounters {
    uint64_t rx_packets = 0;
    uint64_t rx_truncated = 0;     // larger than the caller's buffer
    uint64_t rx_errors = 0;
    uint64_t tx_packets = 0;
    uint64_t tx_would_block = 0;   // EAGAIN: the shell keeps the packet and waits for POLLOUT
    uint64_t tx_errors = 0;
};

class FdLink : public Link {
public:
    enum class WriteResult { Written, WouldBlock, Failed };

    // The descriptor the shell waits on (readable / writable).
    virtual int fd() const = 0;

    // Writes one packet. WouldBlock (EAGAIN) leaves the packet with the caller,
    // which retries once the fd is writable; Failed means dropped.
    virtual WriteResult write_packet(std::span<const uint8_t> packet);

    bool transmit(std::span<const uint8_t> packet, Instant now) override;
    std::optional<size_t> receive(std::span<uint8_t> buf, Instant now) override;

    const FdLinkCounters& counters() const { return counters_; }

protected:
    FdLinkCounters counters_;
};

// An FdLink that owns its descriptor (closed on destruction).
class OwnedFdLink : public FdLink {
public:
    OwnedFdLink(int fd, size_t mtu) : fd_(fd), mtu_(mtu) {}
    ~OwnedFdLink() override;
    OwnedFdLink(const OwnedFdLink&) = delete;
    OwnedFdLink& operator=(const OwnedFdLink&) = delete;

    int fd() const override { return fd_; }
    size_t mtu() const override { return mtu_; }

private:
    int fd_;
    size_t mtu_;
};

// Sets O_NONBLOCK on `fd`; throws std::system_error on failure.
void set_nonblocking(int fd);

}  // namespace ustack::link
