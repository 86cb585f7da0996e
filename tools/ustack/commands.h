// The ustack subcommands: their options and entry points (main.cc wires them to CLI11).
#pragma once

#include <string>

namespace ustack::cli {

struct ServeOptions {
    std::string tun;
    std::string addr;
    std::string host_addr;  // empty: the kernel side is configured by someone else
    std::string root = ".";
    int port = 80;
    size_t mtu = 1500;
    double msl_seconds = 120;  // RFC 9293 §3.4.2 default; tests use 1
    bool verbose = false;
    std::string fault;  // --fault SPEC (tools/ustack/fault_option.h); empty: no injector
};

struct FetchOptions {
    std::string tun;
    std::string addr;
    std::string host_addr;
    std::string url;
    std::string output;  // empty: stdout
    double timeout_seconds = 30;
    size_t mtu = 1500;
    double msl_seconds = 120;
    bool verbose = false;
    std::string fault;  // --fault SPEC (tools/ustack/fault_option.h); empty: no injector
};

// Each returns the process exit status (common.h, enum Exit); errors that end
// the command early are thrown as CliError.
int run_serve(const ServeOptions& options);
int run_fetch(const FetchOptions& options);

}  // namespace ustack::cli
