// A pcap file writer (classic libpcap format, LINKTYPE_RAW = 101: each record
// is a bare IPv4 packet), readable by tcpdump, tshark and libtins.
#pragma once

#include <cstdint>
#include <cstdio>
#include <span>
#include <string>

#include "base/time.h"

namespace ustack::link {

inline constexpr uint32_t PCAP_MAGIC_MICROS = 0xa1b2c3d4;
inline constexpr uint32_t LINKTYPE_RAW = 101;

class PcapWriter {
public:
    // Creates (truncates) `path` and writes the 24-byte global header.
    // Throws std::system_error when the file cannot be opened.
    explicit PcapWriter(const std::string& path, uint32_t snaplen = 65535);
    ~PcapWriter();
    PcapWriter(const PcapWriter&) = delete;
    PcapWriter& operator=(const PcapWriter&) = delete;

    // One 16-byte record header (seconds, microseconds of `when`) plus the
    // packet, cut to snaplen. Buffered; no allocation.
    void write(std::span<const uint8_t> packet, Instant when);
    void flush();
    uint64_t packets_written() const { return packets_; }

private:
    std::FILE* file_ = nullptr;
    uint32_t snaplen_;
    uint64_t packets_ = 0;
};

}  // namespace ustack::link
