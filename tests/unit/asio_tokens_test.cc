// Every completion token on every TcpStream/TcpAcceptor operation: a plain
// callback, asio::use_future, asio::use_awaitable (with as_tuple and
// redirect_error) and asio::deferred, for async_accept, async_connect,
// async_read_some and async_write_some, success and error paths.
#include <gtest/gtest.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include <array>
#include <exception>
#include <future>
#include <string>
#include <string_view>

#include "tests/unit/asio_two_stacks.h"

namespace ustack::net {
namespace {

namespace asio = boost::asio;
using boost::system::error_code;
using testkit::kB;
using namespace std::chrono_literals;

class CompletionTokens : public testkit::TwoStacks {
protected:
    template <class T>
    static bool ready(std::future<T>& f) {
        return f.wait_for(0s) == std::future_status::ready;
    }
    std::array<char, 32> buf_{};
};

TEST_F(CompletionTokens, Callbacks_AcceptConnectWriteRead) {
    TcpAcceptor acceptor(*b_, {kB, 80});
    TcpStream client(*a_), server(*b_);
    int steps = 0;
    acceptor.async_accept(server, [&](error_code ec) {
        EXPECT_FALSE(ec);
        server.async_read_some(asio::buffer(buf_), [&](error_code rec, size_t n) {
            EXPECT_FALSE(rec);
            EXPECT_EQ(std::string(buf_.data(), n), "cb");
            ++steps;
        });
    });
    client.async_connect({kB, 80}, [&](error_code ec) {
        EXPECT_FALSE(ec);
        client.async_write_some(asio::buffer(std::string_view("cb")), [&](error_code wec, size_t n) {
            EXPECT_FALSE(wec);
            EXPECT_EQ(n, 2u);
            ++steps;
        });
    });
    ASSERT_TRUE(run_until([&] { return steps == 2; }));
    // Errors arrive as the error_code argument.
    TcpStream refused(*a_);
    error_code result;
    bool done = false;
    refused.async_connect({kB, 99}, [&](error_code ec) {
        result = ec;
        done = true;
    });
    ASSERT_TRUE(run_until([&] { return done; }));
    EXPECT_EQ(result, asio::error::connection_refused);
}

TEST_F(CompletionTokens, UseFuture_ReadSomeAndAbortedAccept) {
    TcpAcceptor acceptor(*b_, {kB, 80});
    TcpStream client(*a_), server(*b_);
    connect_pair(client, server, acceptor);
    std::future<size_t> read = server.async_read_some(asio::buffer(buf_), asio::use_future);
    std::future<size_t> wrote = client.async_write_some(asio::buffer(std::string_view("fut")), asio::use_future);
    ASSERT_TRUE(run_until([&] { return ready(read) && ready(wrote); }));
    EXPECT_EQ(wrote.get(), 3u);
    EXPECT_EQ(read.get(), 3u);
    EXPECT_EQ(std::string(buf_.data(), 3), "fut");
    // An accept pending when the acceptor closes: the future throws operation_aborted.
    TcpStream next(*b_);
    std::future<void> accepted = acceptor.async_accept(next, asio::use_future);
    io_.poll();
    acceptor.close();
    ASSERT_TRUE(run_until([&] { return ready(accepted); }));
    try {
        accepted.get();
        FAIL() << "expected operation_aborted";
    } catch (const boost::system::system_error& e) {
        EXPECT_EQ(e.code(), asio::error::operation_aborted);
    }
}

TEST_F(CompletionTokens, UseAwaitable_ErrorsThrowOrComeBackThroughAdaptors) {
    bool done = false;
    asio::co_spawn(io_, [&]() -> asio::awaitable<void> {
        TcpStream s(*a_);
        // Plain use_awaitable: the error is thrown.
        try {
            co_await s.async_connect({kB, 99}, asio::use_awaitable);
            ADD_FAILURE() << "connect to a closed port succeeded";
        } catch (const boost::system::system_error& e) {
            EXPECT_EQ(e.code(), asio::error::connection_refused);
        }
        // redirect_error and as_tuple hand it back instead.
        TcpStream t(*a_);
        error_code ec;
        co_await t.async_connect({kB, 98}, asio::redirect_error(asio::use_awaitable, ec));
        EXPECT_EQ(ec, asio::error::connection_refused);
        TcpStream u(*a_);
        auto [ec2] = co_await u.async_connect({kB, 97}, asio::as_tuple(asio::use_awaitable));
        EXPECT_EQ(ec2, asio::error::connection_refused);
        done = true;
    }, [&](std::exception_ptr e) { EXPECT_FALSE(e); done = true; });
    ASSERT_TRUE(run_until([&] { return done; }));
}

TEST_F(CompletionTokens, Deferred_AcceptAndConnect_StartOnlyWhenInvoked) {
    TcpAcceptor acceptor(*b_, {kB, 80});
    TcpStream client(*a_), server(*b_);
    auto accept = acceptor.async_accept(server, asio::deferred);
    auto connect = client.async_connect({kB, 80}, asio::deferred);
    io_.poll();
    EXPECT_EQ(a_->counters().tx_packets, 0u);  // no SYN yet: the operation has not started
    EXPECT_FALSE(client.is_open());
    int done = 0;
    std::move(accept)([&](error_code ec) {
        EXPECT_FALSE(ec);
        ++done;
    });
    std::move(connect)([&](error_code ec) {
        EXPECT_FALSE(ec);
        ++done;
    });
    ASSERT_TRUE(run_until([&] { return done == 2; }));
    EXPECT_EQ(server.remote_endpoint(), client.local_endpoint());
}

TEST_F(CompletionTokens, Deferred_ReadSome_LeavesDataUntilInvoked) {
    TcpAcceptor acceptor(*b_, {kB, 80});
    TcpStream client(*a_), server(*b_);
    connect_pair(client, server, acceptor);
    auto read = server.async_read_some(asio::buffer(buf_), asio::deferred);
    bool wrote = false;
    client.async_write_some(asio::buffer(std::string_view("deferred")), [&](error_code, size_t) { wrote = true; });
    ASSERT_TRUE(run_until([&] { return wrote && server.connection()->readable() == 8; }));
    io_.poll();
    EXPECT_EQ(server.connection()->readable(), 8u);  // still unread
    size_t got = 0;
    std::move(read)([&](error_code ec, size_t n) {
        EXPECT_FALSE(ec);
        got = n;
    });
    ASSERT_TRUE(run_until([&] { return got != 0; }));
    EXPECT_EQ(std::string(buf_.data(), got), "deferred");
    EXPECT_EQ(server.connection()->readable(), 0u);
}

TEST_F(CompletionTokens, Deferred_ErrorReachesTheHandler) {
    TcpStream refused(*a_);
    auto op = refused.async_connect({kB, 99}, asio::deferred);
    error_code result;
    bool done = false;
    std::move(op)([&](error_code ec) {
        result = ec;
        done = true;
    });
    ASSERT_TRUE(run_until([&] { return done; }));
    EXPECT_EQ(result, asio::error::connection_refused);
}

}  // namespace
}  // namespace ustack::net
