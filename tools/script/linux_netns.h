// The private network namespace of `ustack script --against-linux`: the
// sysctls that make Linux follow the RFCs where a knob exists, and the TUN
// device the script's peer lives behind (packetdrill's local mode).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "stack/wire/ipv4_address.h"

namespace ustack::script {

struct Sysctl {
    std::string name;   // "net.ipv4.tcp_timestamps"
    std::string value;  // "0"
    std::string why;    // the RFC reason, printed once per run
};

// The sysctls set in each namespace: the RFC defaults below, then each
// "name=value" of `overrides` (--linux_sysctl) replacing or adding one.
// Throws std::invalid_argument for an override that is not "net.*=value".
std::vector<Sysctl> linux_sysctls(const std::vector<std::string>& overrides);

// "net.ipv4.tcp_sack" -> "/proc/sys/net/ipv4/tcp_sack".
std::string sysctl_path(const std::string& name);

struct NetnsConfig {
    wire::Ipv4Address local_ip;   // the kernel's address (ustack's role in the script)
    wire::Ipv4Address remote_ip;  // the scripted peer, routed via the TUN device
    uint32_t mtu = 1500;          // of the TUN device: the kernel announces MSS = mtu - 40
    std::vector<Sysctl> sysctls;
};

struct Netns {
    int tun_fd = -1;
    std::string error;              // non-empty: the namespace could not be set up
    std::vector<std::string> notes;  // sysctls that do not exist on this kernel, route extras
};

// Moves the calling process into a new network namespace (unshare), checks
// that it really left the original one, brings lo up, creates the TUN device
// with local_ip and a /32 route to remote_ip through it, and writes the
// sysctls. Only for a forked child: the namespace dies with the process.
Netns enter_private_netns(const NetnsConfig& cfg);

}  // namespace ustack::script
