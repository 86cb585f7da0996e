// RFC 9293 §3.9.2.2 (SHLD-25), RFC 1122 §4.2.3.9: an ICMP soft error is kept
// until an ACK shows progress and, if the connection times out meanwhile
// (R2, user timeout, SYN), is the error the application gets (Linux sk_err_soft).
#include "tests/harness/harness.h"
#include "tests/harness/req.h"

namespace ustack::testing {
namespace {

using namespace tcp::flags;
using Kind = tcp::IcmpError::Kind;

class TcpSoftError : public TcpTest {
protected:
    // A soft ICMP error quoting our segment at `rel_seq` arrives now; the timer
    // at hand then ends the connection within `wait`, reporting `reported`.
    void expect_reported_at_timeout(Kind kind, uint8_t code, int64_t rel_seq, Duration wait, TcpError reported,
                                    Loc loc = Loc::current()) {
        if (!icmp(kind, code, rel_seq)) ADD_FAILURE_AT(loc.file_name(), int(loc.line())) << "ICMP error not applied";
        advance(wait, loc);
        discard_pending(loc);
        expect_state(State::Closed, loc);
        expect_error(reported, loc);
    }
};

// One test per timer that can end the connection while the error is kept.

TEST_F(TcpSoftError, UserTimeout_ReportsTheSoftError) {
    USTACK_REQ("SHLD-25", "MUST-21");
    in_state(State::Established);
    conn().set_user_timeout(5s);
    send("hello");
    expect(seg().ack_flag().seq(1).data("hello"));
    expect_reported_at_timeout(Kind::DestUnreachable, 1, 1, 5s, TcpError::HostUnreachable);  // host unreachable: soft
}

TEST_F(TcpSoftError, SynUserTimeout_ReportsNetworkUnreachable) {
    USTACK_REQ("SHLD-25");
    config().user_timeout = 3s;
    in_state(State::SynSent);
    expect_reported_at_timeout(Kind::DestUnreachable, 0, 0, 3s, TcpError::NetworkUnreachable);
}

TEST_F(TcpSoftError, R2_ReportsTimeExceededAsHostUnreachable) {
    USTACK_REQ("SHLD-25", "MUST-56");
    config().r2_retransmissions = 0;
    in_state(State::Established);
    send("hello");
    expect(seg().ack_flag().seq(1).data("hello"));
    expect_reported_at_timeout(Kind::TimeExceeded, 0, 1, 200s, TcpError::HostUnreachable);
}

TEST_F(TcpSoftError, ZeroWindowProbeError_ReportedWhenProbesTimeOut) {
    // The probe carries the octet at SND.NXT (past SND.MAX): an ICMP error
    // quoting it is about our segment too (Linux accepts SND.UNA..SND.NXT).
    USTACK_REQ("SHLD-25");
    peer_closes_window();
    conn().set_user_timeout(10s);
    send("hello");
    expect_after(1s, seg().ack_flag().seq(1).len(1));
    expect_reported_at_timeout(Kind::DestUnreachable, 1, 1, 10s, TcpError::HostUnreachable);
}

TEST_F(TcpSoftError, AckProgressClearsTheSoftError) {
    // Linux tcp_ack(): "We passed data and got it acked, remove any soft error log."
    USTACK_REQ("SHLD-25");
    config().r2_retransmissions = 0;
    in_state(State::Established);
    send("hello");
    expect(seg().ack_flag().seq(1).data("hello"));
    EXPECT_TRUE(icmp(Kind::DestUnreachable, 1, 1));
    EXPECT_EQ(conn().soft_error(), TcpError::HostUnreachable);
    inject(seg().ack_flag().seq(1).ack(6));
    EXPECT_EQ(conn().soft_error(), TcpError::None);
    send("again");
    advance(200s);  // then the path dies without an ICMP: a plain timeout
    discard_pending();
    expect_error(TcpError::TimedOut);
}

}  // namespace
}  // namespace ustack::testing
