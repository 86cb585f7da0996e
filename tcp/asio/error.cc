// TcpError -> boost::system::error_code (asio::error values where Asio has one).
#include "tcp/asio/error.h"

#include <boost/asio/error.hpp>

#include <cerrno>

namespace ustack::net {

boost::system::error_code to_error_code(tcp::TcpError e) {
    namespace ae = boost::asio::error;
    using tcp::TcpError;
    switch (e) {
    case TcpError::None: return {};
    case TcpError::ConnectionRefused: return ae::connection_refused;
    case TcpError::ConnectionReset: return ae::connection_reset;
    case TcpError::TimedOut: return ae::timed_out;
    case TcpError::ConnectionAborted: return ae::connection_aborted;
    case TcpError::ConnectionClosing: return ae::broken_pipe;
    case TcpError::AddressInUse: return ae::address_in_use;
    case TcpError::InvalidArgument: return ae::invalid_argument;
    case TcpError::NoPortsAvailable:
    case TcpError::AddressNotAvailable:
        return boost::system::error_code(EADDRNOTAVAIL, boost::system::system_category());
    case TcpError::NetworkUnreachable: return ae::network_unreachable;
    case TcpError::HostUnreachable: return ae::host_unreachable;
    case TcpError::ProtocolUnreachable:
        return boost::system::error_code(ENOPROTOOPT, boost::system::system_category());
    case TcpError::ParameterProblem: return boost::system::error_code(EPROTO, boost::system::system_category());
    case TcpError::NoBuffers: return ae::no_buffer_space;  // ENOBUFS
    }
    return ae::fault;
}

}  // namespace ustack::net
