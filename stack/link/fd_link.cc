// Packet I/O on a non-blocking descriptor: one packet per read()/write(),
// no allocation (the caller owns every buffer).
#include "stack/link/fd_link.h"

#include <cerrno>
#include <fcntl.h>
#include <system_error>
#include <unistd.h>

namespace ustack::link {

FdLink::WriteResult FdLink::write_packet(std::span<const uint8_t> packet) {
    for (;;) {
        ssize_t n = ::write(fd(), packet.data(), packet.size());
        if (n >= 0) {
            ++counters_.tx_packets;
            return WriteResult::Written;
        }
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) {
            ++counters_.tx_would_block;
            return WriteResult::WouldBlock;
        }
        ++counters_.tx_errors;
        return WriteResult::Failed;
    }
}

bool FdLink::transmit(std::span<const uint8_t> packet, Instant) {
    return write_packet(packet) == WriteResult::Written;
}

std::optional<size_t> FdLink::receive(std::span<uint8_t> buf, Instant) {
    for (;;) {
        ssize_t n = ::read(fd(), buf.data(), buf.size());
        if (n >= 0) {
            ++counters_.rx_packets;
            // read() on a packet fd cuts a too-large packet to the buffer; a
            // full buffer is the only sign we get.
            if (size_t(n) == buf.size() && buf.size() < mtu()) ++counters_.rx_truncated;
            return size_t(n);
        }
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) ++counters_.rx_errors;
        return std::nullopt;
    }
}

OwnedFdLink::~OwnedFdLink() {
    if (fd_ >= 0) ::close(fd_);
}

void set_nonblocking(int fd) {
    int fl = ::fcntl(fd, F_GETFL);
    if (fl < 0 || ::fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
        throw std::system_error(errno, std::generic_category(), "fcntl(O_NONBLOCK)");
}

}  // namespace ustack::link
