// Explicit Congestion Notification (RFC 3168 §6.1; RFC 9293 §3.8.2, SHLD-8):
// negotiation on the SYNs in each mode, ECT(0) on new data only, the
// receiver's ECE echo until CWR, the sender's once-per-window reduction.
#include "tests/harness/harness.h"
#include "tests/harness/req.h"

namespace ustack::testing {
namespace {
using namespace tcp::flags;

constexpr uint8_t NOT_ECT = 0x00, ECT0 = 0x02, CE = 0x03;

// Passive open where the peer's SYN asks for ECN (ECE,CWR) and our SYN-ACK agrees (ECE).
void ecn_established(Harness& h) {
    h.listen();
    h.inject(seg().syn().ece().cwr().seq(0).mss(h.options().peer_mss));
    h.expect(seg().flags(SYN | ACK | ECE).seq(0).ack(1).tos(NOT_ECT));  // never ECT on a SYN
    h.inject(seg().ack_flag().seq(1).ack(1));
    h.accept();
    EXPECT_TRUE(h.snap().ecn);
}

// ---- Negotiation (§6.1.1) ----

TEST_F(TcpTest, Ecn_PassiveByDefault_EcnSetupSynAcceptedAndDataIsEct) {
    USTACK_REQ("SHLD-8");
    ecn_established(*this);
    send("hello");
    expect(seg().flags(ACK | PSH).seq(1).data("hello").tos(ECT0));
    inject(seg().ack_flag().seq(1).ack(6).data("hi"));
    expect_within(500ms, seg().flags(ACK).seq(6).ack(3).tos(NOT_ECT));  // a pure ACK is Not-ECT
}

TEST_F(TcpTest, Ecn_PassiveNotAsked_NoEcnAndNotEct) {
    listen();
    inject(seg().syn().seq(0).mss(1460));
    expect(seg().flags(SYN | ACK).seq(0).ack(1));
    inject(seg().ack_flag().seq(1).ack(1));
    accept();
    EXPECT_FALSE(snap().ecn);
    send("hello");
    expect(seg().flags(ACK | PSH).seq(1).data("hello").tos(NOT_ECT));
}

TEST_F(TcpTest, Ecn_Off_EcnSetupSynAnsweredWithoutEce) {
    config().ecn = tcp::EcnMode::Off;
    listen();
    inject(seg().syn().ece().cwr().seq(0).mss(1460));
    expect(seg().flags(SYN | ACK).seq(0).ack(1));
    inject(seg().ack_flag().seq(1).ack(1));
    accept();
    EXPECT_FALSE(snap().ecn);
    send("hello");
    expect(seg().ack_flag().seq(1).data("hello").tos(NOT_ECT));
}

TEST_F(TcpTest, Ecn_On_ActiveSynAsksAndSynAckWithEceAgrees) {
    USTACK_REQ("SHLD-8");
    config().ecn = tcp::EcnMode::On;
    connect();
    expect(seg().flags(SYN | ECE | CWR).seq(0).tos(NOT_ECT));
    inject(seg().syn().ack_flag().ece().seq(0).ack(1).mss(1460));
    expect(seg().flags(ACK).seq(1).ack(1).tos(NOT_ECT));
    EXPECT_TRUE(snap().ecn);
    send("hello");
    expect(seg().ack_flag().seq(1).data("hello").tos(ECT0));
}

TEST_F(TcpTest, Ecn_On_SynAckWithoutEceOrWithEceAndCwrIsNoAgreement) {
    config().ecn = tcp::EcnMode::On;
    connect();
    expect(seg().flags(SYN | ECE | CWR).seq(0));
    // A host that reflects the flags it got is not ECN-capable (§6.1.1).
    inject(seg().syn().ack_flag().ece().cwr().seq(0).ack(1).mss(1460));
    expect(seg().flags(ACK).seq(1).ack(1));
    EXPECT_FALSE(snap().ecn);
    send("hello");
    expect(seg().ack_flag().seq(1).data("hello").tos(NOT_ECT));
}

TEST_F(TcpTest, Ecn_Passive_OwnSynDoesNotAsk) {
    connect();  // Passive (the default) never asks
    expect(seg().flags(SYN).seq(0));
}

TEST_F(TcpTest, Ecn_On_RetransmittedSynWithoutEcnSetup) {
    config().ecn = tcp::EcnMode::On;
    connect();
    expect(seg().flags(SYN | ECE | CWR).seq(0));
    // §6.1.1.1: a middlebox may drop ECN-setup SYNs; the retry goes without (as Linux).
    expect_after(1s, seg().flags(SYN).seq(0));
}

// ---- The receiver (§6.1.3) ----

TEST_F(TcpTest, Ecn_CeMarkEchoedOnEveryAckUntilCwr) {
    USTACK_REQ("SHLD-8");
    ecn_established(*this);
    inject(seg().ack_flag().seq(1).ack(1).data("a").tos(CE));
    expect(seg().flags(ACK | ECE).seq(1).ack(2));  // at once, not delayed
    inject(seg().ack_flag().seq(2).ack(1).data("b").tos(ECT0));
    expect_within(500ms, seg().flags(ACK | ECE).seq(1).ack(3));  // still echoing
    send("x");
    expect(seg().flags(ACK | ECE | PSH).seq(1).ack(3).data("x").tos(ECT0));  // data carries it too
    inject(seg().ack_flag().cwr().seq(3).ack(2).data("c").tos(ECT0));  // the sender reduced
    expect_within(500ms, seg().flags(ACK).seq(2).ack(4));
    EXPECT_FALSE(snap().ecn_echo);
}

TEST_F(TcpTest, Ecn_CeIgnoredWithoutNegotiation) {
    in_state(State::Established);
    inject(seg().ack_flag().seq(1).ack(1).data("a").tos(CE));
    expect_within(500ms, seg().flags(ACK).seq(1).ack(2));
    EXPECT_FALSE(snap().ecn_echo);
}

// ---- The sender (§6.1.2) ----

// ECN connection, Reno, MSS 1000; 20000 octets queued and IW10 (10 segments) sent.
void ecn_ten_in_flight(Harness& h) {
    h.config().congestion = tcp::CongestionAlgorithm::Reno;
    h.options().peer_mss = 1000;
    ecn_established(h);
    h.send(std::string(20000, 'x'));
    for (int i = 0; i < 10; ++i) h.expect(seg().ack_flag().seq(1 + 1000 * i).len(1000).tos(ECT0));
    h.expect_silence();
    EXPECT_EQ(h.snap().cwnd, 10000u);
}

TEST_F(TcpTest, Ecn_EchoHalvesWindowOnceAndFirstNewDataCarriesCwr) {
    USTACK_REQ("SHLD-8");
    ecn_ten_in_flight(*this);
    inject(seg().ack_flag().ece().seq(1).ack(1001));
    // Reno: ssthresh = FlightSize / 2 = 5000 = cwnd, nothing retransmitted.
    EXPECT_EQ(snap().cwnd, 5000u);
    EXPECT_EQ(snap().ssthresh, 5000u);
    expect_silence();  // 9000 in flight
    for (int a = 2001; a <= 5001; a += 1000) {  // the echo goes on: no second cut, no growth
        inject(seg().ack_flag().ece().seq(1).ack(a));
        EXPECT_EQ(snap().cwnd, 5000u);
    }
    expect_silence();  // 5000 in flight
    inject(seg().ack_flag().ece().seq(1).ack(6001));
    expect(seg().flags(ACK | CWR).seq(10001).len(1000).tos(ECT0));  // once, on new data
    inject(seg().ack_flag().ece().seq(1).ack(7001));  // sent before our CWR arrived
    expect(seg().flags(ACK).seq(11001).len(1000).tos(ECT0));
    EXPECT_EQ(snap().cwnd, 5000u);
}

TEST_F(TcpTest, Ecn_EchoAfterCwrWasAcknowledgedIsNewCongestion) {
    USTACK_REQ("SHLD-8");
    ecn_ten_in_flight(*this);
    inject(seg().ack_flag().ece().seq(1).ack(6001));
    EXPECT_EQ(snap().cwnd, 5000u);
    expect(seg().flags(ACK | CWR).seq(10001).len(1000));
    inject(seg().ack_flag().seq(1).ack(10001));  // the peer saw CWR: no more ECE
    discard_pending();                            // new data, as the window allows
    uint32_t before = snap().cwnd;
    inject(seg().ack_flag().ece().seq(1).ack(11001));  // past the CWR segment: a new mark
    EXPECT_LT(snap().cwnd, before);
    expect_silence();                                   // 4000 in flight, above the new window
    inject(seg().ack_flag().seq(1).ack(15001));
    expect(seg().flags(ACK | CWR).seq(15001).len(1000).tos(ECT0));
}

TEST_F(TcpTest, Ecn_RetransmissionsAreNotEct) {
    ecn_ten_in_flight(*this);
    expect_after(1s, seg().flags(ACK).seq(1).len(1000).tos(NOT_ECT));  // RTO
}

TEST_F(TcpTest, Ecn_EceIgnoredWithoutNegotiation) {
    config().congestion = tcp::CongestionAlgorithm::Reno;
    options().peer_mss = 1000;
    in_state(State::Established);
    send(std::string(10000, 'x'));
    for (int i = 0; i < 10; ++i) expect(seg().ack_flag().seq(1 + 1000 * i).len(1000).tos(NOT_ECT));
    inject(seg().ack_flag().ece().seq(1).ack(1001));
    EXPECT_GE(snap().cwnd, 10000u);
}

}  // namespace
}  // namespace ustack::testing
