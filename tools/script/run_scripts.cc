// Running scripts: options precedence, pass/fail reporting, pcaps and the
// JSON results that tools/conformance/gen_conformance.py reads (--scripts).
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tools/script/linux_runner.h"
#include "tools/script/parser.h"
#include "tools/script/pcap_file.h"
#include "tools/script/report.h"
#include "tools/script/runner.h"
#include "tools/script/script.h"

namespace ustack::script {

namespace {

std::string pcap_name(const std::string& name) {
    std::string stem = std::filesystem::path(name).stem().string();
    return stem.empty() ? "script.pcap" : stem + ".pcap";
}

}  // namespace

RunConfig base_config(const ScriptOptions& o) {
    RunConfig c;
    if (o.tolerance_usecs) c.tolerance_usecs = *o.tolerance_usecs;
    if (o.mss) c.tcp.mss = *o.mss;
    if (o.msl_secs) c.tcp.msl = std::chrono::seconds(*o.msl_secs);
    if (o.syn_cookies && !set_syn_cookies(c, *o.syn_cookies)) throw ScriptError(0, "--syn_cookies must be 0, 1 or 2");
    auto ip = [](const std::string& text, wire::Ipv4Address& dst) {
        auto a = wire::Ipv4Address::parse(text);
        if (!a) throw ScriptError(0, "bad IPv4 address " + text);
        dst = *a;
    };
    if (o.local_ip) ip(*o.local_ip, c.local_ip);
    if (o.remote_ip) ip(*o.remote_ip, c.remote_ip);
    return c;
}

ScriptResult run_script_text(std::string_view text, const std::string& name, const ScriptOptions& options,
                             std::ostream* trace) {
    ScriptResult r;
    r.name = name;
    Script script;
    std::vector<WirePacket> capture;
    try {
        script = parse_script(text);
        r.rfc9293 = script.rfc9293;
        RunConfig cfg = base_config(options);
        for (const ScriptOption& o : script.options) apply_option(cfg, o);
        Runner runner(script, cfg, trace);
        try {
            runner.run();
            r.passed = true;
        } catch (const ScriptError& e) {
            r.message = name + ":" + std::to_string(e.line) + ": " + e.what();
        }
        capture = runner.capture();
    } catch (const ScriptError& e) {
        r.message = name + ":" + std::to_string(e.line) + ": " + e.what();
    } catch (const std::exception& e) {  // a bug in the runner must not end the whole run
        r.passed = false;
        r.message = name + ": internal error in ustack script: " + e.what();
    }
    std::string dir = options.pcap_dir;
    if (dir.empty() && !r.passed && !capture.empty()) dir = "/tmp/ustack-script-pcaps";
    if (!dir.empty()) {
        std::string path = (std::filesystem::path(dir) / pcap_name(name)).string();
        if (write_pcap(path, capture)) r.pcap_path = path;
    }
    return r;
}

int run_scripts(const ScriptOptions& options, std::vector<std::string> files, std::ostream& out) {
    if (options.against_linux || options.diff) return run_scripts_linux(options, files, out);
    std::vector<ScriptResult> results;
    for (const std::string& file : files) {
        std::ifstream in(file, std::ios::binary);
        ScriptResult r;
        if (!in) {
            r.name = file;
            r.message = file + ": cannot read the file";
        } else {
            std::stringstream text;
            text << in.rdbuf();
            if (options.verbose) out << "RUN  " << file << "\n";
            r = run_script_text(text.str(), file, options, options.verbose ? &out : nullptr);
        }
        out << (r.passed ? "PASS " : "FAIL ") << file << "\n";
        if (!r.passed) {
            std::istringstream lines(r.message);
            std::string line;
            while (std::getline(lines, line)) out << "  " << line << "\n";
            if (!r.pcap_path.empty()) out << "  pcap: " << r.pcap_path << "\n";
        }
        results.push_back(std::move(r));
    }
    size_t passed = 0;
    for (const ScriptResult& r : results) passed += r.passed ? 1 : 0;
    if (!options.json_path.empty()) {
        std::ofstream j(options.json_path, std::ios::trunc);
        j << "[\n";
        for (size_t i = 0; i < results.size(); ++i) {
            const ScriptResult& r = results[i];
            j << "  {\"name\": \"" << json_escape(r.name) << "\", \"passed\": " << (r.passed ? "true" : "false")
              << ", \"rfc9293\": [";
            for (size_t k = 0; k < r.rfc9293.size(); ++k) j << (k ? ", " : "") << "\"" << json_escape(r.rfc9293[k]) << "\"";
            j << "]}" << (i + 1 < results.size() ? "," : "") << "\n";
        }
        j << "]\n";
        if (!j) out << "cannot write " << options.json_path << "\n";
    }
    out << passed << " passed, " << results.size() - passed << " failed\n";
    return passed == results.size() ? 0 : 1;
}

}  // namespace ustack::script
