// RFC 7323 §2 window scaling: the option on SYNs, negotiation, scaled windows both ways.
#include "tcp/receiver.h"
#include "tests/harness/harness.h"
#include "tests/harness/req.h"

namespace ustack::testing {
namespace {
using namespace tcp::flags;

// Passive handshake where the peer's SYN carries `peer_ws` (if any).
void passive_open(Harness& h, std::optional<uint8_t> peer_ws, std::optional<uint8_t> our_ws) {
    h.listen();
    Seg syn = seg().syn().seq(0).mss(1460);
    if (peer_ws) syn.ws(*peer_ws);
    h.inject(syn);
    Seg synack = seg().syn().ack_flag().seq(0).ack(1).mss(h.config().mss).win(65535);
    if (our_ws) synack.ws(*our_ws);
    else synack.no_ws();
    h.expect(synack);
    h.inject(seg().ack_flag().seq(1).ack(1));
    h.accept();
}

TEST(TcpModernWscale, ShiftFitsTheReceiveBuffer) {
    EXPECT_EQ(tcp::window_scale_for(65535), 0);
    EXPECT_EQ(tcp::window_scale_for(65536), 1);
    EXPECT_EQ(tcp::window_scale_for(256 * 1024), 3);
    EXPECT_EQ(tcp::window_scale_for(size_t(1) << 30), 14);  // 1 GiB: the RFC 7323 §2.3 maximum
    EXPECT_EQ(tcp::window_scale_for(size_t(1) << 34), 14);  // never above 14
}

TEST_F(TcpTest, WindowScale_ActiveSynOffersShiftForBuffer) {
    config().recv_autotune = false;  // a fixed buffer: the shift offered fits recv_buffer
    config().recv_buffer = 1024 * 1024;  // 2^20 octets: shift 5 makes it fit 16 bits
    connect();
    expect(seg().syn().seq(0).mss(1460).ws(5).win(65535));  // a SYN's window is never scaled (§2.2)
}

TEST_F(TcpTest, WindowScale_DisabledByConfigSendsNoneAndIgnoresPeers) {
    config().window_scaling = false;
    passive_open(*this, 7, std::nullopt);
    inject(seg().ack_flag().seq(1).ack(1).win(10));
    EXPECT_EQ(snap().snd_wnd, 10u);  // the peer's shift is not applied
    inject(seg().ack_flag().psh().seq(1).ack(1).data("hello"));
    expect(seg().ack_flag().seq(1).ack(6).win(65535));  // unscaled: capped at 65535  // unscaled, capped at 65535
}

TEST_F(TcpTest, WindowScale_BothSynsCarryItThenWindowsAreScaled) {
    config().recv_autotune = false;  // a fixed buffer: the shift offered fits recv_buffer
    passive_open(*this, 7, 3);
    // The peer's windows are shifted left by its shift (§2.3).
    inject(seg().ack_flag().seq(1).ack(1).win(100));
    EXPECT_EQ(snap().snd_wnd, 100u << 7);
    // Ours are shifted right by 3: the free buffer less a 7-octet reserve, in
    // 8-octet units rounded up (never past the buffer).
    inject(seg().ack_flag().psh().seq(1).ack(1).data("hello"));
    Recorded r = expect(seg().ack_flag().seq(1).ack(6));
    EXPECT_EQ(r.header.window, (256 * 1024 - 5) / 8);
    EXPECT_GT(snap().rcv_wnd, 65535u);
    EXPECT_LE(snap().rcv_wnd, 256u * 1024 - 5);
}

TEST_F(TcpTest, WindowScale_HandshakeAckWindowIsScaled) {
    config().recv_autotune = false;  // a fixed buffer: the shift offered fits recv_buffer
    // Only SYN segments carry unscaled windows (§2.2): the ACK that completes
    // a passive open is scaled already.
    passive_open(*this, 7, 3);  // its ACK carried win 65535
    EXPECT_EQ(snap().snd_wnd, 65535u << 7);
}

TEST_F(TcpTest, WindowScale_PeerSynWithoutOptionMeansNoScaling) {
    passive_open(*this, std::nullopt, std::nullopt);
    inject(seg().ack_flag().seq(1).ack(1).win(100));
    EXPECT_EQ(snap().snd_wnd, 100u);
    inject(seg().ack_flag().psh().seq(1).ack(1).data("hello"));
    expect(seg().ack_flag().seq(1).ack(6).win(65535));  // unscaled: capped at 65535
}

TEST_F(TcpTest, WindowScale_ActiveSynAckWithoutOptionMeansNoScaling) {
    config().recv_autotune = false;  // a fixed buffer: the shift offered fits recv_buffer
    connect();
    expect(seg().syn().seq(0).ws(3));
    inject(seg().syn().ack_flag().seq(0).ack(1).mss(1460).win(2000));
    expect(seg().ack_flag().seq(1).ack(1).win(65535));
    inject(seg().ack_flag().seq(1).ack(1).win(3000));
    EXPECT_EQ(snap().snd_wnd, 3000u);
}

TEST_F(TcpTest, WindowScale_ActiveSynAckWithOptionScalesAfterHandshake) {
    config().recv_autotune = false;  // a fixed buffer: the shift offered fits recv_buffer
    connect();
    expect(seg().syn().seq(0).ws(3));
    inject(seg().syn().ack_flag().seq(0).ack(1).mss(1460).ws(2).win(2000));
    EXPECT_EQ(snap().snd_wnd, 2000u);  // the SYN-ACK's window is not scaled (§2.2)
    expect(seg().ack_flag().seq(1).ack(1).win(256 * 1024 / 8));
    inject(seg().ack_flag().seq(1).ack(1).win(3000));
    EXPECT_EQ(snap().snd_wnd, 3000u << 2);
}

TEST_F(TcpTest, WindowScale_ShiftAbove14IsTakenAs14) {
    config().recv_autotune = false;  // a fixed buffer: the shift offered fits recv_buffer
    passive_open(*this, 15, 3);
    inject(seg().ack_flag().seq(1).ack(1).win(1));
    EXPECT_EQ(snap().snd_wnd, 1u << 14);
}

TEST_F(TcpTest, WindowScale_RightEdgeNeverMovesLeftBeyondQuantization) {
    USTACK_REQ("SHLD-14");
    config().recv_autotune = false;  // a fixed buffer: the shift offered fits recv_buffer
    config().recv_buffer = 200000;  // shift 2
    config().delayed_ack = false;   // one ACK per segment to look at
    passive_open(*this, 7, 2);
    int64_t edge = 0;
    int64_t seq = 1;
    for (int i = 0; i < 40; ++i) {
        size_t n = size_t(997 + 13 * i);  // odd sizes: RCV.NXT never on a 4-octet boundary
        inject(seg().ack_flag().seq(seq).ack(1).data_len(n));
        seq += int64_t(n);
        Recorded r = expect(seg().ack_flag().ack(seq));
        int64_t right = rel_ack(r) + (int64_t(r.header.window) << 2);
        // RFC 7323 §2.4 quantization: the edge shown may wobble by less than
        // one 4-octet unit as RCV.NXT moves, never more, and never past the buffer.
        EXPECT_GE(right, edge - 3) << "segment " << i;
        edge = std::max(edge, right);
        if (i % 7 == 6) receive(3000);  // reading opens the window (may send an update)
        discard_pending();
    }
    EXPECT_LE(snap().rcv_wnd + snap().recv_buffered, 200000u);
}

}  // namespace
}  // namespace ustack::testing
