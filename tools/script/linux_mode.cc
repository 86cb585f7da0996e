// `--against-linux` and `--diff`: each script runs in a forked child that
// enters a fresh network namespace (it dies with the child), and the results
// are compared with the in-process ustack run (issue 3 §3).
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "tools/script/linux_netns.h"
#include "tools/script/linux_runner.h"
#include "tools/script/parser.h"
#include "tools/script/pcap_file.h"
#include "tools/script/report.h"

namespace ustack::script {

namespace {

struct LinuxRun {
    ScriptResult result;
    bool skipped = false;
    std::string notes;
    std::string trace;
};

// The sysctls the script's options imply, then the command line's --linux_sysctl (which wins).
std::vector<std::string> sysctl_overrides(const RunConfig& cfg, const ScriptOptions& options) {
    std::vector<std::string> all = cfg.linux_sysctls;
    all.insert(all.end(), options.linux_sysctls.begin(), options.linux_sysctls.end());
    return all;
}

// The child: everything it does to the network happens in its own namespace.
LinuxRun child_run(std::string_view text, const std::string& name, const ScriptOptions& options) {
    LinuxRun run;
    run.result.name = name;
    std::vector<WirePacket> capture;
    try {
        Script script = parse_script(text);
        run.result.rfc9293 = script.rfc9293;
        RunConfig cfg = base_config(options);
        if (!options.tolerance_usecs) cfg.tolerance_usecs = kLinuxToleranceUsecs;
        cfg.tolerance_percent = kLinuxTolerancePercent;
        for (const ScriptOption& o : script.options) apply_option(cfg, o);
        NetnsConfig nc{cfg.local_ip, cfg.remote_ip, uint32_t(cfg.tcp.mss) + 40,
                       linux_sysctls(sysctl_overrides(cfg, options))};
        Netns ns = enter_private_netns(nc);
        for (const std::string& n : ns.notes) run.notes += (run.notes.empty() ? "" : "; ") + n;
        if (!ns.error.empty()) {
            run.skipped = true;
            run.result.message = ns.error;
            return run;
        }
        std::ostringstream trace;
        LinuxRunner runner(script, cfg, ns.tun_fd, options.verbose ? &trace : nullptr);
        runner.set_max_usecs(options.linux_max_secs * 1'000'000);
        try {
            runner.run();
            run.result.passed = true;
        } catch (const ScriptError& e) {
            run.result.message = name + ":" + std::to_string(e.line) + ": " + e.what();
        }
        capture = runner.capture();
        run.trace = trace.str();
    } catch (const ScriptError& e) {
        run.result.message = name + ":" + std::to_string(e.line) + ": " + e.what();
    } catch (const std::exception& e) {
        run.result.message = name + ": internal error in ustack script (Linux mode): " + e.what();
    }
    std::stable_sort(capture.begin(), capture.end(), [](const WirePacket& a, const WirePacket& b) { return a.at < b.at; });
    std::string dir = options.pcap_dir;
    if (dir.empty() && !run.result.passed && !capture.empty()) dir = "/tmp/ustack-script-pcaps";
    if (!dir.empty()) {
        std::string stem = std::filesystem::path(name).stem().string();
        std::string path = (std::filesystem::path(dir) / (stem + "-linux.pcap")).string();
        if (write_pcap(path, capture)) run.result.pcap_path = path;
    }
    return run;
}

// Child -> parent through a temporary file: status, pcap, notes, message length, message, trace.
void write_run(const std::string& path, const LinuxRun& r) {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f << (r.skipped ? 'S' : r.result.passed ? 'P' : 'F') << "\n"
      << r.result.pcap_path << "\n"
      << r.notes << "\n"
      << r.result.message.size() << "\n"
      << r.result.message << r.trace;
}

LinuxRun read_run(const std::string& path, const std::string& name) {
    LinuxRun r;
    r.result.name = name;
    std::ifstream f(path, std::ios::binary);
    std::string status, size;
    if (!std::getline(f, status) || !std::getline(f, r.result.pcap_path) || !std::getline(f, r.notes) ||
        !std::getline(f, size)) {
        r.result.message = name + ": the Linux run ended without a result (the child crashed)";
        return r;
    }
    r.skipped = status == "S";
    r.result.passed = status == "P";
    r.result.message.resize(std::stoul(size));
    f.read(r.result.message.data(), std::streamsize(r.result.message.size()));
    std::stringstream rest;
    rest << f.rdbuf();
    r.trace = rest.str();
    return r;
}

LinuxRun fork_run(std::string_view text, const std::string& name, const ScriptOptions& options) {
    char path[] = "/tmp/ustack-script-linux-XXXXXX";
    int fd = mkstemp(path);
    LinuxRun r;
    r.result.name = name;
    if (fd < 0) {
        r.result.message = name + ": mkstemp failed";
        return r;
    }
    close(fd);
    pid_t pid = fork();
    if (pid < 0) {
        unlink(path);
        r.result.message = name + ": fork failed";
        return r;
    }
    if (pid == 0) {
        write_run(path, child_run(text, name, options));
        _exit(0);  // also ends helper threads still blocked in kernel calls
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    r = read_run(path, name);
    unlink(path);
    return r;
}

void print_message(std::ostream& out, const std::string& indent, const ScriptResult& r) {
    std::istringstream lines(r.message);
    std::string line;
    while (std::getline(lines, line)) out << indent << line << "\n";
    if (!r.pcap_path.empty()) out << indent << "pcap: " << r.pcap_path << "\n";
}

}  // namespace

ScriptResult run_script_linux(std::string_view text, const std::string& name, const ScriptOptions& options,
                              bool* skipped, std::string* trace) {
    LinuxRun r = fork_run(text, name, options);
    if (skipped) *skipped = r.skipped;
    if (trace) *trace = r.trace;
    return r.result;
}

int run_scripts_linux(const ScriptOptions& options, const std::vector<std::string>& files, std::ostream& out) {
    if (geteuid() != 0) {
        out << "ustack-script: --against-linux needs root (a private network namespace and a TUN device); skipped\n";
        return 77;
    }
    std::vector<Sysctl> sysctls;
    try {
        sysctls = linux_sysctls(sysctl_overrides(base_config(options), options));
    } catch (const ScriptError& e) {
        out << "ustack-script: " << e.what() << "\n";
        return 2;
    } catch (const std::invalid_argument& e) {
        out << "ustack-script: " << e.what() << "\n";
        return 2;
    }
    out << "linux: each script runs in a new network namespace (TUN device ustk0, lo up) with:\n";
    for (const Sysctl& s : sysctls) out << "  sysctl " << s.name << "=" << s.value << "   # " << s.why << "\n";
    out << "  route REMOTE/32 dev ustk0 quickack 1   # ACK every segment at once, as ustack does (no delayed ACK)\n"
        << "  tolerance " << (options.tolerance_usecs ? *options.tolerance_usecs : kLinuxToleranceUsecs)
        << " us + " << kLinuxTolerancePercent
        << "% of the gap since the previous line (timer wheel), unless the script sets its own (real time)\n";
    std::vector<std::string> texts(files.size());
    std::vector<bool> readable(files.size(), false);
    for (size_t i = 0; i < files.size(); ++i) {
        std::ifstream in(files[i], std::ios::binary);
        if (!in) continue;
        std::stringstream t;
        t << in.rdbuf();
        texts[i] = t.str();
        readable[i] = true;
    }
    std::vector<ScriptResult> ustack(files.size());
    if (options.diff) {
        ScriptOptions quiet = options;
        quiet.verbose = false;
        for (size_t i = 0; i < files.size(); ++i) {
            if (readable[i]) ustack[i] = run_script_text(texts[i], files[i], quiet);
            else ustack[i] = ScriptResult{files[i], false, files[i] + ": cannot read the file", {}, {}};
        }
    }
    std::vector<LinuxRun> linux(files.size());
    std::atomic<size_t> next{0};
    auto worker = [&] {
        for (size_t i = next++; i < files.size(); i = next++) {
            if (!readable[i]) {
                linux[i].result = ScriptResult{files[i], false, files[i] + ": cannot read the file", {}, {}};
                continue;
            }
            linux[i] = fork_run(texts[i], files[i], options);
        }
    };
    std::vector<std::thread> pool;
    for (int j = 0; j < std::max(1, options.jobs); ++j) pool.emplace_back(worker);
    for (std::thread& t : pool) t.join();

    for (const LinuxRun& r : linux) {
        if (r.skipped) {
            out << "ustack-script: cannot run against Linux: " << r.result.message << "; skipped\n";
            return 77;
        }
    }
    if (!linux.empty() && !linux[0].notes.empty()) out << "  note: " << linux[0].notes << "\n";
    size_t linux_passed = 0, ustack_passed = 0, ustack_only = 0, linux_only = 0;
    for (size_t i = 0; i < files.size(); ++i) {
        const ScriptResult& l = linux[i].result;
        linux_passed += l.passed ? 1 : 0;
        if (options.verbose && !linux[i].trace.empty()) out << "RUN  " << files[i] << " (Linux)\n" << linux[i].trace;
        if (!options.diff) {
            out << (l.passed ? "PASS " : "FAIL ") << files[i] << " (Linux)\n";
            if (!l.passed) print_message(out, "  ", l);
            continue;
        }
        const ScriptResult& u = ustack[i];
        ustack_passed += u.passed ? 1 : 0;
        const DiffClass c = classify(u.passed, l.passed);
        ustack_only += c == DiffClass::UstackOnly ? 1 : 0;
        linux_only += c == DiffClass::LinuxOnly ? 1 : 0;
        out << to_string(c) << ": " << files[i] << "\n";
        if (!u.passed) out << "  ustack: " << first_line(u.message) << "\n";
        if (!l.passed) {
            out << "  linux:  " << first_line(l.message) << "\n";
            if (options.verbose) print_message(out, "    ", l);
        }
    }
    if (!options.json_path.empty()) {
        std::ofstream j(options.json_path, std::ios::trunc);
        j << "[\n";
        for (size_t i = 0; i < files.size(); ++i) {
            const ScriptResult& r = options.diff ? ustack[i] : linux[i].result;
            j << "  {\"name\": \"" << json_escape(files[i]) << "\", \"passed\": " << (r.passed ? "true" : "false")
              << ", \"rfc9293\": [";
            const std::vector<std::string>& ids = linux[i].result.rfc9293.empty() ? r.rfc9293 : linux[i].result.rfc9293;
            for (size_t k = 0; k < ids.size(); ++k) j << (k ? ", " : "") << "\"" << json_escape(ids[k]) << "\"";
            j << "], \"linux_passed\": " << (linux[i].result.passed ? "true" : "false") << ", \"target\": \""
              << (options.diff ? "diff" : "linux") << "\"";
            // Where each side failed (first line: FILE:LINE: what), for the Linux section of docs/conformance.md.
            if (!r.passed) j << ", \"message\": \"" << json_escape(first_line(r.message)) << "\"";
            if (!linux[i].result.passed)
                j << ", \"linux_message\": \"" << json_escape(first_line(linux[i].result.message)) << "\"";
            j << "}" << (i + 1 < files.size() ? "," : "") << "\n";
        }
        j << "]\n";
        if (!j) out << "cannot write " << options.json_path << "\n";
    }
    const size_t n = files.size();
    if (!options.diff) {
        out << linux_passed << " passed, " << n - linux_passed << " failed\n";
        return linux_passed == n ? 0 : 1;
    }
    out << "Linux: " << linux_passed << " passed, " << n - linux_passed << " failed; differences: " << ustack_only
        << " pass on ustack only, " << linux_only << " pass on Linux only\n";
    out << ustack_passed << " passed, " << n - ustack_passed << " failed\n";
    return ustack_passed == n ? 0 : 1;
}

}  // namespace ustack::script
