// Errors the core reports to the application (RFC 9293 §3.9.1.8, MUST-47).
#pragma once

#include <string_view>

namespace ustack::tcp {

enum class TcpError {
    None,
    ConnectionRefused,   // RST in SYN-SENT (§3.10.7.3)
    ConnectionReset,     // RST in a synchronized state (§3.10.7.4)
    TimedOut,            // R2 retransmissions exhausted (§3.8.3)
    ConnectionAborted,   // local ABORT
    ConnectionClosing,   // SEND after CLOSE (§3.10.2)
    AddressInUse,        // LISTEN or OPEN on a taken endpoint
    InvalidArgument,     // OPEN to a broadcast/multicast address (MUST-46), bad port
    NoPortsAvailable,    // ephemeral ports exhausted
    // Added by icmp (RFC 9293 §3.9.2.2, RFC 1122 §4.2.3.9): what an ICMP error said.
    NetworkUnreachable,  // Destination Unreachable code 0 (and 6, 9, 11)
    HostUnreachable,     // code 1 (and 5, 7, 10, 12), Time Exceeded
    ProtocolUnreachable, // code 2
    ParameterProblem,    // ICMP Parameter Problem
    AddressNotAvailable, // OPEN from a local address that is not ours (MUST-43)
    // Added by memory (tcp/memory.h): OPEN refused, the layer's memory limit is reached (ENOBUFS).
    NoBuffers,
};

constexpr std::string_view to_string(TcpError e) {
    switch (e) {
    case TcpError::None: return "no error";
    case TcpError::ConnectionRefused: return "connection refused";
    case TcpError::ConnectionReset: return "connection reset by peer";
    case TcpError::TimedOut: return "connection timed out";
    case TcpError::ConnectionAborted: return "connection aborted";
    case TcpError::ConnectionClosing: return "connection closing";
    case TcpError::AddressInUse: return "address in use";
    case TcpError::InvalidArgument: return "invalid argument";
    case TcpError::NoPortsAvailable: return "no ephemeral ports available";
    case TcpError::NetworkUnreachable: return "network unreachable";
    case TcpError::HostUnreachable: return "host unreachable";
    case TcpError::ProtocolUnreachable: return "protocol unreachable";
    case TcpError::ParameterProblem: return "ICMP parameter problem";
    case TcpError::AddressNotAvailable: return "local address not available";
    case TcpError::NoBuffers: return "no buffer space (TCP memory limit reached)";
    }
    return "?";
}

}  // namespace ustack::tcp
