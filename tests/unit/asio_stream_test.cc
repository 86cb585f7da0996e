// Two stacks in one process (asio_two_stacks.h): TcpStream/TcpAcceptor end to end, with every
// completion-token flavour and the Asio composed operations.
#include <gtest/gtest.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/stream_traits.hpp>

#include <chrono>
#include <functional>
#include <future>
#include <string>
#include <vector>

#include "tests/harness/req.h"
#include "tests/unit/asio_two_stacks.h"

namespace ustack::net {
namespace {

namespace asio = boost::asio;
using boost::system::error_code;
using namespace std::chrono_literals;

static_assert(boost::beast::is_async_stream<TcpStream>::value, "TcpStream must be a Beast AsyncStream");
static_assert(boost::beast::is_async_read_stream<TcpStream>::value);
static_assert(boost::beast::is_async_write_stream<TcpStream>::value);

using testkit::kA;
using testkit::kB;
using testkit::pattern;
using testkit::TwoStacks;

TEST_F(TwoStacks, AcceptAndConnect_EndpointsMatch) {
    TcpAcceptor acceptor(*b_, {kB, 80});
    TcpStream client(*a_), server(*b_);
    connect_pair(client, server, acceptor);
    EXPECT_TRUE(client.is_open());
    EXPECT_EQ(client.remote_endpoint(), (tcp::Endpoint{kB, 80}));
    EXPECT_EQ(server.local_endpoint(), (tcp::Endpoint{kB, 80}));
    EXPECT_EQ(server.remote_endpoint(), client.local_endpoint());
    EXPECT_EQ(client.connection()->state(), tcp::State::Established);
}

TEST_F(TwoStacks, Echo_ReadSomeWriteSome) {
    TcpAcceptor acceptor(*b_, {kB, 80});
    TcpStream client(*a_), server(*b_);
    connect_pair(client, server, acceptor);
    std::string msg = "hello over ustack";
    std::array<char, 64> sbuf{}, cbuf{};
    size_t echoed = 0;
    bool done = false;
    server.async_read_some(asio::buffer(sbuf), [&](error_code ec, size_t n) {
        ASSERT_FALSE(ec);
        asio::async_write(server, asio::buffer(sbuf.data(), n), [&](error_code wec, size_t) { ASSERT_FALSE(wec); });
    });
    asio::async_write(client, asio::buffer(msg), [&](error_code ec, size_t n) {
        ASSERT_FALSE(ec);
        EXPECT_EQ(n, msg.size());
        client.async_read_some(asio::buffer(cbuf), [&](error_code rec, size_t m) {
            EXPECT_FALSE(rec);
            echoed = m;
            done = true;
        });
    });
    ASSERT_TRUE(run_until([&] { return done; }));
    EXPECT_EQ(std::string(cbuf.data(), echoed), msg);
}

TEST_F(TwoStacks, FourMiBBothDirections_ComposedOps) {
    TcpAcceptor acceptor(*b_, {kB, 80});
    TcpStream client(*a_), server(*b_);
    connect_pair(client, server, acceptor);
    const size_t size = 4 * 1024 * 1024;
    auto up = pattern(size, 1), down = pattern(size, 2);
    std::vector<uint8_t> got_up(size), got_down(size);
    int finished = 0;
    auto count = [&](error_code ec, size_t n) {
        EXPECT_FALSE(ec) << ec.message();
        EXPECT_EQ(n, size);
        ++finished;
    };
    asio::async_write(client, asio::buffer(up), count);
    asio::async_write(server, asio::buffer(down), count);
    asio::async_read(server, asio::buffer(got_up), count);
    asio::async_read(client, asio::buffer(got_down), count);
    auto t0 = std::chrono::steady_clock::now();
    ASSERT_TRUE(run_until([&] { return finished == 4; }, 60s));
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
    RecordProperty("transfer_ms", std::to_string(ms));
    EXPECT_TRUE(got_up == up);
    EXPECT_TRUE(got_down == down);
}

TEST_F(TwoStacks, HalfClose_PeerReadsEofThenAnswers) {
    TcpAcceptor acceptor(*b_, {kB, 80});
    TcpStream client(*a_), server(*b_);
    connect_pair(client, server, acceptor);
    std::string request = "request, then FIN";
    std::string received, reply;
    error_code server_ec, client_ec;
    std::array<char, 256> buf{}, cbuf{};
    asio::async_write(client, asio::buffer(request), [&](error_code ec, size_t) {
        ASSERT_FALSE(ec);
        client.shutdown_send();
    });
    std::function<void()> server_read = [&] {
        server.async_read_some(asio::buffer(buf), [&](error_code ec, size_t n) {
            received.append(buf.data(), n);
            if (!ec) return server_read();
            server_ec = ec;
            // Our direction is still open after the peer's FIN (CLOSE-WAIT).
            asio::async_write(server, asio::buffer(std::string_view("answer")), [&](error_code wec, size_t) {
                EXPECT_FALSE(wec);
                server.shutdown_send();
            });
        });
    };
    server_read();
    std::function<void()> client_read = [&] {
        client.async_read_some(asio::buffer(cbuf), [&](error_code ec, size_t n) {
            reply.append(cbuf.data(), n);
            if (!ec) return client_read();
            client_ec = ec;
        });
    };
    client_read();
    ASSERT_TRUE(run_until([&] { return bool(client_ec); }));
    EXPECT_EQ(server_ec, asio::error::eof);
    EXPECT_EQ(received, request);
    EXPECT_EQ(client_ec, asio::error::eof);
    EXPECT_EQ(reply, "answer");
    // A write after our own FIN fails instead of vanishing.
    error_code late = {};
    bool late_done = false;
    client.async_write_some(asio::buffer(std::string_view("x")), [&](error_code ec, size_t) {
        late = ec;
        late_done = true;
    });
    ASSERT_TRUE(run_until([&] { return late_done; }));
    EXPECT_TRUE(late);
}

TEST_F(TwoStacks, ConnectToClosedPort_Refused) {
    TcpStream client(*a_);
    error_code result = asio::error::would_block;
    client.async_connect({kB, 81}, [&](error_code ec) { result = ec; });
    ASSERT_TRUE(run_until([&] { return result != asio::error::would_block; }));
    EXPECT_EQ(result, asio::error::connection_refused);
}

TEST_F(TwoStacks, TosAndIpOptionsSetBeforeConnect_UsedByTheConnection) {
    USTACK_REQ("MUST-48", "MUST-51");
    TcpAcceptor acceptor(*b_, {kB, 80});
    TcpStream client(*a_), server(*b_);
    client.set_tos(0xb8);
    const uint8_t router_alert[] = {0x94, 0x04, 0x00, 0x00};
    ASSERT_TRUE(client.set_ip_options(router_alert));
    const uint8_t too_long[41] = {};
    EXPECT_FALSE(client.set_ip_options(too_long));
    connect_pair(client, server, acceptor);  // B ignores the option it does not know (MUST-50)
    tcp::IpParams ip = client.connection()->ip_params();
    EXPECT_EQ(ip.tos, 0xb8);
    ASSERT_EQ(ip.options.size(), 4u);
    EXPECT_EQ(ip.options[0], 0x94);
    client.set_tos(0x28);  // on an open connection: from the next segment on
    EXPECT_EQ(client.connection()->ip_params().tos, 0x28);
    EXPECT_EQ(server.connection()->ip_params().tos, 0);
}

TEST_F(TwoStacks, LocalAddressNotOurs_AddressNotAvailable) {
    USTACK_REQ("MUST-43");
    TcpStream client(*a_);
    client.set_local_address(kB);  // B's address, not A's
    error_code result = asio::error::would_block;
    client.async_connect({kB, 80}, [&](error_code ec) { result = ec; });
    ASSERT_TRUE(run_until([&] { return result != asio::error::would_block; }));
    EXPECT_EQ(result.value(), EADDRNOTAVAIL);
}

TEST_F(TwoStacks, ListenTwiceOnOnePort_AddressInUse) {
    TcpAcceptor first(*b_, {kB, 80});
    try {
        TcpAcceptor second(*b_, {kB, 80});
        FAIL() << "second listen succeeded";
    } catch (const boost::system::system_error& e) {
        EXPECT_EQ(e.code(), asio::error::address_in_use);
    }
}

TEST_F(TwoStacks, CompletionsArePostedNotInline) {
    TcpAcceptor acceptor(*b_, {kB, 80});
    TcpStream client(*a_), server(*b_);
    connect_pair(client, server, acceptor);
    bool wrote = false;
    asio::async_write(client, asio::buffer(std::string_view("abc")), [&](error_code, size_t) { wrote = true; });
    ASSERT_TRUE(run_until([&] { return wrote && server.connection()->readable() == 3; }));
    bool called = false;
    std::array<char, 8> buf{};
    server.async_read_some(asio::buffer(buf), [&](error_code ec, size_t n) {
        called = true;
        EXPECT_FALSE(ec);
        EXPECT_EQ(n, 3u);
    });
    EXPECT_FALSE(called);  // data was ready, yet the handler waits for the executor
    bool zero = false;
    server.async_write_some(asio::buffer(buf.data(), 0), [&](error_code ec, size_t n) {
        zero = true;
        EXPECT_FALSE(ec);
        EXPECT_EQ(n, 0u);
    });
    EXPECT_FALSE(zero);
    ASSERT_TRUE(run_until([&] { return called && zero; }));
}

TEST_F(TwoStacks, ZeroLengthRead_CompletesAtOnceWithZero) {
    TcpAcceptor acceptor(*b_, {kB, 80});
    TcpStream client(*a_), server(*b_);
    connect_pair(client, server, acceptor);
    bool done = false;
    server.async_read_some(asio::mutable_buffer(), [&](error_code ec, size_t n) {
        EXPECT_FALSE(ec);
        EXPECT_EQ(n, 0u);
        done = true;
    });
    ASSERT_TRUE(run_until([&] { return done; }, 1s));
}

TEST_F(TwoStacks, CloseWithPendingRead_OperationAborted) {
    TcpAcceptor acceptor(*b_, {kB, 80});
    TcpStream client(*a_), server(*b_);
    connect_pair(client, server, acceptor);
    std::array<char, 8> buf{};
    error_code result;
    bool done = false;
    server.async_read_some(asio::buffer(buf), [&](error_code ec, size_t) {
        result = ec;
        done = true;
    });
    io_.poll();
    EXPECT_FALSE(done);
    server.close();
    ASSERT_TRUE(run_until([&] { return done; }));
    EXPECT_EQ(result, asio::error::operation_aborted);
    EXPECT_FALSE(server.is_open());
    // The peer sees our FIN as end of stream.
    error_code peer;
    bool peer_done = false;
    client.async_read_some(asio::buffer(buf), [&](error_code ec, size_t) {
        peer = ec;
        peer_done = true;
    });
    ASSERT_TRUE(run_until([&] { return peer_done; }));
    EXPECT_EQ(peer, asio::error::eof);
}

TEST_F(TwoStacks, AbortResetsPeer) {
    TcpAcceptor acceptor(*b_, {kB, 80});
    TcpStream client(*a_), server(*b_);
    connect_pair(client, server, acceptor);
    std::array<char, 8> buf{};
    error_code peer;
    bool done = false;
    client.async_read_some(asio::buffer(buf), [&](error_code ec, size_t) {
        peer = ec;
        done = true;
    });
    server.abort();
    ASSERT_TRUE(run_until([&] { return done; }));
    EXPECT_EQ(peer, asio::error::connection_reset);
}

TEST_F(TwoStacks, UseFuture) {
    TcpAcceptor acceptor(*b_, {kB, 80});
    TcpStream client(*a_), server(*b_);
    std::future<void> accepted = acceptor.async_accept(server, asio::use_future);
    std::future<void> connected = client.async_connect({kB, 80}, asio::use_future);
    auto ready = [](auto& f) { return f.wait_for(0s) == std::future_status::ready; };
    ASSERT_TRUE(run_until([&] { return ready(accepted) && ready(connected); }));
    EXPECT_NO_THROW(accepted.get());
    EXPECT_NO_THROW(connected.get());
    std::future<size_t> wrote = client.async_write_some(asio::buffer(std::string_view("future")), asio::use_future);
    std::array<char, 16> buf{};
    ASSERT_TRUE(run_until([&] { return ready(wrote); }));
    EXPECT_EQ(wrote.get(), 6u);
    std::future<size_t> read = asio::async_read(server, asio::buffer(buf.data(), 6), asio::use_future);
    ASSERT_TRUE(run_until([&] { return ready(read); }));
    EXPECT_EQ(read.get(), 6u);
    EXPECT_EQ(std::string(buf.data(), 6), "future");
    // Errors arrive as exceptions.
    TcpStream refused(*a_);
    std::future<void> f = refused.async_connect({kB, 99}, asio::use_future);
    ASSERT_TRUE(run_until([&] { return ready(f); }));
    try {
        f.get();
        FAIL() << "expected connection_refused";
    } catch (const boost::system::system_error& e) {
        EXPECT_EQ(e.code(), asio::error::connection_refused);
    }
}

TEST_F(TwoStacks, UseAwaitable_CoroutineEcho) {
    TcpAcceptor acceptor(*b_, {kB, 80});
    TcpStream client(*a_), server(*b_);
    std::string got;
    bool server_done = false, client_done = false;
    asio::co_spawn(io_, [&]() -> asio::awaitable<void> {
        co_await acceptor.async_accept(server, asio::use_awaitable);
        std::array<char, 32> buf{};
        size_t n = co_await asio::async_read(server, asio::buffer(buf.data(), 5), asio::use_awaitable);
        co_await asio::async_write(server, asio::buffer(buf.data(), n), asio::use_awaitable);
        server_done = true;
    }, asio::detached);
    asio::co_spawn(io_, [&]() -> asio::awaitable<void> {
        co_await client.async_connect({kB, 80}, asio::use_awaitable);
        co_await asio::async_write(client, asio::buffer(std::string_view("await")), asio::use_awaitable);
        std::array<char, 32> buf{};
        auto [ec, n] = co_await client.async_read_some(asio::buffer(buf), asio::as_tuple(asio::use_awaitable));
        EXPECT_FALSE(ec);
        got.assign(buf.data(), n);
        client_done = true;
    }, asio::detached);
    ASSERT_TRUE(run_until([&] { return server_done && client_done; }));
    EXPECT_EQ(got, "await");
}

TEST_F(TwoStacks, Deferred_RunsOnlyWhenInvoked) {
    TcpAcceptor acceptor(*b_, {kB, 80});
    TcpStream client(*a_), server(*b_);
    connect_pair(client, server, acceptor);
    auto op = client.async_write_some(asio::buffer(std::string_view("later")), asio::deferred);
    io_.poll();
    EXPECT_EQ(client.connection()->snapshot().send_buffered, 0u);  // not started yet
    size_t wrote = 0;
    std::move(op)([&](error_code ec, size_t n) {
        EXPECT_FALSE(ec);
        wrote = n;
    });
    ASSERT_TRUE(run_until([&] { return wrote == 5; }));
}

TEST_F(TwoStacks, CloseWithUnreadData_ResetsPeer) {
    USTACK_REQ("SHLD-3");  // §3.6.1: a close that loses received data says so with a RST
    TcpAcceptor acceptor(*b_, {kB, 80});
    TcpStream client(*a_), server(*b_);
    connect_pair(client, server, acceptor);
    static constexpr std::string_view kData = "never read";
    bool written = false;
    asio::async_write(client, asio::buffer(kData), [&](error_code, size_t) { written = true; });
    ASSERT_TRUE(run_until([&] { return written && server.connection()->readable() == kData.size(); }));
    server.close();
    std::array<char, 8> buf{};
    error_code peer;
    bool done = false;
    client.async_read_some(asio::buffer(buf), [&](error_code ec, size_t) {
        peer = ec;
        done = true;
    });
    ASSERT_TRUE(run_until([&] { return done; }));
    EXPECT_EQ(peer, asio::error::connection_reset);
}

TEST_F(TwoStacks, DataAfterClose_ResetsPeer) {
    USTACK_REQ("SHLD-3");  // RFC 1122 4.2.2.13: data arriving after a full close is lost: RST
    TcpAcceptor acceptor(*b_, {kB, 80});
    TcpStream client(*a_), server(*b_);
    connect_pair(client, server, acceptor);
    tcp::Connection* peer = client.connection();
    server.close();  // close(), not shutdown: the server will never read again
    ASSERT_TRUE(run_until([&] { return peer->state() == tcp::State::CloseWait; }));
    bool written = false;
    asio::async_write(client, asio::buffer(std::string_view("late")), [&](error_code, size_t) { written = true; });
    ASSERT_TRUE(run_until([&] { return written && peer->state() == tcp::State::Closed; }));
    EXPECT_EQ(peer->error(), tcp::TcpError::ConnectionReset);
}

TEST_F(TwoStacks, ShutdownSend_KeepsReading) {
    TcpAcceptor acceptor(*b_, {kB, 80});
    TcpStream client(*a_), server(*b_);
    connect_pair(client, server, acceptor);
    error_code ec = asio::error::would_block;
    server.shutdown(asio::socket_base::shutdown_send, ec);  // as an Asio socket: the half-close
    EXPECT_FALSE(ec);
    std::array<char, 8> buf{};
    error_code eof;
    bool got_eof = false;
    client.async_read_some(asio::buffer(buf), [&](error_code e, size_t) {
        eof = e;
        got_eof = true;
    });
    ASSERT_TRUE(run_until([&] { return got_eof; }));
    EXPECT_EQ(eof, asio::error::eof);
    asio::async_write(client, asio::buffer(std::string_view("reply")), [](error_code, size_t) {});
    std::string got;
    bool read_done = false;
    asio::async_read(server, asio::buffer(buf.data(), 5), [&](error_code e, size_t n) {
        EXPECT_FALSE(e);
        got.assign(buf.data(), n);
        read_done = true;
    });
    ASSERT_TRUE(run_until([&] { return read_done; }));
    EXPECT_EQ(got, "reply");  // no RST: a half-closed connection still receives
    EXPECT_FALSE(server.connection()->orphaned());
    server.shutdown(asio::socket_base::shutdown_receive, ec);
    EXPECT_EQ(ec, asio::error::operation_not_supported);
}

TEST_F(TwoStacks, UrgentData_WaitCompletesCountsAndReadsStopAtMark) {
    USTACK_REQ("MUST-30", "MUST-32", "MUST-33");  // §3.8.5 through the Asio shell, RFC 6093 inline semantics
    TcpAcceptor acceptor(*b_, {kB, 80});
    TcpStream client(*a_), server(*b_);
    connect_pair(client, server, acceptor);
    error_code wait_ec = asio::error::would_block;
    server.async_wait_urgent([&](error_code ec) { wait_ec = ec; });
    io_.run_for(50ms);  // nothing urgent yet: the wait stays pending
    EXPECT_EQ(wait_ec, asio::error::would_block);
    static constexpr std::string_view kNormal = "normal ", kUrgent = "URGENT";
    size_t urgent_taken = 0;
    asio::async_write(client, asio::buffer(kNormal), [&](error_code ec, size_t) {
        ASSERT_FALSE(ec);
        client.async_write_some_urgent(asio::buffer(kUrgent), [&](error_code uec, size_t n) {
            EXPECT_FALSE(uec);
            urgent_taken = n;
        });
    });
    ASSERT_TRUE(run_until([&] { return wait_ec != asio::error::would_block; }));
    EXPECT_FALSE(wait_ec) << wait_ec.message();
    EXPECT_EQ(urgent_taken, kUrgent.size());
    // The pointer names the octet after "URGENT": everything before it is still to be read.
    ASSERT_TRUE(run_until([&] { return server.connection()->readable() == kNormal.size() + kUrgent.size(); }));
    EXPECT_EQ(server.urgent_remaining(), kNormal.size() + kUrgent.size());
    EXPECT_FALSE(server.at_urgent_mark());
    bool more_sent = false;
    asio::async_write(client, asio::buffer(std::string_view("after")), [&](error_code, size_t) { more_sent = true; });
    ASSERT_TRUE(run_until([&] { return more_sent && server.connection()->readable() == 18; }));
    std::array<char, 64> buf{};
    size_t got = 0;
    bool read_done = false;
    server.async_read_some(asio::buffer(buf), [&](error_code ec, size_t n) {
        EXPECT_FALSE(ec);
        got = n;
        read_done = true;
    });
    ASSERT_TRUE(run_until([&] { return read_done; }));
    EXPECT_EQ(std::string(buf.data(), got), "normal URGENT");  // the read stops at the mark; data inline
    EXPECT_TRUE(server.at_urgent_mark());
    EXPECT_EQ(server.urgent_remaining(), 0u);
    read_done = false;
    server.async_read_some(asio::buffer(buf), [&](error_code ec, size_t n) {
        EXPECT_FALSE(ec);
        got = n;
        read_done = true;
    });
    ASSERT_TRUE(run_until([&] { return read_done; }));
    EXPECT_EQ(std::string(buf.data(), got), "after");
    EXPECT_FALSE(server.at_urgent_mark());
}

TEST_F(TwoStacks, UrgentData_WaitEndsWithEofWhenPeerClosesFirst) {
    TcpAcceptor acceptor(*b_, {kB, 80});
    TcpStream client(*a_), server(*b_);
    connect_pair(client, server, acceptor);
    error_code wait_ec = asio::error::would_block;
    server.async_wait_urgent([&](error_code ec) { wait_ec = ec; });
    client.shutdown_send();
    ASSERT_TRUE(run_until([&] { return wait_ec != asio::error::would_block; }));
    EXPECT_EQ(wait_ec, asio::error::eof);
}

TEST_F(TwoStacks, KeepAlive_AnsweredProbesKeepTheConnection) {
    USTACK_REQ("MUST-24");
    TcpAcceptor acceptor(*b_, {kB, 80});
    TcpStream client(*a_), server(*b_);
    // Probes 100 ms apart: the peer's RFC 5961 §7 interval (500 ms, for ACKs
    // to out-of-window segments without text) would answer only every fifth.
    b_->stack().tcp().mutable_config().invalid_ack_interval = ustack::Duration::zero();
    connect_pair(client, server, acceptor);
    ASSERT_TRUE(client.set_keep_alive(true, {100ms, 100ms, 2}));
    uint64_t answers = b_->stack().tcp().counters().segments_out;
    auto until = std::chrono::steady_clock::now() + 700ms;
    run_until([&] { return std::chrono::steady_clock::now() > until; }, 2s);
    EXPECT_GE(b_->stack().tcp().counters().segments_out, answers + 3);  // each probe answered
    EXPECT_EQ(client.connection()->state(), tcp::State::Established);
    EXPECT_LE(client.connection()->snapshot().keepalive_probes, 1u);
}

TEST_F(TwoStacks, KeepAlive_SilentPeerTimesOut) {
    USTACK_REQ("MUST-24", "MUST-29");
    TcpAcceptor acceptor(*b_, {kB, 80});
    TcpStream client(*a_), server(*b_);
    connect_pair(client, server, acceptor);
    b_->stop();  // the peer falls silent
    ASSERT_TRUE(client.set_keep_alive(true, {100ms, 50ms, 3}));
    std::array<char, 8> buf{};
    error_code ec;
    bool done = false;
    client.async_read_some(asio::buffer(buf), [&](error_code e, size_t) {
        ec = e;
        done = true;
    });
    ASSERT_TRUE(run_until([&] { return done; }, 5s));
    EXPECT_EQ(ec, asio::error::timed_out);
}

TEST_F(TwoStacks, UserTimeout_UnacknowledgedDataTimesOut) {
    USTACK_REQ("MUST-21");
    TcpAcceptor acceptor(*b_, {kB, 80});
    TcpStream client(*a_), server(*b_);
    connect_pair(client, server, acceptor);
    b_->stop();
    ASSERT_TRUE(client.set_user_timeout(300ms));
    std::array<char, 8> buf{};
    error_code ec;
    bool done = false;
    asio::async_write(client, asio::buffer(std::string_view("lost")), [](error_code, size_t) {});
    client.async_read_some(asio::buffer(buf), [&](error_code e, size_t) {
        ec = e;
        done = true;
    });
    ASSERT_TRUE(run_until([&] { return done; }, 5s));  // at the first RTO (1 s), past the 300 ms
    EXPECT_EQ(ec, asio::error::timed_out);
}

}  // namespace
}  // namespace ustack::net
