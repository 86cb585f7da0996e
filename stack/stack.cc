// The Stack facade and its outbound path: each TCP segment becomes one IPv4
// datagram (RFC 791; DF set, TTL configurable per MUST-49, ident per packet)
// built in one preallocated buffer. MSS derives from the MTU (MUST-67).
#include "stack/stack_impl.h"

#include <algorithm>

#include "tcp/segment_codec.h"

namespace ustack {

namespace {

// The MSS we announce is the MTU minus the IPv4 and TCP headers (MUST-67).
// A caller who changed tcp.mss from its default asked for at most that.
StackConfig effective(StackConfig c) {
    size_t mss = std::min<size_t>(c.mtu > 40 ? c.mtu - 40 : 0, 65535 - 40);
    if (c.tcp.mss != tcp::TcpConfig{}.mss) mss = std::min<size_t>(mss, c.tcp.mss);
    c.tcp.mss = uint16_t(mss);
    return c;
}

}  // namespace

Stack::Impl::Impl(const StackConfig& cfg, tcp::IsnGenerator& isn, PacketSink& sink)
    : config(effective(cfg)),
      tx(sink),
      tx_buf_(std::max<size_t>(config.mtu, MAX_IPV4_PACKET)),
      frag_buf_(std::min<size_t>(std::max<size_t>(config.mtu, 68), MAX_IPV4_PACKET)),
      reassembly(config.reassembly),
      tcp(config.tcp, *this, isn) {}

void Stack::Impl::emit_ip(wire::Ipv4Address dst, uint8_t protocol, bool dont_fragment, size_t payload_len) {
    wire::Ipv4Header h;
    h.src = config.addr;
    h.dst = dst;
    h.protocol = protocol;
    h.ttl = config.tcp.ttl;
    h.ident = next_ident++;
    h.dont_fragment = dont_fragment;
    h.payload_len = uint16_t(payload_len);
    if (!dont_fragment && wire::IPV4_MIN_HEADER_LEN + payload_len > config.mtu) {
        emit_fragments(h);
        return;
    }
    wire::emit_ipv4_header(tx_buf_, h);
    ++counters.ip_out;
    tx.send_packet(std::span<const uint8_t>(tx_buf_).first(wire::IPV4_MIN_HEADER_LEN + payload_len));
}

void Stack::Impl::emit_fragments(const wire::Ipv4Header& whole) {
    // RFC 791 §3.2 fragmentation: every fragment but the last carries a
    // multiple of 8 data octets; the payload is read from tx_buf_[20..].
    size_t chunk = (frag_buf_.size() - wire::IPV4_MIN_HEADER_LEN) / 8 * 8;
    size_t total = whole.payload_len;
    for (size_t off = 0; off < total; off += chunk) {
        size_t n = std::min(chunk, total - off);
        wire::Ipv4Header h = whole;
        h.frag_offset = uint16_t(off);
        h.more_fragments = off + n < total;
        h.payload_len = uint16_t(n);
        wire::emit_ipv4_header(frag_buf_, h);
        auto src = std::span<const uint8_t>(tx_buf_).subspan(wire::IPV4_MIN_HEADER_LEN + off, n);
        std::copy(src.begin(), src.end(), frag_buf_.begin() + ptrdiff_t(wire::IPV4_MIN_HEADER_LEN));
        ++counters.ip_out;
        ++counters.ip_fragments_out;
        tx.send_packet(std::span<const uint8_t>(frag_buf_).first(wire::IPV4_MIN_HEADER_LEN + n));
    }
}

void Stack::Impl::send(const tcp::FourTuple& tuple, const tcp::Segment& seg) { send_ip(tuple, seg, tcp::IpParams{}); }

void Stack::Impl::send_ip(const tcp::FourTuple& tuple, const tcp::Segment& seg, const tcp::IpParams& ip) {
    // The header takes 20 bytes plus the connection's options; a source
    // route sends the datagram to its first hop (RFC 791 §3.1).
    size_t hlen = wire::IPV4_MIN_HEADER_LEN + ip.options.size();
    size_t mtu = std::min(config.mtu, MAX_IPV4_PACKET);
    if (hlen >= mtu) {
        ++counters.tcp_oversize_out;
        return;
    }
    auto area = std::span<uint8_t>(tx_buf_).subspan(hlen, mtu - hlen);
    size_t n = tcp::emit_segment(area, tuple.local.addr, tuple.local.port, tuple.remote.addr,
                                 tuple.remote.port, seg);
    if (n == 0) {
        // Larger than the MTU: the core sized it wrong; never fragment (DF).
        ++counters.tcp_oversize_out;
        return;
    }
    wire::Ipv4Header h;
    h.src = tuple.local.addr;
    h.dst = ip.next_hop.is_unspecified() ? tuple.remote.addr : ip.next_hop;
    h.protocol = wire::IP_PROTO_TCP;
    h.ttl = config.tcp.ttl;
    h.dscp_ecn = ip.tos;  // MUST-48
    h.ident = next_ident++;
    h.dont_fragment = true;
    h.payload_len = uint16_t(n);
    h.options = ip.options;  // MUST-51, MUST-53
    if (wire::emit_ipv4_header(tx_buf_, h) == 0) {
        ++counters.tcp_oversize_out;
        return;
    }
    ++counters.ip_out;
    tx.send_packet(std::span<const uint8_t>(tx_buf_).first(hlen + n));
}

std::shared_ptr<tcp::Connection> Stack::connect(std::optional<wire::Ipv4Address> local, tcp::Endpoint remote,
                                                Instant now, tcp::TcpError* error, const tcp::IpSettings& ip) {
    // MUST-43: the local address, when given, must be one of ours; MUST-44/45:
    // otherwise IP's (the stack's only) address is the source.
    if (local && !local->is_unspecified() && *local != impl_->config.addr) {
        if (error) *error = tcp::TcpError::AddressNotAvailable;
        return nullptr;
    }
    return impl_->tcp.connect(impl_->config.addr, remote, now, error, ip);
}

Stack::Stack(const StackConfig& config, tcp::IsnGenerator& isn, PacketSink& tx)
    : impl_(std::make_unique<Impl>(config, isn, tx)) {}

Stack::~Stack() = default;

void Stack::receive(std::span<const uint8_t> packet, Instant now) { impl_->input(packet, now); }
void Stack::poll(Instant now) {
    Impl& m = *impl_;
    m.reassembly.expire(now, [&](std::span<const uint8_t> quote) {
        ++m.counters.ip_frag_timeout;
        if (!quote.empty()) m.send_reassembly_timeout(quote);
    });
    m.tcp.on_timer(now);
}

std::optional<Instant> Stack::next_deadline() const {
    auto a = impl_->tcp.next_deadline();
    auto b = impl_->reassembly.next_deadline();
    if (a && b) return std::min(*a, *b);
    return a ? a : b;
}
tcp::TcpLayer& Stack::tcp() { return impl_->tcp; }
wire::Ipv4Address Stack::address() const { return impl_->config.addr; }
const StackConfig& Stack::config() const { return impl_->config; }
const StackCounters& Stack::counters() const { return impl_->counters; }

}  // namespace ustack
