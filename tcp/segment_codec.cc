// Bytes <-> Segment (RFC 9293 §3.1 format and checksum, §3.2 options;
// RFC 7323 §2-3 window scale and timestamps; RFC 2018 §2-3 SACK).
#include "tcp/segment_codec.h"

#include <algorithm>
#include <cstring>

#include "stack/wire/bytes.h"
#include "stack/wire/checksum.h"
#include "stack/wire/ipv4.h"
#include "stack/wire/tcp_header.h"

namespace ustack::tcp {
namespace {
using namespace ustack::wire;

// Option lengths fixed by their RFCs: a known kind with another length is
// not understood and is skipped like an unknown option.
constexpr size_t MSS_LEN = 4;
constexpr size_t WS_LEN = 3;
constexpr size_t SACK_PERMITTED_LEN = 2;
constexpr size_t TIMESTAMPS_LEN = 10;
constexpr size_t SACK_BLOCK_LEN = 8;

// Decodes options into `opts`; returns false on an illegal length (MUST-7).
bool decode_options(std::span<const uint8_t> bytes, TcpOptions& opts) {
    TcpOptionIterator it(bytes);
    TcpOptionView o;
    while (it.next(o)) {
        const uint8_t* d = o.data.data();
        size_t len = o.data.size() + 2;
        switch (o.kind) {
            case TCP_OPT_MSS:
                if (len == MSS_LEN) opts.mss = load_be16(d);
                break;
            case TCP_OPT_WINDOW_SCALE:
                if (len == WS_LEN) opts.window_scale = d[0];
                break;
            case TCP_OPT_SACK_PERMITTED:
                if (len == SACK_PERMITTED_LEN) opts.sack_permitted = true;
                break;
            case TCP_OPT_TIMESTAMPS:
                if (len == TIMESTAMPS_LEN) opts.timestamps = Timestamps{load_be32(d), load_be32(d + 4)};
                break;
            case TCP_OPT_SACK: {
                size_t n = o.data.size() / SACK_BLOCK_LEN;
                if (o.data.size() % SACK_BLOCK_LEN != 0 || n == 0 || n > opts.sack.size()) break;
                for (size_t i = 0; i < n; ++i) {
                    const uint8_t* blk = d + i * SACK_BLOCK_LEN;
                    opts.sack[i] = SackBlock{SeqNum(load_be32(blk)), SeqNum(load_be32(blk + 4))};
                }
                opts.sack_count = uint8_t(n);
                break;
            }
            default:
                break;  // NOP, or an option we do not implement (MUST-6)
        }
    }
    return !it.has_error();
}

// The layout both options_wire_size and emit use, so they cannot disagree.
struct OptionPlan {
    size_t ts_group = 0;   // 12 bytes when timestamps are sent (with SACK-permitted folded in)
    bool sack_perm_alone = false;
    size_t sack_blocks = 0;
    size_t size = 0;
};

OptionPlan plan_options(const TcpOptions& o) {
    OptionPlan p;
    if (o.mss) p.size += 4;
    if (o.timestamps) {
        p.ts_group = 12;  // NOP NOP TS, or SACK-permitted TS (as Linux does)
        p.size += 12;
    } else if (o.sack_permitted) {
        p.sack_perm_alone = true;  // NOP NOP SACK-permitted
        p.size += 4;
    }
    if (o.window_scale) p.size += 4;  // NOP WS
    if (o.sack_count > 0) {
        // As many blocks as fit after NOP NOP kind length (RFC 2018 §3: 3 with timestamps).
        size_t remaining = TCP_MAX_OPTIONS_LEN - p.size;
        size_t fit = remaining >= 4 + SACK_BLOCK_LEN ? (remaining - 4) / SACK_BLOCK_LEN : 0;
        p.sack_blocks = std::min<size_t>({size_t(o.sack_count), o.sack.size(), fit});
        if (p.sack_blocks > 0) p.size += 4 + p.sack_blocks * SACK_BLOCK_LEN;
    }
    p.size = (p.size + 3) & ~size_t(3);  // zero padding to a 32-bit boundary (MUST-69)
    return p;
}

size_t write_options(uint8_t* p, const TcpOptions& o, const OptionPlan& plan) {
    uint8_t* start = p;
    if (o.mss) {
        p[0] = TCP_OPT_MSS;
        p[1] = MSS_LEN;
        store_be16(p + 2, *o.mss);
        p += 4;
    }
    if (plan.ts_group) {
        if (o.sack_permitted) {
            p[0] = TCP_OPT_SACK_PERMITTED;
            p[1] = SACK_PERMITTED_LEN;
        } else {
            p[0] = p[1] = TCP_OPT_NOP;
        }
        p[2] = TCP_OPT_TIMESTAMPS;
        p[3] = TIMESTAMPS_LEN;
        store_be32(p + 4, o.timestamps->val);
        store_be32(p + 8, o.timestamps->ecr);
        p += 12;
    } else if (plan.sack_perm_alone) {
        p[0] = p[1] = TCP_OPT_NOP;
        p[2] = TCP_OPT_SACK_PERMITTED;
        p[3] = SACK_PERMITTED_LEN;
        p += 4;
    }
    if (o.window_scale) {
        p[0] = TCP_OPT_NOP;
        p[1] = TCP_OPT_WINDOW_SCALE;
        p[2] = WS_LEN;
        p[3] = *o.window_scale;
        p += 4;
    }
    if (plan.sack_blocks > 0) {
        p[0] = p[1] = TCP_OPT_NOP;
        p[2] = TCP_OPT_SACK;
        p[3] = uint8_t(2 + plan.sack_blocks * SACK_BLOCK_LEN);
        p += 4;
        for (size_t i = 0; i < plan.sack_blocks; ++i) {
            store_be32(p, o.sack[i].left.raw());
            store_be32(p + 4, o.sack[i].right.raw());
            p += SACK_BLOCK_LEN;
        }
    }
    while (size_t(p - start) < plan.size) *p++ = TCP_OPT_EOL;  // padding is zeros (MUST-69)
    return size_t(p - start);
}
}  // namespace

const char* to_string(ParseError e) {
    switch (e) {
        case ParseError::None: return "ok";
        case ParseError::Truncated: return "truncated";
        case ParseError::BadDataOffset: return "bad data offset";
        case ParseError::BadChecksum: return "bad checksum";
    }
    return "?";
}

ParseError parse_segment(std::span<const uint8_t> tcp_bytes, Ipv4Address src, Ipv4Address dst,
                         bool verify_checksum, ParsedSegment& out) {
    TcpView v(tcp_bytes);
    switch (v.check()) {
        case TcpHeaderError::None: break;
        case TcpHeaderError::Truncated: return ParseError::Truncated;
        case TcpHeaderError::BadDataOffset: return ParseError::BadDataOffset;
    }
    if (tcp_bytes.size() > 0xffff) return ParseError::Truncated;  // cannot come from one IPv4 packet
    if (verify_checksum) {
        Checksum c;
        c.add_pseudo_header(src, dst, IP_PROTO_TCP, uint16_t(tcp_bytes.size()));
        c.add(tcp_bytes);
        if (c.finish() != 0) return ParseError::BadChecksum;  // MUST-3
    }
    out = ParsedSegment{};
    out.src_port = v.src_port();
    out.dst_port = v.dst_port();
    Segment& s = out.seg;
    s.seq = SeqNum(v.seq());
    s.ack = SeqNum(v.ack());
    s.flags = v.flags();
    s.window = v.window();
    s.urgent_ptr = v.urgent_ptr();
    s.payload = v.payload();
    out.bad_options = !decode_options(v.options(), s.options);
    return ParseError::None;
}

size_t options_wire_size(const Segment& seg) { return plan_options(seg.options).size; }

size_t segment_wire_size(const Segment& seg) {
    return TCP_MIN_HEADER_LEN + options_wire_size(seg) + seg.payload.size();
}

size_t emit_segment(std::span<uint8_t> buf, Ipv4Address src, uint16_t src_port, Ipv4Address dst,
                    uint16_t dst_port, const Segment& seg) {
    OptionPlan plan = plan_options(seg.options);
    size_t hlen = TCP_MIN_HEADER_LEN + plan.size;
    size_t total = hlen + seg.payload.size();
    if (buf.size() < total || total > 0xffff) return 0;
    uint8_t* p = buf.data();
    store_be16(p + 0, src_port);
    store_be16(p + 2, dst_port);
    store_be32(p + 4, seg.seq.raw());
    store_be32(p + 8, seg.ack.raw());
    p[12] = uint8_t((hlen / 4) << 4);
    p[13] = seg.flags;
    store_be16(p + 14, seg.window);
    store_be16(p + 16, 0);
    store_be16(p + 18, seg.urgent_ptr);
    write_options(p + TCP_MIN_HEADER_LEN, seg.options, plan);
    if (!seg.payload.empty()) std::memmove(p + hlen, seg.payload.data(), seg.payload.size());
    Checksum c;  // MUST-2
    c.add_pseudo_header(src, dst, IP_PROTO_TCP, uint16_t(total));
    c.add(buf.first(total));
    store_be16(p + 16, c.finish());
    return total;
}

std::string describe(const Segment& seg) {
    std::string out;
    static constexpr struct { uint8_t bit; char letter; } LETTERS[] = {
        {flags::SYN, 'S'}, {flags::FIN, 'F'}, {flags::RST, 'R'}, {flags::PSH, 'P'},
        {flags::URG, 'U'}, {flags::ECE, 'E'}, {flags::CWR, 'W'}, {flags::ACK, '.'}};
    for (const auto& l : LETTERS)
        if (seg.has(l.bit)) out += l.letter;
    if (out.empty()) out = "none";
    uint32_t end = seg.seq.raw() + uint32_t(seg.payload.size());
    out += ' ' + std::to_string(seg.seq.raw()) + ':' + std::to_string(end) + '(' +
           std::to_string(seg.payload.size()) + ')';
    if (seg.ack_flag()) out += " ack " + std::to_string(seg.ack.raw());
    out += " win " + std::to_string(seg.window);
    if (seg.has(flags::URG)) out += " urg " + std::to_string(seg.urgent_ptr);
    const TcpOptions& o = seg.options;
    std::string opts;
    auto item = [&opts](const std::string& s) { opts += (opts.empty() ? "" : ",") + s; };
    if (o.mss) item("mss " + std::to_string(*o.mss));
    if (o.sack_permitted) item("sackOK");
    if (o.timestamps)
        item("TS val " + std::to_string(o.timestamps->val) + " ecr " + std::to_string(o.timestamps->ecr));
    if (o.window_scale) item("wscale " + std::to_string(*o.window_scale));
    if (o.sack_count > 0) {
        std::string s = "sack " + std::to_string(o.sack_count);
        for (size_t i = 0; i < o.sack_count && i < o.sack.size(); ++i)
            s += " {" + std::to_string(o.sack[i].left.raw()) + ':' + std::to_string(o.sack[i].right.raw()) + '}';
        item(s);
    }
    if (!opts.empty()) out += " <" + opts + '>';
    return out;
}

}  // namespace ustack::tcp
