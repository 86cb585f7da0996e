// RFC 9293 §3.9.2.2 (RFC 1122 §4.2.3.9, RFC 5927 §4, RFC 1191 §6): ICMP
// errors about our segments, handed to the core through the TcpLayer.
#include "tests/harness/harness.h"
#include "tests/harness/req.h"

namespace ustack::testing {
namespace {

using tcp::IcmpError;
using Kind = tcp::IcmpError::Kind;

class TcpIcmp : public TcpTest {
protected:
    void established_with_data_in_flight() {
        in_state(State::Established);
        send("hello");
        expect(seg().ack_flag().seq(1).data("hello"));
    }
};

TEST_F(TcpIcmp, SourceQuench_SilentlyDiscarded) {
    USTACK_REQ("MUST-55");
    established_with_data_in_flight();
    uint32_t cwnd = snap().cwnd;
    EXPECT_FALSE(icmp(Kind::SourceQuench, 0, 1));
    expect_silence();
    expect_state(State::Established);
    EXPECT_EQ(snap().cwnd, cwnd);
    EXPECT_EQ(conn().soft_error(), TcpError::None);
    EXPECT_EQ(layer().counters().icmp_errors_ignored, 1u);
}

TEST_F(TcpIcmp, SoftErrors_NeverAbortEstablished_AndAreReported) {
    USTACK_REQ("MUST-54", "MUST-56", "SHLD-25");
    established_with_data_in_flight();
    struct Case { Kind kind; uint8_t code; TcpError want; };
    for (Case c : {Case{Kind::DestUnreachable, 0, TcpError::NetworkUnreachable},
                   Case{Kind::DestUnreachable, 1, TcpError::HostUnreachable},
                   Case{Kind::DestUnreachable, 5, TcpError::HostUnreachable},
                   Case{Kind::TimeExceeded, 0, TcpError::HostUnreachable},
                   Case{Kind::ParameterProblem, 0, TcpError::ParameterProblem}}) {
        EXPECT_TRUE(icmp(c.kind, c.code, 1));
        expect_state(State::Established);
        EXPECT_EQ(conn().soft_error(), c.want) << int(c.kind) << "/" << int(c.code);
        EXPECT_EQ(conn().error(), TcpError::None);
    }
    expect_silence();
    // The connection goes on: the data is acknowledged as usual.
    inject(seg().ack_flag().seq(1).ack(6));
    EXPECT_EQ(snap().snd_una.raw(), our_iss() + 6);
}

TEST_F(TcpIcmp, SoftErrors_NeverAbortSynSent) {
    USTACK_REQ("MUST-56");
    in_state(State::SynSent);
    for (uint8_t code : {0, 1, 5}) EXPECT_TRUE(icmp(Kind::DestUnreachable, code, 0));
    EXPECT_TRUE(icmp(Kind::TimeExceeded, 0, 0));
    EXPECT_TRUE(icmp(Kind::ParameterProblem, 0, 0));
    expect_state(State::SynSent);
    inject(seg().syn().ack_flag().seq(0).ack(1).mss(1460));
    expect(seg().ack_flag().seq(1).ack(1));
    expect_state(State::Established);
}

TEST_F(TcpIcmp, SoftError_ReportedWhenTheConnectionTimesOut) {
    USTACK_REQ("MUST-54", "SHLD-25");
    config().r2_syn_timeout = 10s;
    in_state(State::SynSent);
    EXPECT_TRUE(icmp(Kind::DestUnreachable, 1, 0));
    advance(60s);
    discard_pending();
    expect_state(State::Closed);
    expect_error(TcpError::HostUnreachable);  // not just "timed out" (as Linux reports EHOSTUNREACH)
}

TEST_F(TcpIcmp, NoSoftError_TimeoutReportsTimedOut) {
    config().r2_syn_timeout = 10s;
    in_state(State::SynSent);
    advance(60s);
    discard_pending();
    expect_error(TcpError::TimedOut);
}

TEST_F(TcpIcmp, PortUnreachableInSynSent_Aborts) {
    USTACK_REQ("SHLD-26", "MUST-54");
    in_state(State::SynSent);
    EXPECT_TRUE(icmp(Kind::DestUnreachable, 3, 0));
    expect_state(State::Closed);
    expect_error(TcpError::ConnectionRefused);
    EXPECT_EQ(layer().next_deadline(), std::nullopt);  // the layer's timer heap heard of it
    expect_silence(10s);  // no more SYN retransmissions
}

TEST_F(TcpIcmp, ProtocolUnreachableInSynSent_Aborts) {
    USTACK_REQ("SHLD-26");
    in_state(State::SynSent);
    EXPECT_TRUE(icmp(Kind::DestUnreachable, 2, 0));
    expect_error(TcpError::ProtocolUnreachable);
}

TEST_F(TcpIcmp, HardErrorInSynReceivedPassive_ReturnsToListenSilently) {
    USTACK_REQ("SHLD-26");
    in_state(State::SynReceived, Open::Passive);
    EXPECT_TRUE(icmp(Kind::DestUnreachable, 3, 0));
    expect_state(State::Listen);
    EXPECT_EQ(listener()->ready(), 0u);
    expect_silence(10s);
}

TEST_F(TcpIcmp, HardErrorInEstablished_SoftOnly_Rfc5927) {
    // RFC 5927 §4.2: in synchronized states hard errors are treated as soft
    // (a forged port unreachable must not reset the connection), as Linux does.
    USTACK_REQ("MUST-54");
    established_with_data_in_flight();
    EXPECT_TRUE(icmp(Kind::DestUnreachable, 3, 1));
    expect_state(State::Established);
    EXPECT_EQ(conn().soft_error(), TcpError::ConnectionRefused);
}

TEST_F(TcpIcmp, QuotedSeqOutsideSndUnaSndNxt_Ignored) {
    USTACK_REQ("MUST-54");
    established_with_data_in_flight();  // SND.UNA = 1, SND.NXT = 6
    EXPECT_FALSE(icmp(Kind::DestUnreachable, 1, 0));  // already acknowledged (our SYN)
    EXPECT_FALSE(icmp(Kind::DestUnreachable, 1, 6));  // never sent
    EXPECT_FALSE(icmp(Kind::DestUnreachable, 1, 100000));
    EXPECT_EQ(conn().soft_error(), TcpError::None);
    EXPECT_TRUE(icmp(Kind::DestUnreachable, 1, 5));  // the last byte in flight
    EXPECT_EQ(conn().soft_error(), TcpError::HostUnreachable);
    EXPECT_EQ(layer().counters().icmp_errors_ignored, 3u);
    EXPECT_EQ(layer().counters().icmp_errors_applied, 1u);
}

TEST_F(TcpIcmp, HardErrorWithWrongSeqInSynSent_Ignored) {
    in_state(State::SynSent);
    EXPECT_FALSE(icmp(Kind::DestUnreachable, 3, 1));  // SND.NXT: not our SYN
    expect_state(State::SynSent);
}

TEST_F(TcpIcmp, ErrorForUnknownConnection_Ignored) {
    in_state(State::Established);
    tcp::FourTuple other = tuple();
    other.remote.port = uint16_t(other.remote.port + 1);
    IcmpError e;
    e.code = 3;
    e.seq = wire::SeqNum(our_iss() + 1);
    EXPECT_FALSE(layer().icmp_error(other, e, now()));
    expect_state(State::Established);
    EXPECT_EQ(layer().counters().icmp_errors_ignored, 1u);
}

TEST_F(TcpIcmp, TimeWait_ErrorsIgnored) {
    in_state(State::TimeWait);
    EXPECT_FALSE(icmp(Kind::DestUnreachable, 3, 1));
    expect_state(State::TimeWait);
}

TEST_F(TcpIcmp, FragmentationNeeded_ResegmentsAndRetransmitsAtOnce) {
    USTACK_REQ("MUST-54");
    in_state(State::Established);
    EXPECT_EQ(snap().snd_mss, 1460);
    send(std::string(3000, 'x'));
    expect(seg().ack_flag().seq(1).len(1460));
    expect(seg().ack_flag().seq(1461).len(1460));
    expect(seg().ack_flag().seq(2921).len(80));
    uint32_t cwnd = snap().cwnd;
    EXPECT_TRUE(icmp(Kind::DestUnreachable, 4, 1, 1000));
    EXPECT_EQ(snap().snd_mss, 960);  // 1000 - 20 (IP) - 20 (TCP)
    // The two full segments again, in 960-byte segments, without waiting for
    // the RTO; the 80-octet one fits the new MTU and is not resent
    // (tcp_robust_pmtu.cc has more).
    expect(seg().ack_flag().seq(1).len(960));
    expect(seg().ack_flag().seq(961).len(960));
    expect(seg().ack_flag().seq(1921).len(960));
    expect(seg().ack_flag().seq(2881).len(40));
    expect_silence();
    EXPECT_EQ(snap().cwnd, cwnd);  // not a congestion signal
    EXPECT_EQ(layer().next_deadline(), snap().retransmit_deadline);
    inject(seg().ack_flag().seq(1).ack(3001));
    EXPECT_EQ(snap().bytes_in_flight, 0u);
}

TEST_F(TcpIcmp, FragmentationNeeded_NeverRaisesNorGoesBelowFloor) {
    in_state(State::Established);
    send("hello");
    expect(seg().ack_flag().seq(1).data("hello"));
    EXPECT_TRUE(icmp(Kind::DestUnreachable, 4, 1, 100));
    EXPECT_EQ(snap().snd_mss, 536);  // min_path_mtu 576: RFC 9293's default MSS at least
    EXPECT_FALSE(icmp(Kind::DestUnreachable, 4, 1, 1400));  // a larger MTU is not taken
    EXPECT_EQ(snap().snd_mss, 536);
}

TEST_F(TcpIcmp, FragmentationNeeded_FloorConfigurableDownTo68) {
    config().min_path_mtu = 0;
    in_state(State::Established);
    send("hello");
    expect(seg().ack_flag().seq(1).data("hello"));
    EXPECT_TRUE(icmp(Kind::DestUnreachable, 4, 1, 40));
    EXPECT_EQ(snap().snd_mss, 28);  // RFC 791's 68-octet minimum MTU
}

TEST_F(TcpIcmp, FragmentationNeeded_OldRouterUsesPlateau) {
    in_state(State::Established);
    send("hello");
    expect(seg().ack_flag().seq(1).data("hello"));
    EXPECT_TRUE(icmp(Kind::DestUnreachable, 4, 1, 0, 1500));  // no next-hop MTU: RFC 1191 §5
    EXPECT_EQ(snap().snd_mss, 1492 - 40);
}

TEST_F(TcpIcmp, FragmentationNeeded_InSynSent_LowersMssForLater) {
    in_state(State::SynSent);
    EXPECT_TRUE(icmp(Kind::DestUnreachable, 4, 0, 1200));
    inject(seg().syn().ack_flag().seq(0).ack(1).mss(1460));
    expect(seg().ack_flag().seq(1).ack(1));
    EXPECT_EQ(snap().snd_mss, 1160);
}

}  // namespace
}  // namespace ustack::testing
