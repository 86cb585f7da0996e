// The eleven connection states of RFC 9293 §3.3.2.
#pragma once

#include <string_view>

namespace ustack::tcp {

enum class State {
    Closed,
    Listen,
    SynSent,
    SynReceived,
    Established,
    FinWait1,
    FinWait2,
    CloseWait,
    Closing,
    LastAck,
    TimeWait,
};

// "SYN-RECEIVED", "ESTABLISHED", ...: the RFC's spelling.
constexpr std::string_view to_string(State s) {
    switch (s) {
    case State::Closed: return "CLOSED";
    case State::Listen: return "LISTEN";
    case State::SynSent: return "SYN-SENT";
    case State::SynReceived: return "SYN-RECEIVED";
    case State::Established: return "ESTABLISHED";
    case State::FinWait1: return "FIN-WAIT-1";
    case State::FinWait2: return "FIN-WAIT-2";
    case State::CloseWait: return "CLOSE-WAIT";
    case State::Closing: return "CLOSING";
    case State::LastAck: return "LAST-ACK";
    case State::TimeWait: return "TIME-WAIT";
    }
    return "?";
}

// Named predicates instead of ordered-enum tricks (style.md, "what not to copy").
constexpr bool is_synchronized(State s) {
    switch (s) {
    case State::Established: case State::FinWait1: case State::FinWait2: case State::CloseWait:
    case State::Closing: case State::LastAck: case State::TimeWait: return true;
    default: return false;
    }
}
// We may still send data in this state (our FIN is not queued yet).
constexpr bool can_send_data(State s) { return s == State::Established || s == State::CloseWait; }
// The peer may still send us data in this state (its FIN has not arrived).
constexpr bool can_receive_data(State s) {
    return s == State::Established || s == State::FinWait1 || s == State::FinWait2;
}

}  // namespace ustack::tcp
