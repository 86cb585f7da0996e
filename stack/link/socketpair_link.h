// Two FdLinks joined by an AF_UNIX SOCK_SEQPACKET socketpair: a wire between
// two stacks in one process, with real fds for the Asio shell (tests).
#pragma once

#include <cstddef>
#include <memory>
#include <utility>

#include "stack/link/fd_link.h"

namespace ustack::link {

// Both ends non-blocking; a packet written on one end is read whole on the
// other. Throws std::system_error when socketpair() fails.
std::pair<std::unique_ptr<FdLink>, std::unique_ptr<FdLink>> make_socketpair_links(size_t mtu);

}  // namespace ustack::link
