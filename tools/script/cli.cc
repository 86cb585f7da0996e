// The command line of `ustack script FILE...` (and of the test binary
// ustack-script): options -> ScriptOptions -> run_scripts().
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "tools/script/cli.h"
#include "tools/script/script.h"

namespace {

void usage(std::ostream& o) {
    o << "usage: ustack script [options] FILE.pkt...\n"
         "  --tolerance_usecs=N   timing tolerance (default 4000)\n"
         "  --mss=N               MSS ustack announces (default 1460)\n"
         "  --local_ip=A          ustack's address (default 192.168.0.1)\n"
         "  --remote_ip=A         the script peer's address (default 192.0.2.1)\n"
         "  --msl_secs=N          maximum segment lifetime (default 120)\n"
         "  --syn_cookies=N       SYN cookies as Linux's tcp_syncookies: 0 off, 1 when the SYN queue is full\n"
         "                        (default), 2 always; against Linux it sets that sysctl in the namespace\n"
         "  --pcap=DIR            write a pcap of every run to DIR (default: failing runs to /tmp/ustack-script-pcaps)\n"
         "  --json=FILE           results as JSON for tools/conformance/gen_conformance.py --scripts\n"
         "  -v, --verbose         print every packet and call\n"
         "  --against-linux       run against the Linux kernel's TCP in a private network namespace\n"
         "                        (root; exit 77 without); tolerance 25000 us unless given\n"
         "  --diff                run against ustack and Linux; exit 0 when ustack passes every script\n"
         "  --linux_sysctl=N=V    set a net.* sysctl in each namespace (repeatable; overrides the RFC defaults)\n"
         "  --jobs=N              Linux runs at once (default 1)\n"
         "  --linux_max_secs=N    lines due later than N s of real time fail as not run (default 300)\n"
         "Options at the top of a script override these for that script.\n";
}

}  // namespace

namespace ustack::script {

int script_cli(int argc, char** argv) {
    ustack::script::ScriptOptions opt;
    std::vector<std::string> files;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto value = [&](const std::string& key) -> std::string {
            if (a.rfind(key + "=", 0) == 0) return a.substr(key.size() + 1);
            if (a == key && i + 1 < argc) return argv[++i];
            std::cerr << "ustack script: " << key << " needs a value\n";
            std::exit(2);
        };
        auto number = [&](const std::string& key) -> long long {
            std::string v = value(key);
            try {
                return std::stoll(v);
            } catch (const std::exception&) {
                std::cerr << "ustack script: " << key << " needs a number, got " << v << "\n";
                std::exit(2);
            }
        };
        auto is = [&](const std::string& key) { return a == key || a.rfind(key + "=", 0) == 0; };
        if (a == "-h" || a == "--help") {
            usage(std::cout);
            return 0;
        } else if (a == "-v" || a == "--verbose") {
            opt.verbose = true;
        } else if (is("--tolerance_usecs")) {
            opt.tolerance_usecs = number("--tolerance_usecs");
        } else if (is("--mss")) {
            opt.mss = uint16_t(number("--mss"));
        } else if (is("--msl_secs")) {
            opt.msl_secs = number("--msl_secs");
        } else if (is("--syn_cookies")) {
            opt.syn_cookies = number("--syn_cookies");
        } else if (is("--local_ip")) {
            opt.local_ip = value("--local_ip");
        } else if (is("--remote_ip")) {
            opt.remote_ip = value("--remote_ip");
        } else if (is("--pcap")) {
            opt.pcap_dir = value("--pcap");
        } else if (a == "--against-linux") {
            opt.against_linux = true;
        } else if (a == "--diff") {
            opt.diff = true;
        } else if (is("--linux_sysctl")) {
            opt.linux_sysctls.push_back(value("--linux_sysctl"));
        } else if (is("--linux_max_secs")) {
            opt.linux_max_secs = number("--linux_max_secs");
        } else if (is("--jobs")) {
            opt.jobs = int(number("--jobs"));
        } else if (is("--json")) {
            opt.json_path = value("--json");
        } else if (a.size() > 1 && a[0] == '-') {
            std::cerr << "ustack script: unknown option " << a << "\n";
            usage(std::cerr);
            return 2;
        } else {
            files.push_back(a);
        }
    }
    if (files.empty()) {
        usage(std::cerr);
        return 2;
    }
    return ustack::script::run_scripts(opt, files, std::cout);
}

}  // namespace ustack::script
