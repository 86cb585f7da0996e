// Test fixture: two stacks in one io_context, each with its own EventLoop,
// joined by a SOCK_SEQPACKET socketpair (A = 10.0.0.1, B = 10.0.0.2).
#pragma once

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "stack/asio/event_loop.h"
#include "stack/link/socketpair_link.h"
#include "tcp/asio/tcp_acceptor.h"
#include "tcp/asio/tcp_stream.h"
#include "tests/harness/pattern.h"

namespace ustack::net::testkit {

inline const wire::Ipv4Address kA(10, 0, 0, 1);
inline const wire::Ipv4Address kB(10, 0, 0, 2);

using ustack::testing::pattern;

class TwoStacks : public ::testing::Test {
protected:
    TwoStacks() {
        auto [a, b] = link::make_socketpair_links(1500);
        link_a_ = std::move(a);
        link_b_ = std::move(b);
        a_ = std::make_unique<EventLoop>(io_, *link_a_, config(kA), isn_a_);
        b_ = std::make_unique<EventLoop>(io_, *link_b_, config(kB), isn_b_);
        a_->start();
        b_->start();
    }
    static StackConfig config(wire::Ipv4Address addr) {
        StackConfig c;
        c.addr = addr;
        c.mtu = 1500;
        return c;
    }
    // Runs the io_context until `done` holds; false on timeout.
    bool run_until(const std::function<bool()>& done,
                   std::chrono::milliseconds limit = std::chrono::seconds(10)) {
        auto end = std::chrono::steady_clock::now() + limit;
        while (!done()) {
            if (std::chrono::steady_clock::now() > end) return false;
            io_.run_one_for(std::chrono::milliseconds(20));
        }
        return true;
    }
    // Accept on B:80, connect from A; both streams end up connected.
    void connect_pair(TcpStream& client, TcpStream& server, TcpAcceptor& acceptor) {
        using boost::system::error_code;
        namespace asio = boost::asio;
        error_code accept_ec = asio::error::would_block, connect_ec = asio::error::would_block;
        acceptor.async_accept(server, [&](error_code ec) { accept_ec = ec; });
        client.async_connect({kB, 80}, [&](error_code ec) { connect_ec = ec; });
        ASSERT_TRUE(run_until([&] {
            return accept_ec != asio::error::would_block && connect_ec != asio::error::would_block;
        }));
        ASSERT_FALSE(accept_ec) << accept_ec.message();
        ASSERT_FALSE(connect_ec) << connect_ec.message();
    }

    boost::asio::io_context io_;
    tcp::FixedIsn isn_a_{1000};
    tcp::FixedIsn isn_b_{7000000};
    std::unique_ptr<link::FdLink> link_a_, link_b_;
    std::unique_ptr<EventLoop> a_, b_;
};

}  // namespace ustack::net::testkit
