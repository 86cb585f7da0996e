// RFC 9293 §3.6: whole closing sequences, both sides, simultaneous close and
// half-close in both directions (MAY-1), ending with the TCB deleted.
#include "tests/harness/harness.h"
#include "tests/harness/req.h"

namespace ustack::testing {
namespace {

using namespace tcp::flags;

TEST_F(TcpTest, Established_ActiveCloseReachesClosedAfterTimeWait) {
    USTACK_REQ("MUST-13");
    config().msl = 1s;
    in_state(State::Established);
    close();
    expect(seg().flags(FIN | ACK).seq(1).ack(1));
    inject(seg().ack_flag().seq(1).ack(2));
    expect_state(State::FinWait2);
    inject(seg().fin().ack_flag().seq(1).ack(2));
    expect_within(500ms, seg().flags(ACK).seq(2).ack(2));
    expect_state(State::TimeWait);
    advance(2s);
    expect_state(State::Closed);
    EXPECT_EQ(layer().connection_count(), 0u);
}

TEST_F(TcpTest, Established_PassiveCloseReachesClosedWithoutTimeWait) {
    in_state(State::Established, Open::Passive);
    inject(seg().fin().ack_flag().seq(1).ack(1));
    expect_within(500ms, seg().flags(ACK).seq(1).ack(2));
    close();
    expect(seg().flags(FIN | ACK).seq(1).ack(2));
    inject(seg().ack_flag().seq(2).ack(2));
    expect_state(State::Closed);
    EXPECT_EQ(layer().connection_count(), 0u);
}

TEST_F(TcpTest, FinWait1_SimultaneousCloseEndsInTimeWaitThenClosed) {
    config().msl = 1s;
    in_state(State::Closing);
    inject(seg().ack_flag().seq(2).ack(2));
    expect_state(State::TimeWait);
    expect_silence(2s - 1ns);
    advance(1ns);
    expect_state(State::Closed);
}

TEST_F(TcpTest, Established_HalfCloseWeStopSendingPeerKeepsSending) {
    USTACK_REQ("MAY-1");
    in_state(State::FinWait2, Open::Passive);
    for (std::string chunk : {"one ", "two ", "three"}) {
        inject(seg().ack_flag().ack(2).data(chunk));
        expect_within(500ms, seg().flags(ACK).seq(2));
    }
    inject(seg().fin().ack_flag().ack(2));
    expect_within(500ms, seg().flags(ACK).seq(2).ack(15));
    EXPECT_EQ(receive(), "one two three");
    EXPECT_TRUE(conn().eof());
    expect_state(State::TimeWait);
}

TEST_F(TcpTest, Established_HalfClosePeerStopsSendingWeKeepSending) {
    USTACK_REQ("MAY-1");
    in_state(State::CloseWait, Open::Passive);
    send("response body");
    expect(seg().ack_flag().seq(1).ack(2).data("response body"));
    inject(seg().ack_flag().seq(2).ack(14));
    close();
    expect(seg().flags(FIN | ACK).seq(14).ack(2));
    inject(seg().ack_flag().seq(2).ack(15));
    expect_state(State::Closed);
}

TEST_F(TcpTest, SynSent_CloseDeletesConnectionWithoutFin) {
    in_state(State::SynSent);
    close();  // §3.10.4: SYN-SENT CLOSE deletes the TCB
    expect_silence(10s);
    expect_state(State::Closed);
}

TEST_F(TcpTest, SynReceived_CloseSendsFinAndEntersFinWait1) {
    in_state(State::SynReceived, Open::Active);
    close();  // §3.10.4 SYN-RECEIVED: nothing queued, so form a FIN, send it, FIN-WAIT-1
    expect(seg().flags(FIN | ACK).seq(1).ack(1));
    expect_state(State::FinWait1);
    inject(seg().ack_flag().seq(1).ack(2));  // acks our SYN and our FIN
    expect_state(State::FinWait2);
}

}  // namespace
}  // namespace ustack::testing
