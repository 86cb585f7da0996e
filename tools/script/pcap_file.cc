// pcap writer (the libpcap file format, LINKTYPE_RAW = 101) for script runs.
#include "tools/script/pcap_file.h"

#include <cstdint>
#include <filesystem>
#include <fstream>

namespace ustack::script {

namespace {

void put32(std::ofstream& f, uint32_t v) { f.write(reinterpret_cast<const char*>(&v), 4); }  // host order, per magic
void put16(std::ofstream& f, uint16_t v) { f.write(reinterpret_cast<const char*>(&v), 2); }

}  // namespace

bool write_pcap(const std::string& path, const std::vector<WirePacket>& packets) {
    std::error_code ec;
    auto dir = std::filesystem::path(path).parent_path();
    if (!dir.empty()) std::filesystem::create_directories(dir, ec);
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    if (!f) return false;
    put32(f, 0xa1b2c3d4);  // magic: microsecond timestamps, in the writer's byte order
    put16(f, 2);           // version 2.4
    put16(f, 4);
    put32(f, 0);           // thiszone
    put32(f, 0);           // sigfigs
    put32(f, 65535);       // snaplen
    put32(f, 101);         // LINKTYPE_RAW
    for (const WirePacket& p : packets) {
        int64_t us = to_micros(p.at);
        put32(f, uint32_t(us / 1000000));
        put32(f, uint32_t(us % 1000000));
        put32(f, uint32_t(p.bytes.size()));
        put32(f, uint32_t(p.bytes.size()));
        f.write(reinterpret_cast<const char*>(p.bytes.data()), std::streamsize(p.bytes.size()));
    }
    return bool(f);
}

}  // namespace ustack::script
