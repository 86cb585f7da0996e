// Events the core reports upward: to the socket that owns a connection, and
// to a stack-wide tracer (ustack -v prints every state transition with its cause).
#pragma once

#include <string_view>

#include "tcp/state.h"

namespace ustack::tcp {

class Connection;
class Listener;

class ConnectionObserver {
public:
    virtual ~ConnectionObserver() = default;
    // Every transition, with the reason in RFC terms, e.g. "ACK 1001 acknowledges our SYN".
    virtual void on_state_change(const Connection&, State /*from*/, State /*to*/, std::string_view /*cause*/) {}
    // New bytes are readable, or the peer's FIN arrived (receive() then returns 0 with eof()).
    virtual void on_readable(Connection&) {}
    // The peer's urgent pointer moved ahead of the data read so far (RFC 9293
    // §3.8.5, MUST-32): once per advance. The urgent octets stay inline;
    // Connection::urgent_remaining() says how many are still to be read.
    virtual void on_urgent(Connection&) {}
    // Send buffer space was freed.
    virtual void on_writable(Connection&) {}
    // The connection reached ESTABLISHED, or failed (error() says why) or closed.
    virtual void on_status(Connection&) {}
    // next_deadline() changed; told once the outermost call into the
    // connection returns. For the owning TcpLayer's timer heap.
    virtual void on_deadline_change(const Connection&) {}
    // "Negative advice" (RFC 9293 §3.8.3, MUST-20, SHLD-9): the same segment
    // has now been retransmitted `retransmissions` >= R1 times; the path may be
    // broken. Told to the TCP layer (for IP) and to the application, once per
    // retransmission from R1 on, until R2 (or the user timeout) closes the connection.
    virtual void on_negative_advice(Connection&, uint32_t /*retransmissions*/) {}
};

class ListenerObserver {
public:
    virtual ~ListenerObserver() = default;
    // A connection is ready in the accept queue.
    virtual void on_acceptable(Listener&) {}
};

}  // namespace ustack::tcp
