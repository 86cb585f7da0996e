// TUN device open and kernel-side configuration via ioctl (linux/if_tun.h,
// netdevice(7)); no shelling out to ip(8).
#include "stack/link/tun_device.h"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <system_error>
#include <unistd.h>

namespace ustack::link {

namespace {

[[noreturn]] void fail(int err, const std::string& what) {
    throw std::system_error(err, std::generic_category(), what);
}

void copy_name(ifreq& ifr, const std::string& name) {
    if (name.empty() || name.size() >= IFNAMSIZ) fail(EINVAL, "bad interface name '" + name + "'");
    std::memset(&ifr, 0, sizeof ifr);
    std::memcpy(ifr.ifr_name, name.data(), name.size());
}

}  // namespace

std::unique_ptr<TunDevice> TunDevice::open(const std::string& name, size_t mtu) {
    ifreq ifr;
    copy_name(ifr, name);
    int fd = ::open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        int err = errno;
        if (err == ENOENT || err == ENODEV || err == ENXIO)
            fail(err, "/dev/net/tun not found (is the tun module loaded?)");
        if (err == EACCES || err == EPERM)
            fail(err, "permission denied opening /dev/net/tun: run as root or with CAP_NET_ADMIN");
        fail(err, "cannot open /dev/net/tun");
    }
    ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
    if (::ioctl(fd, TUNSETIFF, &ifr) < 0) {
        int err = errno;
        ::close(fd);
        if (err == EBUSY) fail(err, "TUN device " + name + " is busy (another process has it open)");
        if (err == EPERM || err == EACCES)
            fail(err, "permission denied creating TUN device " + name + ": run as root or with CAP_NET_ADMIN");
        fail(err, "TUNSETIFF " + name);
    }
    return std::unique_ptr<TunDevice>(new TunDevice(fd, ifr.ifr_name, mtu));
}

TunDevice::~TunDevice() {
    if (fd_ >= 0) ::close(fd_);
}

void configure_host_side(const std::string& ifname, wire::Ipv4Address addr, int prefix_len, size_t mtu) {
    if (prefix_len < 0 || prefix_len > 32) fail(EINVAL, "bad prefix length " + std::to_string(prefix_len));
    int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) fail(errno, "socket(AF_INET) for interface configuration");
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{s};

    auto set_in = [](ifreq& ifr, uint32_t host_order) {
        sockaddr_in sin{};
        sin.sin_family = AF_INET;
        sin.sin_addr.s_addr = htonl(host_order);
        std::memcpy(&ifr.ifr_addr, &sin, sizeof sin);
    };
    ifreq ifr;
    copy_name(ifr, ifname);
    set_in(ifr, addr.to_u32());
    if (::ioctl(s, SIOCSIFADDR, &ifr) < 0) fail(errno, "SIOCSIFADDR on " + ifname);

    copy_name(ifr, ifname);
    uint32_t mask = prefix_len == 0 ? 0 : ~uint32_t(0) << (32 - prefix_len);
    set_in(ifr, mask);
    if (::ioctl(s, SIOCSIFNETMASK, &ifr) < 0) fail(errno, "SIOCSIFNETMASK on " + ifname);

    copy_name(ifr, ifname);
    ifr.ifr_mtu = int(mtu);
    if (::ioctl(s, SIOCSIFMTU, &ifr) < 0) fail(errno, "SIOCSIFMTU on " + ifname);

    copy_name(ifr, ifname);
    if (::ioctl(s, SIOCGIFFLAGS, &ifr) < 0) fail(errno, "SIOCGIFFLAGS on " + ifname);
    ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
    if (::ioctl(s, SIOCSIFFLAGS, &ifr) < 0) fail(errno, "SIOCSIFFLAGS (up) on " + ifname);
}

}  // namespace ustack::link
