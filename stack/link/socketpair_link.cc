// AF_UNIX SOCK_SEQPACKET socketpair links: message boundaries are kept, so
// each read() is one IPv4 packet, like a TUN device.
#include "stack/link/socketpair_link.h"

#include <cerrno>
#include <sys/socket.h>
#include <system_error>
#include <unistd.h>

namespace ustack::link {

std::pair<std::unique_ptr<FdLink>, std::unique_ptr<FdLink>> make_socketpair_links(size_t mtu) {
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) < 0)
        throw std::system_error(errno, std::generic_category(), "socketpair(AF_UNIX, SOCK_SEQPACKET)");
    // Room for a few hundred full-size packets in flight per direction.
    int size = 4 * 1024 * 1024;
    for (int fd : fds) {
        ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
        ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    }
    return {std::make_unique<OwnedFdLink>(fds[0], mtu), std::make_unique<OwnedFdLink>(fds[1], mtu)};
}

}  // namespace ustack::link
