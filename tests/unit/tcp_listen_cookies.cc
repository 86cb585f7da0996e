// Listen queues and SYN cookies (RFC 4987 §3.1, §3.6; RFC 9293 §3.10.7.2):
// a SYN queue and an accept queue with their own limits, and stateless
// SYN-ACKs whose ISS (and TSval) carry what the completing ACK needs.
#include "tcp/syn_cookie.h"
#include "tests/harness/harness.h"
#include "tests/harness/req.h"

namespace ustack::testing {
namespace {

using namespace tcp::flags;

// A harness whose listener keeps one connection in SYN-RECEIVED: the peer on
// port 40000 fills it, so the next SYN (port 40001) is answered with a cookie.
class CookieTest : public ::testing::Test, public Harness {
protected:
    static constexpr uint16_t kFiller = 40000;
    static constexpr uint16_t kPeer = 40001;  // the harness's current 4-tuple

    static HarnessOptions peer_options() {
        HarnessOptions o;
        o.peer_port = kPeer;
        return o;
    }
    CookieTest() : Harness(peer_options()) {}

    void fill_syn_queue() {
        config().max_syn_backlog = 1;
        listen(80, 16);
        inject(seg().syn().seq(0).mss(1460).peer_port(kFiller));
        expect(seg().syn().ack_flag().seq(0).ack(1).peer_port(kFiller));
    }
    // Sends a SYN from kPeer, expects a SYN-ACK whose ISS is not the generator's
    // (our_isn), and makes it the harness's ISN for relative numbers.
    Recorded cookie_syn_ack(const Seg& syn, const Seg& want) {
        inject(syn);
        Recorded r = expect(want);
        EXPECT_NE(r.header.seq, tcp::SeqNum(our_iss())) << "not a cookie";
        options().our_isn = r.header.seq.raw();
        return r;
    }
    const tcp::TcpCounters& counters() { return layer().counters(); }
};

TEST_F(CookieTest, SynQueueFull_CookieSynAckKeepsNoState) {
    fill_syn_queue();
    cookie_syn_ack(seg().syn().seq(0).mss(1460).peer_port(kPeer),
                   seg().flags(SYN | ACK).ack(1).win(65535).mss(1460).no_ws().no_ts().peer_port(kPeer));
    EXPECT_EQ(counters().syncookies_sent, 1u);
    EXPECT_EQ(layer().connection_count(), 1u);  // only the filler
    expect_silence();  // nothing else: no TCB, so nothing to retransmit
}

TEST_F(CookieTest, ValidCookieAck_EstablishedAndAccepted) {
    fill_syn_queue();
    cookie_syn_ack(seg().syn().seq(0).mss(1460).peer_port(kPeer), seg().flags(SYN | ACK).ack(1));
    inject(seg().ack_flag().seq(1).ack(1).data("hello"));
    expect_state(State::Established);
    expect_event(Event::Acceptable);
    tcp::Connection& c = accept();
    EXPECT_EQ(c.tuple().remote.port, kPeer);
    EXPECT_EQ(receive(), "hello");
    expect_within(500ms, seg().flags(ACK).seq(1).ack(6));
    EXPECT_EQ(counters().syncookies_received_ok, 1u);
    EXPECT_EQ(counters().syncookies_failed, 0u);
    send("world");
    expect(seg().ack_flag().seq(1).ack(6).data("world"));
}

TEST_F(CookieTest, ForgedAck_AnsweredWithRst) {
    fill_syn_queue();
    cookie_syn_ack(seg().syn().seq(0).mss(1460).peer_port(kPeer), seg().flags(SYN | ACK).ack(1));
    inject(seg().ack_flag().seq(1).ack(2));  // SEG.ACK - 1 is not the cookie
    expect(seg().flags(RST).seq(2));         // §3.10.7.2: an ACK to a listener: <SEQ=SEG.ACK><CTL=RST>
    expect_state(State::Listen);
    EXPECT_EQ(counters().syncookies_failed, 1u);
    EXPECT_EQ(counters().syncookies_received_ok, 0u);
}

TEST_F(CookieTest, CookieFromAnotherPeerIsn_AnsweredWithRst) {
    fill_syn_queue();
    cookie_syn_ack(seg().syn().seq(0).mss(1460).peer_port(kPeer), seg().flags(SYN | ACK).ack(1));
    inject(seg().ack_flag().seq(2).ack(1));  // the peer's ISN + 1 is part of the cookie
    expect(seg().flags(RST).seq(1));
    EXPECT_EQ(counters().syncookies_failed, 1u);
}

TEST_F(CookieTest, CookieOnAnotherFourTuple_AnsweredWithRst) {
    fill_syn_queue();
    cookie_syn_ack(seg().syn().seq(0).mss(1460).peer_port(kPeer), seg().flags(SYN | ACK).ack(1));
    inject(seg().ack_flag().seq(1).ack(1).peer_port(40002));
    expect(seg().flags(RST).seq(1).peer_port(40002));
    EXPECT_EQ(counters().syncookies_failed, 1u);
    EXPECT_EQ(layer().connection_count(), 1u);
}

TEST_F(CookieTest, MssDecodedFromTable) {
    USTACK_REQ("MUST-14");
    fill_syn_queue();
    cookie_syn_ack(seg().syn().seq(0).mss(1400).peer_port(kPeer), seg().flags(SYN | ACK).ack(1).mss(1460));
    inject(seg().ack_flag().seq(1).ack(1));
    accept();
    EXPECT_EQ(snap().snd_mss, 1300);  // 1400 rounds down to the table's 1300
}

TEST_F(CookieTest, NoMssOptionDecodesAs536) {
    USTACK_REQ("MUST-15");
    fill_syn_queue();
    cookie_syn_ack(seg().syn().seq(0).peer_port(kPeer), seg().flags(SYN | ACK).ack(1));
    inject(seg().ack_flag().seq(1).ack(1));
    accept();
    EXPECT_EQ(snap().snd_mss, 536);
}

TEST_F(CookieTest, CookieValidInItsTickAndTheNext) {
    fill_syn_queue();  // t = 1000 s: tick 15 (960..1024 s)
    cookie_syn_ack(seg().syn().seq(0).peer_port(kPeer), seg().flags(SYN | ACK).ack(1));
    discard_pending();  // the filler's SYN-ACK retransmissions
    advance(87s);       // 1087 s: tick 16, the next one
    discard_pending();
    inject(seg().ack_flag().seq(1).ack(1));
    expect_state(State::Established);
}

TEST_F(CookieTest, CookieExpiresAfterTwoTicks) {
    fill_syn_queue();
    config().syn_cookies = tcp::SynCookies::Always;  // the listener remembers a recent cookie either way
    cookie_syn_ack(seg().syn().seq(0).peer_port(kPeer), seg().flags(SYN | ACK).ack(1));
    advance(88s);  // 1088 s: tick 17, two after the cookie's
    discard_pending();
    inject(seg().ack_flag().seq(1).ack(1));
    expect(seg().flags(RST).seq(1));
    EXPECT_EQ(counters().syncookies_failed, 1u);
}

TEST_F(CookieTest, TimestampsCarryWindowScaleAndSack) {
    config().recv_autotune = false;  // a fixed buffer: the shift offered fits recv_buffer
    fill_syn_queue();
    Recorded sa = cookie_syn_ack(seg().syn().seq(0).mss(1460).ws(7).sack_perm().ts(100, 0).peer_port(kPeer),
                                 seg().flags(SYN | ACK).ack(1).ws(3).sack_perm());
    ASSERT_TRUE(sa.header.options.timestamps);
    const uint32_t tsval = sa.header.options.timestamps->val;
    EXPECT_EQ(sa.header.options.timestamps->ecr, 100u);
    EXPECT_EQ(tsval & 0x3f, 7u | 0x10u);  // shift 7, SACK-permitted (Linux's layout)
    EXPECT_LE(tsval, 1000'000u);          // never ahead of our 1 ms clock (t = 1000 s)
    EXPECT_GT(tsval, 1000'000u - 64);
    inject(seg().ack_flag().seq(1).ack(1).win(100).ts(101, tsval));
    accept();
    tcp::TcbSnapshot s = snap();
    EXPECT_TRUE(s.sack_permitted);
    EXPECT_EQ(s.snd_wnd, 100u << 7);  // the peer's shift came back
    EXPECT_EQ(s.snd_mss, 1460 - 12);  // timestamps on every segment
    send("x");
    expect(seg().ack_flag().seq(1).ack(1).data("x").ts(1000'000, 101));
}

TEST_F(CookieTest, WithoutTimestampsNoWindowScaleNorSack) {
    fill_syn_queue();
    cookie_syn_ack(seg().syn().seq(0).mss(1460).ws(7).sack_perm().peer_port(kPeer),
                   seg().flags(SYN | ACK).ack(1).mss(1460).no_ws().no_ts());
    inject(seg().ack_flag().seq(1).ack(1).win(100));
    accept();
    tcp::TcbSnapshot s = snap();
    EXPECT_FALSE(s.sack_permitted);
    EXPECT_EQ(s.snd_wnd, 100u);  // unscaled
}

TEST_F(CookieTest, TamperedTsecrBits_AnsweredWithRst) {
    fill_syn_queue();
    Recorded sa = cookie_syn_ack(seg().syn().seq(0).mss(1460).ts(100, 0).peer_port(kPeer),
                                 seg().flags(SYN | ACK).ack(1).no_ws());
    const uint32_t tsval = sa.header.options.timestamps->val;
    inject(seg().ack_flag().seq(1).ack(1).ts(101, tsval | 0x20));  // ECN, which we never offer
    expect(seg().flags(RST).seq(1));
    EXPECT_EQ(counters().syncookies_failed, 1u);
}

TEST_F(CookieTest, AlwaysMode_CookieForEverySyn) {
    config().syn_cookies = tcp::SynCookies::Always;
    listen(80, 16);
    inject(seg().syn().seq(0).mss(1460));
    Recorded sa = expect(seg().flags(SYN | ACK).ack(1));
    EXPECT_NE(sa.header.seq, tcp::SeqNum(our_iss()));
    EXPECT_EQ(layer().connection_count(), 0u);
    options().our_isn = sa.header.seq.raw();
    inject(seg().ack_flag().seq(1).ack(1));
    expect_state(State::Established);
    accept();
    EXPECT_EQ(counters().syncookies_sent, 1u);
    EXPECT_EQ(counters().syncookies_received_ok, 1u);
}

TEST_F(CookieTest, OffMode_SynQueueFullDropsSyn) {
    config().syn_cookies = tcp::SynCookies::Off;
    fill_syn_queue();
    inject(seg().syn().seq(0).mss(1460).peer_port(kPeer));
    expect_silence();
    EXPECT_EQ(counters().syn_queue_drops, 1u);
    EXPECT_EQ(counters().syncookies_sent, 0u);
}

TEST_F(CookieTest, AckWithoutRecentOverflow_RstWithoutCookieCheck) {
    listen(80, 16);  // never overflowed: ACKs are not taken for cookies
    inject(seg().ack_flag().seq(1).ack_abs(4242));
    expect(seg().flags(RST).seq_abs(4242));
    EXPECT_EQ(counters().syncookies_failed, 0u);
}

TEST_F(CookieTest, AcceptQueueFull_CookieAckDroppedThenTakenAfterAccept) {
    config().syn_cookies = tcp::SynCookies::Always;
    listen(80, 1);
    inject(seg().syn().seq(0).peer_port(kFiller));
    Recorded filler = expect(seg().flags(SYN | ACK).ack(1).peer_port(kFiller));
    cookie_syn_ack(seg().syn().seq(0).peer_port(kPeer), seg().flags(SYN | ACK).ack(1));
    inject(seg().ack_flag().seq(1).ack_abs(filler.header.seq.raw() + 1).peer_port(kFiller));  // accept queue: 1 of 1
    inject(seg().ack_flag().seq(1).ack(1).data("GET"));  // a valid cookie, but no room: dropped, no RST
    expect_silence();
    EXPECT_EQ(counters().accept_queue_drops, 1u);
    EXPECT_EQ(layer().connection_count(), 1u);
    ASSERT_NE(listener()->accept(), nullptr);  // the filler leaves the queue
    inject(seg().ack_flag().seq(1).ack(1).data("GET"));  // the peer's retransmission
    expect_state(State::Established);
    expect_within(500ms, seg().flags(ACK).seq(1).ack(4));
}

TEST_F(CookieTest, AcceptQueueFull_SynDropped) {
    listen(80, 1);
    inject(seg().syn().seq(0).peer_port(kFiller));
    expect(seg().flags(SYN | ACK).seq(0).ack(1).peer_port(kFiller));
    inject(seg().ack_flag().seq(1).ack(1).peer_port(kFiller));  // accept queue: 1 of 1
    inject(seg().syn().seq(0));
    expect_silence();  // as Linux: neither a SYN-RECEIVED entry nor a cookie
    EXPECT_EQ(counters().accept_queue_drops, 1u);
    EXPECT_EQ(counters().syncookies_sent, 0u);
}

TEST_F(CookieTest, AcceptQueueFull_CompletingAckDroppedUntilSynAckRetransmission) {
    listen(80, 2);  // SYN queue 2, accept queue 2
    inject(seg().syn().seq(0).peer_port(40000));
    expect(seg().flags(SYN | ACK).seq(0).ack(1).peer_port(40000));
    inject(seg().syn().seq(0).peer_port(40001));
    expect(seg().flags(SYN | ACK).seq(0).ack(1).peer_port(40001));
    inject(seg().ack_flag().seq(1).ack(1).peer_port(40000));  // accept queue: 1
    inject(seg().syn().seq(0).peer_port(40002));             // SYN queue: 40001, 40002
    expect(seg().flags(SYN | ACK).seq(0).ack(1).peer_port(40002));
    inject(seg().ack_flag().seq(1).ack(1).peer_port(40001));  // accept queue: 2, full
    inject(seg().ack_flag().seq(1).ack(1).peer_port(40002));  // would complete 40002: dropped
    expect_silence();
    EXPECT_EQ(layer().find(tcp::FourTuple{{options().local, 80}, {options().remote, 40002}})->state(),
              State::SynReceived);
    EXPECT_EQ(counters().accept_queue_drops, 1u);
    ASSERT_NE(listener()->accept(), nullptr);
    expect_after(1s, seg().flags(SYN | ACK).seq(0).ack(1).peer_port(40002));  // the RTO resends our SYN-ACK
    inject(seg().ack_flag().seq(1).ack(1).peer_port(40002));                  // and the peer ACKs it again
    EXPECT_EQ(layer().find(tcp::FourTuple{{options().local, 80}, {options().remote, 40002}})->state(),
              State::Established);
}

// ---- the encoding alone (tcp/syn_cookie.h) ----

const tcp::FourTuple kTuple{{wire::Ipv4Address{10, 0, 0, 2}, 80}, {wire::Ipv4Address{10, 0, 0, 1}, 40001}};
const Instant kT0{std::chrono::seconds(1000)};

TEST(SynCookie, EveryTableMssRoundTrips) {
    tcp::SynCookieSecret k;
    for (uint16_t mss : {uint16_t(0), uint16_t(536), uint16_t(1299), uint16_t(1300), uint16_t(1440), uint16_t(9000)}) {
        tcp::SeqNum c = tcp::make_syn_cookie(k, kTuple, tcp::SeqNum(77), mss, kT0);
        auto got = tcp::check_syn_cookie(k, kTuple, tcp::SeqNum(77), c, kT0);
        ASSERT_TRUE(got) << mss;
        uint16_t want = mss >= 1460 ? 1460 : mss >= 1440 ? 1440 : mss >= 1300 ? 1300 : 536;
        EXPECT_EQ(*got, want) << mss;
    }
}

TEST(SynCookie, OtherKeyOrTupleOrIsnRejected) {
    tcp::SynCookieSecret k, other{1, 2};
    tcp::SeqNum c = tcp::make_syn_cookie(k, kTuple, tcp::SeqNum(77), 1460, kT0);
    EXPECT_FALSE(tcp::check_syn_cookie(other, kTuple, tcp::SeqNum(77), c, kT0));
    tcp::FourTuple moved = kTuple;
    moved.remote.addr = wire::Ipv4Address{10, 0, 0, 3};
    EXPECT_FALSE(tcp::check_syn_cookie(k, moved, tcp::SeqNum(77), c, kT0));
    for (uint32_t d = 1; d < 8; ++d) {
        EXPECT_FALSE(tcp::check_syn_cookie(k, kTuple, tcp::SeqNum(77 + d), c, kT0)) << d;
        EXPECT_FALSE(tcp::check_syn_cookie(k, kTuple, tcp::SeqNum(77), c + d, kT0)) << d;
    }
}

TEST(SynCookie, RandomGuessesFail) {
    tcp::SynCookieSecret k;
    uint32_t x = 12345, accepted = 0;
    for (int i = 0; i < 100000; ++i) {
        x = x * 1664525u + 1013904223u;  // a fixed LCG: the same guesses every run
        if (tcp::check_syn_cookie(k, kTuple, tcp::SeqNum(77), tcp::SeqNum(x), kT0)) ++accepted;
    }
    EXPECT_EQ(accepted, 0u);  // expected about 100000 * 2 * 4 / 2^32 = 0.0002
}

TEST(SynCookie, TsvalBitsNeverAheadOfTheClock) {
    tcp::CookieOptions o{uint8_t(14), true};
    for (uint32_t clock : {0u, 5u, 63u, 64u, 1000u, 0xffffffffu}) {
        uint32_t ts = tcp::cookie_tsval(clock, o);
        EXPECT_EQ(ts & 0x3f, 14u | 0x10u) << clock;
        EXPECT_LE(uint32_t(clock - ts), 63u) << clock;  // at most 63 ms behind (mod 2^32)
    }
    tcp::TcpConfig cfg;
    auto back = tcp::decode_cookie_tsecr(tcp::cookie_tsval(1000, o), cfg);
    ASSERT_TRUE(back);
    EXPECT_EQ(back->peer_wscale, uint8_t(14));
    EXPECT_TRUE(back->sack_permitted);
    auto none = tcp::decode_cookie_tsecr(0x0f, cfg);  // 15: no window scale
    ASSERT_TRUE(none);
    EXPECT_FALSE(none->peer_wscale);
    EXPECT_FALSE(none->sack_permitted);
    EXPECT_FALSE(tcp::decode_cookie_tsecr(0x2f, cfg));  // ECN: never offered
    cfg.window_scaling = false;
    EXPECT_FALSE(tcp::decode_cookie_tsecr(0x03, cfg));  // a shift we would not have agreed to
}

}  // namespace
}  // namespace ustack::testing
