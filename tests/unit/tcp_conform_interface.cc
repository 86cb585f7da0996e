// RFC 9293 §3.9.1 TCP/application interface rows of Appendix B: the PSH
// indication on RECEIVE (§3.9.1.3, MAY-17), FLUSH (§3.9.1.7, MAY-14) and an
// application that turns the error reports off (§3.9.1.8, SHLD-20).
#include "tests/harness/harness.h"
#include "tests/harness/req.h"

namespace ustack::testing {
namespace {
using namespace tcp::flags;

// ---- PSH to the receiving application (§3.9.1.3) ----

TEST_F(TcpTest, Push_ReceivedPshReportedToTheApplication) {
    USTACK_REQ("MAY-17");
    in_state(State::Established);
    inject(seg().ack_flag().seq(1).ack(1).data("abc"));  // not pushed
    EXPECT_EQ(conn().pushed_readable(), 0u);
    inject(seg().ack_flag().psh().seq(4).ack(1).data("def"));
    inject(seg().ack_flag().seq(7).ack(1).data("gh"));
    EXPECT_EQ(conn().readable(), 8u);
    EXPECT_EQ(conn().pushed_readable(), 6u);  // "abcdef" ends at the PSH
    EXPECT_EQ(receive(4), "abcd");
    EXPECT_EQ(conn().pushed_readable(), 2u);
    EXPECT_EQ(receive(), "efgh");
    EXPECT_EQ(conn().pushed_readable(), 0u);
}

TEST_F(TcpTest, Push_PshOnOutOfOrderSegmentCountsOnceTheGapFills) {
    USTACK_REQ("MAY-17");
    in_state(State::Established);
    inject(seg().ack_flag().psh().seq(4).ack(1).data("def"));  // ahead of RCV.NXT: held
    expect(seg().ack_flag().seq(1).ack(1));                    // duplicate ACK for the gap
    EXPECT_EQ(conn().pushed_readable(), 0u);
    inject(seg().ack_flag().seq(1).ack(1).data("abc"));
    EXPECT_EQ(conn().readable(), 6u);
    EXPECT_EQ(conn().pushed_readable(), 6u);
}

// ---- FLUSH (§3.9.1.7) ----

TEST_F(TcpTest, Flush_DropsQueuedDataNotYetSentAndKeepsSequence) {
    USTACK_REQ("MAY-14");
    options().peer_window = 5;
    in_state(State::Established);
    send("hello world");
    expect(seg().ack_flag().seq(1).data("hello"));
    expect_silence();  // " world" waits for the window
    EXPECT_EQ(conn().flush(now()), 6u);
    inject(seg().ack_flag().seq(1).ack(6).win(100));
    expect_silence(1s);  // nothing left to send: " world" is gone
    EXPECT_EQ(snap().send_buffered, 0u);
    send("!");
    expect(seg().ack_flag().seq(6).data("!"));  // the sequence goes on where sent data ended
}

TEST_F(TcpTest, Flush_KeepsDataInFlightForRetransmission) {
    USTACK_REQ("MAY-14");
    in_state(State::Established);
    send("hello");
    expect(seg().ack_flag().seq(1).data("hello"));
    EXPECT_EQ(conn().flush(now()), 0u);
    expect_after(1s, seg().ack_flag().seq(1).data("hello"));  // still retransmitted
}

struct WritableCounter : tcp::ConnectionObserver {
    int writable = 0;
    void on_writable(tcp::Connection&) override { ++writable; }
};

TEST_F(TcpTest, Flush_QueuedFinStaysAndFollowsTheSentData) {
    USTACK_REQ("MAY-14");
    options().peer_window = 5;
    in_state(State::Established);
    WritableCounter app;
    conn().set_observer(&app);
    send("hello world");
    expect(seg().ack_flag().seq(1).data("hello"));
    close();  // the FIN waits behind " world"
    expect_silence();
    EXPECT_EQ(conn().flush(now()), 6u);
    EXPECT_EQ(app.writable, 1);  // the freed space wakes a writer
    expect(seg().fin().ack_flag().seq(6));  // FIN right after "hello"
    inject(seg().ack_flag().seq(1).ack(7));
    EXPECT_EQ(conn().state(), State::FinWait2);
}

// ---- Error reports (§3.9.1.8) ----

struct StatusCounter : tcp::ConnectionObserver {
    int status = 0, advice = 0;
    void on_status(tcp::Connection&) override { ++status; }
    void on_negative_advice(tcp::Connection&, uint32_t) override { ++advice; }
};

tcp::IcmpError host_unreachable(uint32_t seq) {
    tcp::IcmpError e;
    e.kind = tcp::IcmpError::Kind::DestUnreachable;
    e.code = 1;
    e.seq = tcp::SeqNum(seq);
    return e;
}

TEST_F(TcpTest, ErrorReports_OnByDefault_SoftErrorAndAdviceSignalled) {
    in_state(State::Established);
    StatusCounter app;
    conn().set_observer(&app);
    send("hello");
    expect(seg().ack_flag().seq(1).data("hello"));
    EXPECT_TRUE(conn().on_icmp_error(host_unreachable(our_iss() + 1), now()));
    EXPECT_EQ(app.status, 1);
    for (Duration d : {1s, 2s, 4s}) expect_after(d, seg().ack_flag().seq(1).data("hello"));
    EXPECT_GE(app.advice, 1);  // R1 = 3 retransmissions
}

TEST_F(TcpTest, ErrorReports_DisabledByTheApplication_NeitherSignalled) {
    USTACK_REQ("SHLD-20");
    in_state(State::Established);
    StatusCounter app;
    conn().set_observer(&app);
    conn().set_error_reports(false);
    send("hello");
    expect(seg().ack_flag().seq(1).data("hello"));
    EXPECT_TRUE(conn().on_icmp_error(host_unreachable(our_iss() + 1), now()));
    EXPECT_EQ(app.status, 0);
    EXPECT_EQ(conn().soft_error(), TcpError::HostUnreachable);  // still there to be asked for
    for (Duration d : {1s, 2s, 4s}) expect_after(d, seg().ack_flag().seq(1).data("hello"));
    EXPECT_EQ(app.advice, 0);
    EXPECT_GE(layer().counters().negative_advice, 1u);  // IP's advice is not the application's report
    conn().set_error_reports(true);
    EXPECT_TRUE(conn().on_icmp_error(host_unreachable(our_iss() + 1), now()));
    EXPECT_EQ(app.status, 1);
}

}  // namespace
}  // namespace ustack::testing
