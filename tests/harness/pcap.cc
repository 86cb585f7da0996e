// Test harness: writes the exchange as a LINKTYPE_RAW pcap of IPv4 packets,
// built with libtins so the file does not depend on ustack's own codec.
#include <pcap/dlt.h>
#include <tins/ip.h>
#include <tins/packet.h>
#include <tins/packet_writer.h>
#include <tins/rawpdu.h>
#include <tins/tcp.h>

#include <filesystem>

#include "tests/harness/harness.h"

namespace ustack::testing { struct RawIpLink {}; }

namespace Tins {
// DLT_RAW: libpcap writes it as LINKTYPE_RAW (101), packets start with the IP header.
template <>
struct DataLinkType<ustack::testing::RawIpLink> {
    static const int type = DLT_RAW;
    int get_type() const { return type; }
};
}  // namespace Tins

namespace ustack::testing {

bool Harness::write_pcap(const std::string& path) const {
    try {
        std::filesystem::create_directories(std::filesystem::path(path).parent_path());
        Tins::PacketWriter writer(path, Tins::DataLinkType<RawIpLink>());
        for (const Recorded& r : wire_) {
            const tcp::Endpoint& src = r.from_peer ? r.tuple.remote : r.tuple.local;
            const tcp::Endpoint& dst = r.from_peer ? r.tuple.local : r.tuple.remote;
            Tins::TCP t(dst.port, src.port);
            t.seq(r.header.seq.raw());
            t.ack_seq(r.header.ack.raw());
            t.flags(r.header.flags);
            t.window(r.header.window);
            t.urg_ptr(r.header.urgent_ptr);
            const tcp::TcpOptions& o = r.header.options;
            if (o.mss) t.mss(*o.mss);
            if (o.window_scale) t.winscale(*o.window_scale);
            if (o.sack_permitted) t.sack_permitted();
            if (o.timestamps) t.timestamp(o.timestamps->val, o.timestamps->ecr);
            if (o.sack_count > 0) {
                Tins::TCP::sack_type edges;
                for (uint8_t i = 0; i < o.sack_count && i < o.sack.size(); ++i) {
                    edges.push_back(o.sack[i].left.raw());
                    edges.push_back(o.sack[i].right.raw());
                }
                t.sack(edges);
            }
            Tins::IP ip(Tins::IPv4Address(dst.addr.to_string()), Tins::IPv4Address(src.addr.to_string()));
            ip.ttl(64);
            ip.flags(Tins::IP::DONT_FRAGMENT);
            Tins::IP pkt = r.data.empty() ? ip / t : ip / t / Tins::RawPDU(r.data.data(), uint32_t(r.data.size()));
            Tins::Packet p(pkt, Tins::Timestamp(std::chrono::microseconds(to_micros(r.at))));
            writer.write(p);
        }
        return true;
    } catch (const std::exception&) {
        return false;
    }
}

}  // namespace ustack::testing
