// Test harness: state fixtures (style.md rule 11). Each state of RFC 9293
// §3.3.2 is reached by driving real segments through the connection.
#include "tests/harness/harness.h"

namespace ustack::testing {

void Harness::in_state(State target, Open how, Loc loc) {
    using tcp::flags::ACK;
    note("---- fixture: " + std::string(tcp::to_string(target)) +
         (how == Open::Active ? " (active open)" : " (passive open)") + " ----");
    const uint16_t our_mss = config().mss;
    // The peer's SYN (or SYN-ACK, with ack_flag()) with the options HarnessOptions names.
    auto peer_syn = [&] {
        Seg s = seg().syn().seq(0).mss(opt_.peer_mss);
        if (opt_.peer_sack_permitted) s.sack_perm();
        return s;
    };
    if (target == State::Listen) {
        listen(0, 16, loc);
    } else if (target == State::SynSent) {
        connect(loc);
        expect(seg().syn().seq(0).mss(our_mss), loc);
    } else if (target == State::SynReceived && how == Open::Passive) {
        listen(0, 16, loc);
        inject(peer_syn(), loc);
        expect(seg().syn().ack_flag().seq(0).ack(1).mss(our_mss), loc);
    } else if (target == State::SynReceived) {
        // Simultaneous open (§3.5 Figure 8): our SYN crosses the peer's SYN.
        in_state(State::SynSent, how, loc);
        inject(peer_syn(), loc);
        expect(seg().syn().ack_flag().seq(0).ack(1), loc);
    } else if (target == State::Established) {
        if (how == Open::Active) {
            in_state(State::SynSent, how, loc);
            inject(peer_syn().ack_flag().ack(1), loc);
            expect(seg().ack_flag().seq(1).ack(1), loc);
        } else {
            in_state(State::SynReceived, how, loc);
            inject(seg().ack_flag().seq(1).ack(1), loc);
            accept(loc);
        }
    } else if (target == State::Closed) {
        in_state(State::Established, how, loc);
        abort(loc);
        expect(seg().rst().allow(ACK).seq(1), loc);
    } else if (target == State::FinWait1) {
        in_state(State::Established, how, loc);
        close(loc);
        expect(seg().fin().ack_flag().seq(1).ack(1), loc);
    } else if (target == State::FinWait2) {
        in_state(State::FinWait1, how, loc);
        inject(seg().ack_flag().seq(1).ack(2), loc);
        expect_silence(Duration::zero(), loc);
    } else if (target == State::CloseWait) {
        in_state(State::Established, how, loc);
        inject(seg().fin().ack_flag().seq(1).ack(1), loc);
        expect_within(500ms, seg().ack_flag().seq(1).ack(2), loc);
    } else if (target == State::Closing) {
        // Simultaneous close (§3.6 Figure 13): the peer's FIN does not ack ours.
        in_state(State::FinWait1, how, loc);
        inject(seg().fin().ack_flag().seq(1).ack(1), loc);
        expect_within(500ms, seg().ack_flag().seq(2).ack(2), loc);
    } else if (target == State::LastAck) {
        in_state(State::CloseWait, how, loc);
        close(loc);
        expect(seg().fin().ack_flag().seq(1).ack(2), loc);
    } else if (target == State::TimeWait) {
        in_state(State::FinWait2, how, loc);
        inject(seg().fin().ack_flag().seq(1).ack(2), loc);
        expect_within(500ms, seg().ack_flag().seq(2).ack(2), loc);
    }
    expect_state(target, loc);
    note("---- fixture ready ----");
}

void Harness::peer_closes_window(Loc loc) {
    in_state(State::Established, Open::Active, loc);
    inject(seg().ack_flag().seq(1).ack(1).win(0), loc);
    expect_silence(Duration::zero(), loc);
}

}  // namespace ustack::testing
