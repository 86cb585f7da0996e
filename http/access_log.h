// Common Log Format access log (the NCSA httpd format): one line per answered request.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <ostream>
#include <string_view>

namespace ustack::http {

struct AccessRecord {
    std::string_view peer;          // client address, "-" when unknown
    std::string_view request_line;  // "GET / HTTP/1.1"; empty when the request line was unreadable
    int status = 0;
    uint64_t bytes = 0;             // body bytes sent
    std::chrono::system_clock::time_point when = std::chrono::system_clock::now();
};

class AccessLog {
public:
    explicit AccessLog(std::ostream& out) : out_(out) {}
    // Writes `host - - [dd/Mon/yyyy:HH:MM:SS +0000] "request" status bytes`; quotes and control
    // characters in the request line are escaped so a client cannot forge log lines.
    void write(const AccessRecord& r);

private:
    std::ostream& out_;
    std::mutex mutex_;
};

}  // namespace ustack::http
