// Classic pcap format (https://www.tcpdump.org/manpages/pcap-savefile.5.html):
// a 24-byte global header, then per packet a 16-byte header and the bytes.
// Fields are in host byte order; readers detect it from the magic number.
#include "stack/link/pcap_writer.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>

namespace ustack::link {

namespace {

void put32(uint8_t* p, uint32_t v) { std::memcpy(p, &v, 4); }
void put16(uint8_t* p, uint16_t v) { std::memcpy(p, &v, 2); }

}  // namespace

PcapWriter::PcapWriter(const std::string& path, uint32_t snaplen) : snaplen_(snaplen) {
    file_ = std::fopen(path.c_str(), "wb");
    if (!file_) throw std::system_error(errno, std::generic_category(), "cannot open pcap file " + path);
    uint8_t h[24];
    put32(h + 0, PCAP_MAGIC_MICROS);
    put16(h + 4, 2);   // version major
    put16(h + 6, 4);   // version minor
    put32(h + 8, 0);   // thiszone
    put32(h + 12, 0);  // sigfigs
    put32(h + 16, snaplen_);
    put32(h + 20, LINKTYPE_RAW);
    std::fwrite(h, 1, sizeof h, file_);
}

PcapWriter::~PcapWriter() {
    if (file_) std::fclose(file_);
}

void PcapWriter::write(std::span<const uint8_t> packet, Instant when) {
    int64_t us = std::max<int64_t>(0, to_micros(when));
    uint32_t caplen = uint32_t(std::min<size_t>(packet.size(), snaplen_));
    uint8_t h[16];
    put32(h + 0, uint32_t(us / 1000000));
    put32(h + 4, uint32_t(us % 1000000));
    put32(h + 8, caplen);
    put32(h + 12, uint32_t(packet.size()));
    std::fwrite(h, 1, sizeof h, file_);
    std::fwrite(packet.data(), 1, caplen, file_);
    ++packets_;
}

void PcapWriter::flush() { std::fflush(file_); }

}  // namespace ustack::link
