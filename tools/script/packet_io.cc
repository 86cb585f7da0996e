// Injected packet bytes, outbound capture, comparison and printing in the
// packetdrill notation (RFC 9293 §3.1 header, §3.2 options).
#include "tools/script/packet_io.h"

#include <cstdio>

#include "stack/wire/bytes.h"
#include "stack/wire/checksum.h"
#include "stack/wire/ipv4.h"
#include "tcp/segment_codec.h"

namespace ustack::script {

namespace {

constexpr size_t kIp = wire::IPV4_MIN_HEADER_LEN;

std::vector<uint8_t> option_bytes(const PacketSpec& spec, uint32_t sack_base, int line) {
    std::vector<uint8_t> b;
    auto u16 = [&](uint32_t v) { b.push_back(uint8_t(v >> 8)); b.push_back(uint8_t(v)); };
    auto u32 = [&](uint32_t v) { u16(v >> 16); u16(v & 0xffff); };
    for (const OptionSpec& o : spec.options) {
        switch (o.kind) {
        case OptionSpec::Kind::Nop: b.push_back(1); break;
        case OptionSpec::Kind::Eol: b.push_back(0); break;
        case OptionSpec::Kind::Mss: b.push_back(2); b.push_back(4); u16(o.a); break;
        case OptionSpec::Kind::WindowScale: b.push_back(3); b.push_back(3); b.push_back(uint8_t(o.a)); break;
        case OptionSpec::Kind::SackOk: b.push_back(4); b.push_back(2); break;
        case OptionSpec::Kind::Sack:
            b.push_back(5);
            b.push_back(uint8_t(2 + 8 * o.blocks.size()));
            for (auto [l, r] : o.blocks) {
                u32(sack_base + l);
                u32(sack_base + r);
            }
            break;
        case OptionSpec::Kind::Timestamp: b.push_back(8); b.push_back(10); u32(o.a); u32(o.b); break;
        }
    }
    if (b.size() % 4 != 0)
        throw ScriptError(line, "TCP options are not padded to a multiple of 4 bytes (" + std::to_string(b.size()) +
                                    " bytes; add nop or eol)");
    if (b.size() > 40) throw ScriptError(line, "TCP options exceed 40 bytes");
    return b;
}

std::span<const uint8_t> tcp_options_of(const WirePacket& p) {
    if (p.bytes.size() < kIp + 20) return {};
    size_t doff = size_t(p.bytes[kIp + 12] >> 4) * 4;
    if (doff < 20 || kIp + doff > p.bytes.size()) return {};
    return std::span<const uint8_t>(p.bytes).subspan(kIp + 20, doff - 20);
}

// Options in script notation, walked from the wire bytes so NOP/EOL show as sent.
std::string format_option_bytes(std::span<const uint8_t> o, uint32_t sack_base) {
    std::string s;
    auto sep = [&] { if (!s.empty()) s += ","; };
    size_t i = 0;
    while (i < o.size()) {
        uint8_t kind = o[i];
        sep();
        if (kind == 0) { s += "eol"; ++i; continue; }
        if (kind == 1) { s += "nop"; ++i; continue; }
        if (i + 1 >= o.size() || o[i + 1] < 2 || i + o[i + 1] > o.size()) { s += "<bad option length>"; break; }
        uint8_t len = o[i + 1];
        const uint8_t* d = &o[i + 2];
        if (kind == 2 && len == 4) s += "mss " + std::to_string(wire::load_be16(d));
        else if (kind == 3 && len == 3) s += "wscale " + std::to_string(d[0]);
        else if (kind == 4 && len == 2) s += "sackOK";
        else if (kind == 8 && len == 10)
            s += "TS val " + std::to_string(wire::load_be32(d)) + " ecr " + std::to_string(wire::load_be32(d + 4));
        else if (kind == 5 && (len - 2) % 8 == 0) {
            s += "sack";
            for (size_t k = 0; k + 8 <= size_t(len - 2); k += 8)
                s += " " + std::to_string(wire::load_be32(d + k) - sack_base) + ":" +
                     std::to_string(wire::load_be32(d + k + 4) - sack_base);
        } else {
            s += "opt" + std::to_string(kind) + " len " + std::to_string(len);
        }
        i += len;
    }
    return "<" + s + ">";
}

std::string format_spec_options(const PacketSpec& spec) {
    if (spec.options_unchecked) return "<...>";
    std::string s;
    for (const OptionSpec& o : spec.options) {
        if (!s.empty()) s += ",";
        switch (o.kind) {
        case OptionSpec::Kind::Nop: s += "nop"; break;
        case OptionSpec::Kind::Eol: s += "eol"; break;
        case OptionSpec::Kind::Mss: s += "mss " + std::to_string(o.a); break;
        case OptionSpec::Kind::WindowScale: s += "wscale " + std::to_string(o.a); break;
        case OptionSpec::Kind::SackOk: s += "sackOK"; break;
        case OptionSpec::Kind::Sack:
            s += "sack";
            for (auto [l, r] : o.blocks) s += " " + std::to_string(l) + ":" + std::to_string(r);
            break;
        case OptionSpec::Kind::Timestamp: s += "TS val " + std::to_string(o.a) + " ecr " + std::to_string(o.b); break;
        }
    }
    return "<" + s + ">";
}

// The options a line expects, by meaning.
tcp::TcpOptions expected_options(const PacketSpec& spec, uint32_t sack_base) {
    tcp::TcpOptions o;
    for (const OptionSpec& s : spec.options) {
        switch (s.kind) {
        case OptionSpec::Kind::Mss: o.mss = uint16_t(s.a); break;
        case OptionSpec::Kind::WindowScale: o.window_scale = uint8_t(s.a); break;
        case OptionSpec::Kind::SackOk: o.sack_permitted = true; break;
        case OptionSpec::Kind::Timestamp: o.timestamps = tcp::Timestamps{s.a, s.b}; break;
        case OptionSpec::Kind::Sack:
            for (auto [l, r] : s.blocks) {
                if (o.sack_count < o.sack.size())
                    o.sack[o.sack_count++] = tcp::SackBlock{wire::SeqNum(sack_base + l), wire::SeqNum(sack_base + r)};
            }
            break;
        default: break;
        }
    }
    return o;
}

bool same_options(const tcp::TcpOptions& want, const tcp::TcpOptions& got) {
    if (want.mss != got.mss || want.window_scale != got.window_scale || want.sack_permitted != got.sack_permitted)
        return false;
    if (want.timestamps.has_value() != got.timestamps.has_value()) return false;
    if (want.timestamps && want.timestamps->ecr != got.timestamps->ecr) return false;  // val is ustack's clock
    if (want.sack_count != got.sack_count) return false;
    for (uint8_t i = 0; i < want.sack_count; ++i) {
        if (!(want.sack[i] == got.sack[i])) return false;
    }
    return true;
}

std::string ports(const tcp::Endpoint& a, const tcp::Endpoint& b) {
    return std::to_string(a.port) + ">" + std::to_string(b.port);
}

}  // namespace

WirePacket build_inbound(const PacketSpec& spec, const tcp::FourTuple& tuple, const IsnPair& isn, Instant at,
                         int line) {
    std::vector<uint8_t> opts = option_bytes(spec, isn.local, line);
    const size_t tcp_len = 20 + opts.size() + spec.len;
    WirePacket p;
    p.at = at;
    p.inbound = true;
    p.tuple = tuple;
    p.payload_len = spec.len;
    p.bytes.assign(kIp + tcp_len, 0);
    uint8_t* t = p.bytes.data() + kIp;
    wire::store_be16(t + 0, tuple.remote.port);
    wire::store_be16(t + 2, tuple.local.port);
    wire::store_be32(t + 4, isn.remote + spec.start);
    wire::store_be32(t + 8, spec.ack ? isn.local + *spec.ack : 0);
    t[12] = uint8_t(((20 + opts.size()) / 4) << 4);
    t[13] = spec.flags;
    wire::store_be16(t + 14, spec.win.value_or(0));
    wire::store_be16(t + 18, spec.urg.value_or(0));
    std::copy(opts.begin(), opts.end(), t + 20);
    wire::Checksum sum;
    sum.add_pseudo_header(tuple.remote.addr, tuple.local.addr, wire::IP_PROTO_TCP, uint16_t(tcp_len));
    sum.add(std::span<const uint8_t>(t, tcp_len));
    wire::store_be16(t + 16, sum.finish());
    wire::Ipv4Header ip;
    ip.src = tuple.remote.addr;
    ip.dst = tuple.local.addr;
    ip.protocol = wire::IP_PROTO_TCP;
    ip.payload_len = uint16_t(tcp_len);
    wire::emit_ipv4_header(p.bytes, ip);
    tcp::ParsedSegment parsed;
    tcp::parse_segment(std::span<const uint8_t>(t, tcp_len), tuple.remote.addr, tuple.local.addr, false, parsed);
    p.seg = parsed.seg;
    p.seg.payload = {};
    return p;
}

WirePacket capture_outbound(const tcp::FourTuple& tuple, const tcp::Segment& seg, Instant at) {
    WirePacket p;
    p.at = at;
    p.inbound = false;
    p.tuple = tuple;
    p.seg = seg;
    p.seg.payload = {};
    p.payload_len = uint32_t(seg.payload.size());
    const size_t tcp_len = tcp::segment_wire_size(seg);
    p.bytes.assign(kIp + tcp_len, 0);
    wire::Ipv4Header ip;
    ip.src = tuple.local.addr;
    ip.dst = tuple.remote.addr;
    ip.protocol = wire::IP_PROTO_TCP;
    ip.payload_len = uint16_t(tcp_len);
    wire::emit_ipv4_header(p.bytes, ip);
    tcp::emit_segment(std::span<uint8_t>(p.bytes).subspan(kIp), tuple.local.addr, tuple.local.port,
                      tuple.remote.addr, tuple.remote.port, seg);
    tcp::ParsedSegment check;
    p.checksum_ok = tcp::parse_segment(std::span<const uint8_t>(p.bytes).subspan(kIp), tuple.local.addr,
                                       tuple.remote.addr, true, check) == tcp::ParseError::None;
    return p;
}

std::string compare_outbound(const PacketSpec& want, const WirePacket& got, const IsnPair& isn,
                             const tcp::FourTuple* live) {
    std::string diff;
    auto add = [&](const std::string& what, const std::string& e, const std::string& a) {
        if (!diff.empty()) diff += "; ";
        diff += what + ": expected " + e + ", actual " + a;
    };
    const tcp::Endpoint& src = got.tuple.local;
    const tcp::Endpoint& dst = got.tuple.remote;
    if (want.src_port || want.dst_port) {
        if ((want.src_port && *want.src_port != src.port) || (want.dst_port && *want.dst_port != dst.port))
            add("ports", std::to_string(want.src_port.value_or(src.port)) + ">" +
                             std::to_string(want.dst_port.value_or(dst.port)),
                ports(src, dst));
    } else if (live && !(*live == got.tuple)) {
        add("connection", live->local.to_string() + ">" + live->remote.to_string(),
            src.to_string() + ">" + dst.to_string());
    }
    if (!got.checksum_ok) add("checksum", "valid", "bad");
    if (want.flags != got.seg.flags) add("flags", format_flags(want.flags), format_flags(got.seg.flags));
    uint32_t rel_seq = got.seg.seq.raw() - isn.local;
    if (rel_seq != want.start) add("seq", std::to_string(want.start), std::to_string(rel_seq));
    if (want.len != got.payload_len) add("payload length", std::to_string(want.len), std::to_string(got.payload_len));
    if (want.ack && (want.flags & tcp::flags::ACK)) {
        uint32_t rel_ack = got.seg.ack.raw() - isn.remote;
        if (rel_ack != *want.ack) add("ack", std::to_string(*want.ack), std::to_string(rel_ack));
    }
    if (want.win && *want.win != got.seg.window) add("win", std::to_string(*want.win), std::to_string(got.seg.window));
    if (want.urg.value_or(0) != got.seg.urgent_ptr)
        add("urg", std::to_string(want.urg.value_or(0)), std::to_string(got.seg.urgent_ptr));
    if (!want.options_unchecked && !same_options(expected_options(want, isn.remote), got.seg.options))
        add("options", format_spec_options(want), format_option_bytes(tcp_options_of(got), isn.remote));
    return diff;
}

std::string format_flags(uint8_t f) {
    std::string s;
    if (f & tcp::flags::FIN) s += 'F';
    if (f & tcp::flags::SYN) s += 'S';
    if (f & tcp::flags::RST) s += 'R';
    if (f & tcp::flags::PSH) s += 'P';
    if (f & tcp::flags::ACK) s += '.';
    if (f & tcp::flags::URG) s += 'U';
    if (f & tcp::flags::ECE) s += 'E';
    if (f & tcp::flags::CWR) s += 'W';
    return s.empty() ? "-" : s;
}

std::string format_usecs(int64_t usecs) {
    char buf[48];
    std::snprintf(buf, sizeof buf, "%s%lld.%06lld", usecs < 0 ? "-" : "", (long long)(std::llabs(usecs) / 1000000),
                  (long long)(std::llabs(usecs) % 1000000));
    return buf;
}

std::string format_spec(const PacketSpec& p) {
    std::string s = p.inbound ? "< " : "> ";
    if (p.src_port || p.dst_port)
        s += std::to_string(p.src_port.value_or(0)) + ">" + std::to_string(p.dst_port.value_or(0)) + " ";
    s += format_flags(p.flags) + " " + std::to_string(p.start) + ":" + std::to_string(p.start + p.len) + "(" +
         std::to_string(p.len) + ")";
    if (p.ack) s += " ack " + std::to_string(*p.ack);
    if (p.win) s += " win " + std::to_string(*p.win);
    if (p.urg) s += " urg " + std::to_string(*p.urg);
    if (p.options_unchecked || !p.options.empty()) s += " " + format_spec_options(p);
    return s;
}

std::string format_wire(const WirePacket& p, const IsnPair& isn) {
    const uint32_t seq_base = p.inbound ? isn.remote : isn.local;
    const uint32_t ack_base = p.inbound ? isn.local : isn.remote;
    uint32_t start = p.seg.seq.raw() - seq_base;
    std::string s = p.inbound ? "< " : "> ";
    s += format_flags(p.seg.flags) + " " + std::to_string(start) + ":" + std::to_string(start + p.payload_len) + "(" +
         std::to_string(p.payload_len) + ")";
    if (p.seg.ack_flag()) s += " ack " + std::to_string(p.seg.ack.raw() - ack_base);
    s += " win " + std::to_string(p.seg.window);
    if (p.seg.urgent_ptr) s += " urg " + std::to_string(p.seg.urgent_ptr);
    std::span<const uint8_t> opts = tcp_options_of(p);
    if (!opts.empty()) s += " " + format_option_bytes(opts, ack_base);
    return s;
}

}  // namespace ustack::script
