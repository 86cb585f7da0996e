// A Linux TUN device (IFF_TUN|IFF_NO_PI): the kernel hands us raw IPv4
// packets, one per read(). Also configures the kernel's side of it.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "stack/link/fd_link.h"
#include "stack/wire/ipv4_address.h"

namespace ustack::link {

class TunDevice : public FdLink {
public:
    // Opens (creating if absent) TUN device `name`, non-blocking. Throws
    // std::system_error with a one-line message: no /dev/net/tun, permission
    // denied (need root/CAP_NET_ADMIN), or the device is busy.
    static std::unique_ptr<TunDevice> open(const std::string& name, size_t mtu);
    ~TunDevice() override;
    TunDevice(const TunDevice&) = delete;
    TunDevice& operator=(const TunDevice&) = delete;

    int fd() const override { return fd_; }
    size_t mtu() const override { return mtu_; }
    const std::string& name() const { return name_; }

private:
    TunDevice(int fd, std::string name, size_t mtu) : fd_(fd), name_(std::move(name)), mtu_(mtu) {}
    int fd_;
    std::string name_;
    size_t mtu_;
};

// Gives the kernel side of `ifname` the address addr/prefix_len and MTU, and
// brings it up (SIOCSIFADDR, SIOCSIFNETMASK, SIOCSIFMTU, SIOCSIFFLAGS).
// Throws std::system_error naming the failing step.
void configure_host_side(const std::string& ifname, wire::Ipv4Address addr, int prefix_len, size_t mtu);

}  // namespace ustack::link
