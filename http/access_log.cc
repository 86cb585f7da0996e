// Common Log Format writer (NCSA httpd), with request-line escaping against log injection.
#include "http/access_log.h"

#include <ctime>
#include <string>

namespace ustack::http {

void AccessLog::write(const AccessRecord& r) {
    std::time_t t = std::chrono::system_clock::to_time_t(r.when);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char when[40];
    std::strftime(when, sizeof when, "%d/%b/%Y:%H:%M:%S +0000", &tm);

    std::string line;
    line.reserve(r.request_line.size() + 96);
    line += r.peer.empty() ? std::string_view("-") : r.peer;
    line += " - - [";
    line += when;
    line += "] \"";
    if (r.request_line.empty()) line += '-';
    for (char c : r.request_line) {
        auto u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            line += '\\';
            line += c;
        } else if (u < 0x20 || u >= 0x7f) {
            static constexpr char hex[] = "0123456789abcdef";
            line += "\\x";
            line += hex[u >> 4];
            line += hex[u & 15];
        } else {
            line += c;
        }
    }
    line += "\" ";
    line += std::to_string(r.status);
    line += ' ';
    line += r.bytes == 0 ? std::string("-") : std::to_string(r.bytes);
    line += '\n';
    std::lock_guard lock(mutex_);
    out_ << line << std::flush;
}

}  // namespace ustack::http
