// Private network namespace + TUN device for running scripts against the
// Linux kernel (packetdrill's local mode, with namespace isolation added).
#include "tools/script/linux_netns.h"

#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>

namespace ustack::script {

namespace {

constexpr const char* kTunName = "ustk0";

// The RFC-behaviour baseline. SACK and CUBIC as ustack; timestamps, window
// scale and ECN off (the corpus's peers mostly negotiate none of them).
std::vector<Sysctl> defaults() {
    return {
        {"net.ipv4.tcp_syn_linear_timeouts", "0",
         "SYN retransmissions back off exponentially from the first one (RFC 6298 §5.5, RFC 9293 §3.8.1)"},
        {"net.ipv4.tcp_timestamps", "0",
         "the corpus's peers mostly send no TS option; Linux's TSval is not scriptable (RFC 7323 is optional)"},
        {"net.ipv4.tcp_sack", "1", "SACK as ustack (RFC 2018, RFC 6675; both offer it by default)"},
        {"net.ipv4.tcp_window_scaling", "0",
         "the corpus's peers mostly send no window scale; Linux's shift follows its buffers (RFC 7323 is optional)"},
        {"net.ipv4.tcp_ecn", "0", "no ECN negotiation (RFC 3168 is optional)"},
        {"net.ipv4.tcp_early_retrans", "0", "no tail-loss probes: retransmit on the RTO (RFC 6298 §5)"},
        {"net.ipv4.tcp_recovery", "0", "no RACK: loss detection by three duplicate ACKs (RFC 5681 §3.2)"},
        {"net.ipv4.tcp_frto", "0", "no F-RTO (RFC 5682 is experimental)"},
        {"net.ipv4.tcp_autocorking", "0", "writes are not held back while a packet sits in the device queue"},
        {"net.ipv4.tcp_syncookies", "0", "no SYN cookies: a full listen queue behaves as RFC 9293 §3.10.7.2"},
        {"net.ipv4.tcp_rto_min_us", "1000000", "RTO floor of 1 s (RFC 6298 §2.4)"},
        {"net.ipv4.tcp_syn_retries", "7", "SYN given up after 255 s, not 127 s: R2 for a SYN at least 3 minutes (MUST-23)"},
    };
}

bool run_ip(const std::vector<std::string>& args, std::string& error) {
    pid_t pid = fork();
    if (pid < 0) {
        error = std::string("fork: ") + std::strerror(errno);
        return false;
    }
    if (pid == 0) {
        std::vector<char*> argv;
        static std::string ip = "ip";
        argv.push_back(ip.data());
        for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0) dup2(null, STDOUT_FILENO);
        execvp("ip", argv.data());
        execv("/usr/sbin/ip", argv.data());
        execv("/sbin/ip", argv.data());
        _exit(127);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        error = "ip";
        for (const std::string& a : args) error += " " + a;
        error += " failed";
        return false;
    }
    return true;
}

ino_t netns_inode() {
    struct stat st {};
    if (stat("/proc/self/ns/net", &st) != 0) return 0;
    return st.st_ino;
}

}  // namespace

std::string sysctl_path(const std::string& name) {
    std::string p = "/proc/sys/" + name;
    for (size_t i = 10; i < p.size(); ++i) {
        if (p[i] == '.') p[i] = '/';
    }
    return p;
}

std::vector<Sysctl> linux_sysctls(const std::vector<std::string>& overrides) {
    std::vector<Sysctl> list = defaults();
    for (const std::string& o : overrides) {
        size_t eq = o.find('=');
        if (eq == std::string::npos || eq == 0 || eq + 1 == o.size() || o.rfind("net.", 0) != 0 ||
            o.find('/') != std::string::npos || o.find("..") != std::string::npos)
            throw std::invalid_argument("--linux_sysctl needs net.NAME=VALUE (a per-namespace sysctl), got " + o);
        std::string name = o.substr(0, eq), value = o.substr(eq + 1);
        bool replaced = false;
        for (Sysctl& s : list) {
            if (s.name == name) {
                s.value = value;
                s.why = "--linux_sysctl";
                replaced = true;
            }
        }
        if (!replaced) list.push_back({name, value, "--linux_sysctl"});
    }
    return list;
}

Netns enter_private_netns(const NetnsConfig& cfg) {
    Netns ns;
    const ino_t before = netns_inode();
    if (unshare(CLONE_NEWNET) != 0) {
        ns.error = std::string("unshare(CLONE_NEWNET): ") + std::strerror(errno);
        return ns;
    }
    // Everything below writes network configuration: refuse unless we are
    // provably outside the namespace we started in.
    const ino_t after = netns_inode();
    if (before == 0 || after == 0 || before == after) {
        ns.error = "could not verify that the process left its network namespace; nothing configured";
        return ns;
    }
    for (const Sysctl& s : cfg.sysctls) {
        std::ofstream f(sysctl_path(s.name));
        if (!f) {
            ns.notes.push_back(s.name + " does not exist on this kernel (not set)");
            continue;
        }
        f << s.value << "\n";
        f.flush();
        if (!f) ns.notes.push_back(s.name + "=" + s.value + " was refused by the kernel");
    }
    int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        ns.error = std::string("open /dev/net/tun: ") + std::strerror(errno);
        return ns;
    }
    struct ifreq ifr {};
    ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
    std::strncpy(ifr.ifr_name, kTunName, IFNAMSIZ - 1);
    if (ioctl(fd, TUNSETIFF, &ifr) != 0) {
        ns.error = std::string("TUNSETIFF: ") + std::strerror(errno);
        close(fd);
        return ns;
    }
    const std::string local = cfg.local_ip.to_string(), remote = cfg.remote_ip.to_string();
    // quickack 1: ACK every segment at once, as ustack does (it has no delayed ACK).
    std::vector<std::string> route = {"route", "add", remote + "/32", "dev", kTunName, "quickack", "1"};
    std::ifstream rto_min(sysctl_path("net.ipv4.tcp_rto_min_us"));
    if (!rto_min) {
        route.insert(route.end(), {"rto_min", "1000ms"});
        ns.notes.push_back("route rto_min 1000ms (no tcp_rto_min_us sysctl)");
    }
    std::string err;
    if (!run_ip({"link", "set", "lo", "up"}, err) ||
        !run_ip({"link", "set", kTunName, "mtu", std::to_string(cfg.mtu), "up"}, err) ||
        !run_ip({"addr", "add", local + "/32", "dev", kTunName}, err) || !run_ip(route, err)) {
        ns.error = err;
        close(fd);
        return ns;
    }
    ns.tun_fd = fd;
    return ns;
}

}  // namespace ustack::script
