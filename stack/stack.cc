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
    wire::emit_ipv4_header(tx_buf_, h);
    ++counters.ip_out;
    tx.send_packet(std::span<const uint8_t>(tx_buf_).first(wire::IPV4_MIN_HEADER_LEN + payload_len));
}

void Stack::Impl::send(const tcp::FourTuple& tuple, const tcp::Segment& seg) {
    size_t room = std::min(config.mtu, MAX_IPV4_PACKET) - wire::IPV4_MIN_HEADER_LEN;
    auto area = ip_payload_area().first(room);
    size_t n = tcp::emit_segment(area, tuple.local.addr, tuple.local.port, tuple.remote.addr,
                                 tuple.remote.port, seg);
    if (n == 0) {
        // Larger than the MTU: the core sized it wrong; never fragment (DF).
        ++counters.tcp_oversize_out;
        return;
    }
    emit_ip(tuple.remote.addr, wire::IP_PROTO_TCP, true, n);
}

Stack::Stack(const StackConfig& config, tcp::IsnGenerator& isn, PacketSink& tx)
    : impl_(std::make_unique<Impl>(config, isn, tx)) {}

Stack::~Stack() = default;

void Stack::receive(std::span<const uint8_t> packet, Instant now) { impl_->input(packet, now); }
void Stack::poll(Instant now) { impl_->tcp.on_timer(now); }
std::optional<Instant> Stack::next_deadline() const { return impl_->tcp.next_deadline(); }
tcp::TcpLayer& Stack::tcp() { return impl_->tcp; }
wire::Ipv4Address Stack::address() const { return impl_->config.addr; }
const StackConfig& Stack::config() const { return impl_->config; }
const StackCounters& Stack::counters() const { return impl_->counters; }

}  // namespace ustack
