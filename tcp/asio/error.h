// Maps the core's TcpError (RFC 9293 §3.9.1.8 "error reporting") onto the
// error codes Asio users expect from a socket.
#pragma once

#include <boost/system/error_code.hpp>

#include "tcp/error.h"

namespace ustack::net {

// None -> success; ConnectionRefused -> connection_refused; ConnectionReset ->
// connection_reset; TimedOut -> timed_out; ConnectionAborted ->
// connection_aborted; ConnectionClosing -> broken_pipe; AddressInUse ->
// address_in_use; InvalidArgument -> invalid_argument; NoPortsAvailable -> EADDRNOTAVAIL.
boost::system::error_code to_error_code(tcp::TcpError e);

}  // namespace ustack::net
