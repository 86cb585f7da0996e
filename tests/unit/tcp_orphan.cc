// Orphans (RFC 9293 §3.6.1 SHLD-3, RFC 1122 4.2.2.13, RFC 2525 §2.17, as
// Linux handles them): the application's full close against the half-close,
// RST for lost data, the FIN-WAIT-2 timeout and the orphan cap.
#include "tests/harness/harness.h"
#include "tests/harness/req.h"

namespace ustack::testing {
namespace {

using namespace tcp::flags;

const tcp::OrphanCounters& orphans(Harness& h) { return h.layer().counters().orphan; }

// ---- RST for data that nobody will read (SHLD-3) ----

TEST_F(TcpTest, Established_FullCloseWithUnreadDataSendsRst) {
    USTACK_REQ("SHLD-3");
    in_state(State::Established);
    inject(seg().ack_flag().seq(1).ack(1).data("unread"));
    expect_within(500ms, seg().flags(ACK).seq(1).ack(7));
    close_full();
    expect(seg().flags(RST).seq(1));  // <SEQ=SND.NXT><CTL=RST>, no FIN
    expect_state(State::Closed);
    expect_silence(10s);
    EXPECT_EQ(orphans(*this).aborts_on_close, 1u);
    EXPECT_EQ(orphans(*this).orphans, 0u);
    EXPECT_EQ(layer().connection_count(), 0u);
}

TEST_F(TcpTest, Established_HalfCloseWithUnreadDataSendsFin) {
    in_state(State::Established);
    inject(seg().ack_flag().seq(1).ack(1).data("unread"));
    expect_within(500ms, seg().flags(ACK).seq(1).ack(7));
    close();  // shutdown(SHUT_WR): the data is still there to read
    expect(seg().flags(FIN | ACK).seq(1).ack(7));
    EXPECT_EQ(receive(), "unread");
    EXPECT_FALSE(conn().orphaned());
}

TEST_F(TcpTest, CloseWait_FullCloseWithUnreadDataSendsRst) {
    USTACK_REQ("SHLD-3");
    in_state(State::Established, Open::Passive);
    inject(seg().fin().ack_flag().seq(1).ack(1).data("request"));
    expect_within(500ms, seg().flags(ACK).seq(1).ack(9));
    expect_state(State::CloseWait);
    close_full();
    expect(seg().flags(RST).seq(1));
    expect_state(State::Closed);
}

TEST_F(TcpTest, FinWait1_DataAfterFullCloseGetsRstAndCloses) {
    USTACK_REQ("SHLD-3");
    in_state(State::Established);
    close_full();
    expect(seg().flags(FIN | ACK).seq(1).ack(1));
    EXPECT_TRUE(conn().orphaned());
    inject(seg().ack_flag().seq(1).ack(1).data("late"));  // does not ack our FIN
    expect(seg().flags(RST).seq(1));                       // <SEQ=SEG.ACK><CTL=RST>
    expect_state(State::Closed);
    expect_error(TcpError::ConnectionAborted);
    expect_silence(10s);
    EXPECT_EQ(orphans(*this).aborts_on_data, 1u);
    EXPECT_EQ(orphans(*this).orphans, 0u);
    EXPECT_EQ(layer().connection_count(), 0u);
}

TEST_F(TcpTest, FinWait2_DataAfterFullCloseGetsRstAndCloses) {
    USTACK_REQ("SHLD-3");
    in_state(State::Established);
    close_full();
    expect(seg().flags(FIN | ACK).seq(1).ack(1));
    inject(seg().ack_flag().seq(1).ack(2));
    expect_state(State::FinWait2);
    inject(seg().ack_flag().seq(1).ack(2).data("late"));
    expect(seg().flags(RST).seq(2));
    expect_state(State::Closed);
    EXPECT_EQ(layer().connection_count(), 0u);
}

TEST_F(TcpTest, FinWait1_AckOfFinCarryingDataAfterFullCloseGetsRst) {
    USTACK_REQ("SHLD-3");
    in_state(State::Established);
    close_full();
    expect(seg().flags(FIN | ACK).seq(1).ack(1));
    // The ACK of our FIN is taken first (fifth step), then the data resets.
    inject(seg().fin().ack_flag().seq(1).ack(2).data("late"));
    expect(seg().flags(RST).seq(2));
    expect_state(State::Closed);
}

TEST_F(TcpTest, FinWait2_OutOfOrderDataAfterFullCloseGetsRst) {
    USTACK_REQ("SHLD-3");
    in_state(State::Established);
    close_full();
    expect(seg().flags(FIN | ACK).seq(1).ack(1));
    inject(seg().ack_flag().seq(1).ack(2));
    inject(seg().ack_flag().seq(100).ack(2).data("ahead"));  // in the window, beyond RCV.NXT
    expect(seg().flags(RST).seq(2));
    expect_state(State::Closed);
}

TEST_F(TcpTest, FinWait2_RetransmittedOldDataAfterFullCloseOnlyAcked) {
    in_state(State::Established);
    inject(seg().ack_flag().seq(1).ack(1).data("ab"));
    expect_within(500ms, seg().flags(ACK).seq(1).ack(3));
    EXPECT_EQ(receive(), "ab");
    close_full();
    expect(seg().flags(FIN | ACK).seq(1).ack(3));
    inject(seg().ack_flag().seq(3).ack(2));
    inject(seg().ack_flag().seq(1).ack(2).data("ab"));  // nothing new: no data is lost
    expect(seg().flags(ACK).seq(2).ack(3));
    expect_state(State::FinWait2);
}

TEST_F(TcpTest, FinWait2_DataAfterHalfCloseStillDelivered) {
    in_state(State::FinWait2);  // the fixture's close() is the half-close
    inject(seg().ack_flag().seq(1).ack(2).data("more"));
    expect_within(500ms, seg().flags(ACK).seq(2).ack(5));
    EXPECT_EQ(receive(), "more");
    expect_state(State::FinWait2);
}

TEST_F(TcpTest, FinWait2_PeerFinAfterFullCloseEndsInTimeWait) {
    config().msl = 1s;
    in_state(State::Established);
    close_full();
    expect(seg().flags(FIN | ACK).seq(1).ack(1));
    EXPECT_EQ(orphans(*this).orphans, 1u);
    inject(seg().ack_flag().seq(1).ack(2));
    inject(seg().fin().ack_flag().seq(1).ack(2));  // a bare FIN loses nothing
    expect_within(500ms, seg().flags(ACK).seq(2).ack(2));
    expect_state(State::TimeWait);
    EXPECT_EQ(orphans(*this).orphans, 0u);  // TIME-WAIT is not counted (as Linux)
    advance(2s);
    expect_state(State::Closed);
    EXPECT_EQ(layer().connection_count(), 0u);
}

// ---- FIN-WAIT-2 timeout (Linux tcp_fin_timeout) ----

TEST_F(TcpTest, FinWait2_OrphanDroppedSilentlyAfterFinWait2Timeout) {
    in_state(State::Established);
    close_full();
    expect(seg().flags(FIN | ACK).seq(1).ack(1));
    inject(seg().ack_flag().seq(1).ack(2));
    expect_state(State::FinWait2);
    expect_silence(60s - 1ns);  // default fin_wait2_timeout: 60 s from entering FIN-WAIT-2
    expect_state(State::FinWait2);
    advance(1ns);
    expect_silence();  // no RST, as Linux's FIN-WAIT-2 timewait socket
    expect_state(State::Closed);
    EXPECT_EQ(orphans(*this).fin_wait2_timeouts, 1u);
    EXPECT_EQ(orphans(*this).orphans, 0u);
    EXPECT_EQ(layer().connection_count(), 0u);
    inject(seg().fin().ack_flag().seq(1).ack(2));  // the late FIN finds no connection
    expect(seg().flags(RST).seq(2));
}

TEST_F(TcpTest, FinWait2_HalfClosedConnectionWaitsIndefinitely) {
    in_state(State::FinWait2);
    expect_silence(600s);  // RFC 9293 sets no limit while the application still reads
    expect_state(State::FinWait2);
    EXPECT_FALSE(snap().fin_wait2_deadline.has_value());
}

TEST_F(TcpTest, FinWait2_FullCloseAfterHalfCloseStartsTheTimeout) {
    config().fin_wait2_timeout = 10s;
    in_state(State::FinWait2);
    expect_silence(100s);
    close_full();  // the application lets go: from now on at most 10 s
    expect_silence(10s - 1ns);
    expect_state(State::FinWait2);
    advance(1ns);
    expect_state(State::Closed);
}

TEST_F(TcpTest, FinWait2_TimeoutZeroMeansNoLimit) {
    config().fin_wait2_timeout = Duration::zero();
    in_state(State::Established);
    close_full();
    expect(seg().flags(FIN | ACK).seq(1).ack(1));
    inject(seg().ack_flag().seq(1).ack(2));
    expect_silence(600s);
    expect_state(State::FinWait2);
}

TEST_F(TcpTest, FinWait2_TimeoutNeverShorterThanThreeAndAHalfRto) {
    config().fin_wait2_timeout = 1s;  // below 3.5 * RTO (RTO is 1 s): Linux tcp_fin_time()
    in_state(State::Established);
    close_full();
    expect(seg().flags(FIN | ACK).seq(1).ack(1));
    inject(seg().ack_flag().seq(1).ack(2));
    Duration rto = snap().rto;
    expect_silence(rto * 7 / 2 - 1ns);
    expect_state(State::FinWait2);
    advance(1ns);
    expect_state(State::Closed);
}

// ---- close() in each state (§3.10.4) for an orphan, and its timers ----

TEST_F(TcpTest, SynSent_FullCloseDeletesConnection) {
    in_state(State::SynSent);
    close_full();
    expect_silence(10s);
    expect_state(State::Closed);
    EXPECT_EQ(orphans(*this).orphans, 0u);
}

TEST_F(TcpTest, SynReceived_FullCloseSendsFinAsOrphan) {
    in_state(State::SynReceived, Open::Active);
    close_full();
    expect(seg().flags(FIN | ACK).seq(1).ack(1));
    expect_state(State::FinWait1);
    EXPECT_EQ(orphans(*this).orphans, 1u);
}

TEST_F(TcpTest, LastAck_OrphanFinRetransmittedUntilR2ThenClosed) {
    config().r2_timeout = 10s;
    config().r2_retransmissions = 0;  // R2 is the time limit alone
    in_state(State::CloseWait, Open::Passive);
    close_full();
    expect(seg().flags(FIN | ACK).seq(1).ack(2));
    EXPECT_EQ(orphans(*this).orphans, 1u);
    expect_after(1s, seg().flags(FIN | ACK).seq(1).ack(2));  // RTO retransmission of the FIN
    advance(60s);
    discard_pending();
    expect_state(State::Closed);  // R2: not a leak
    EXPECT_EQ(orphans(*this).orphans, 0u);
    EXPECT_EQ(layer().connection_count(), 0u);
}

TEST_F(TcpTest, Closing_OrphanFinRetransmittedUntilR2ThenClosed) {
    config().r2_timeout = 10s;
    config().r2_retransmissions = 0;  // R2 is the time limit alone
    in_state(State::Closing);
    close_full();  // already half-closed: now an orphan too
    EXPECT_EQ(orphans(*this).orphans, 1u);
    expect_within(2s, seg().flags(FIN | ACK).seq(1).ack(2));
    advance(60s);
    discard_pending();
    expect_state(State::Closed);
    EXPECT_EQ(orphans(*this).orphans, 0u);
    EXPECT_EQ(layer().connection_count(), 0u);
}

TEST_F(TcpTest, FinWait1_OrphanWhoseFinIsNeverAckedEndsAtR2) {
    config().r2_timeout = 10s;
    config().r2_retransmissions = 0;  // R2 is the time limit alone
    in_state(State::Established);
    close_full();
    expect(seg().flags(FIN | ACK).seq(1).ack(1));
    advance(60s);
    discard_pending();
    expect_state(State::Closed);
    EXPECT_EQ(orphans(*this).orphans, 0u);
    EXPECT_EQ(layer().connection_count(), 0u);
}

TEST_F(TcpTest, TimeWait_FullCloseDropsUnreadDataAndKeepsTimeWait) {
    config().msl = 1s;
    in_state(State::FinWait2);
    inject(seg().fin().ack_flag().seq(1).ack(2).data("tail"));
    expect_within(500ms, seg().flags(ACK).seq(2).ack(6));
    expect_state(State::TimeWait);
    close_full();  // the peer is done sending: nothing is lost on the wire
    expect_silence(2s - 1ns);
    expect_state(State::TimeWait);
    advance(1ns);
    expect_state(State::Closed);
}

// §3.10.4: CLOSE in FIN-WAIT-1/2, CLOSING, LAST-ACK and TIME-WAIT is "error:
// connection closing": nothing is sent again and the state stays; a full
// close there only makes the connection an orphan.
class CloseAgain : public TcpTest, public ::testing::WithParamInterface<State> {};

TEST_P(CloseAgain, SecondCloseSendsNothingAndKeepsState) {
    in_state(GetParam());
    close();
    expect_silence();
    expect_state(GetParam());
    close_full();
    expect_silence();
    expect_state(GetParam());
    EXPECT_TRUE(conn().orphaned());
}

INSTANTIATE_TEST_SUITE_P(ClosingStates, CloseAgain,
                         ::testing::Values(State::FinWait1, State::FinWait2, State::Closing, State::LastAck,
                                           State::TimeWait),
                         [](const ::testing::TestParamInfo<State>& i) {
                             std::string n(tcp::to_string(i.param));
                             std::erase(n, '-');
                             return n;
                         });

// ---- the orphan cap (Linux tcp_max_orphans) ----

TEST_F(TcpTest, Established_FullCloseBeyondMaxOrphansResets) {
    config().max_orphans = 1;
    in_state(State::Established, Open::Passive);
    close_full();  // the first orphan fits
    expect(seg().flags(FIN | ACK).seq(1).ack(1));
    EXPECT_EQ(orphans(*this).orphans, 1u);
    options().peer_port = 40001;  // a second connection to the same listener
    inject(seg().syn().seq(0).mss(1460).peer_port(40001));
    expect(seg().syn().ack_flag().seq(0).ack(1).peer_port(40001));
    inject(seg().ack_flag().seq(1).ack(1).peer_port(40001));
    accept();
    close_full();  // over the cap: reset instead of a FIN
    expect(seg().flags(RST).seq(1).peer_port(40001));
    expect_state(State::Closed);
    EXPECT_EQ(orphans(*this).orphans_over_limit, 1u);
    EXPECT_EQ(orphans(*this).orphans, 1u);
    EXPECT_EQ(layer().connection_count(), 1u);
}

TEST_F(TcpTest, Established_OrphanCountFollowsConnectionsToClosed) {
    in_state(State::Established, Open::Passive);
    close_full();
    expect(seg().flags(FIN | ACK).seq(1).ack(1));
    EXPECT_EQ(orphans(*this).orphans, 1u);
    inject(seg().rst().seq(1));
    expect_state(State::Closed);
    EXPECT_EQ(orphans(*this).orphans, 0u);
}

}  // namespace
}  // namespace ustack::testing
