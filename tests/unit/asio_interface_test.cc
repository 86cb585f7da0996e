// TcpStream's RFC 9293 §3.9.1 extras end to end over two stacks (asio_two_stacks.h):
// the PSH indication (MAY-17), cork (MAY-15), FLUSH (MAY-14) and the error reports the application
// can turn off (SHLD-20).
#include <gtest/gtest.h>

#include <boost/asio/buffer.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "tests/harness/req.h"
#include "tests/unit/asio_two_stacks.h"

namespace ustack::net {
namespace {

namespace asio = boost::asio;
using boost::system::error_code;
using namespace std::chrono_literals;

using testkit::kB;
using testkit::pattern;
using testkit::TwoStacks;

// A soft error for the oldest unacknowledged octet of `s` (RFC 5927 §4.1 accepts it).
bool host_unreachable(TcpStream& s, EventLoop& loop) {
    tcp::IcmpError e;
    e.kind = tcp::IcmpError::Kind::DestUnreachable;
    e.code = 1;
    e.seq = s.connection()->snapshot().snd_una;
    return s.connection()->on_icmp_error(e, loop.now());
}

TEST_F(TwoStacks, Push_OnlyTheLastSegmentOfAWriteIsPushed) {
    USTACK_REQ("MAY-17");
    TcpAcceptor acceptor(*b_, {kB, 80});
    TcpStream client(*a_), server(*b_);
    connect_pair(client, server, acceptor);
    EXPECT_EQ(server.pushed_readable(), 0u);
    // One write of many segments: PSH only on the last (the congestion window
    // makes the first ones arrive well before it).
    std::vector<uint8_t> data = pattern(64 * 1024, 3);
    client.async_write_some(asio::buffer(data), [](error_code, size_t) {});
    size_t unpushed_seen = 0;
    ASSERT_TRUE(run_until([&] {
        size_t r = server.connection()->readable();
        if (r > 0 && r < data.size() && server.pushed_readable() == 0) unpushed_seen = r;
        return r == data.size();
    }));
    EXPECT_GT(unpushed_seen, 0u);
    EXPECT_EQ(server.pushed_readable(), data.size());  // everything up to the PSH
    std::vector<uint8_t> buf(data.size());
    size_t got = 0;
    server.async_read_some(asio::buffer(buf), [&](error_code, size_t n) { got = n; });
    ASSERT_TRUE(run_until([&] { return got > 0; }));
    EXPECT_EQ(server.pushed_readable(), data.size() - got);
}

TEST_F(TwoStacks, Flush_DropsQueuedDataNotYetSent) {
    USTACK_REQ("MAY-14");
    TcpAcceptor acceptor(*b_, {kB, 80});
    TcpStream client(*a_), server(*b_);
    connect_pair(client, server, acceptor);
    // The write fills the send buffer at once; the initial congestion window
    // lets only the first few segments go before any ACK.
    std::vector<uint8_t> data = pattern(512 * 1024, 7);
    client.async_write_some(asio::buffer(data), [](error_code, size_t) {});
    auto before = client.connection()->snapshot();
    size_t taken = before.send_buffered;
    ASSERT_GT(taken, before.bytes_in_flight);
    size_t dropped = client.flush();
    EXPECT_EQ(dropped, taken - before.bytes_in_flight);
    EXPECT_EQ(client.connection()->snapshot().send_buffered, before.bytes_in_flight);
    // The peer gets exactly what had been sent, then what is written after the flush.
    std::string tail = "end";
    client.async_write_some(asio::buffer(tail), [](error_code, size_t) {});
    client.shutdown_send();
    std::vector<uint8_t> got;
    std::array<uint8_t, 65536> buf{};
    bool eof = false;
    std::function<void()> read_more = [&] {
        server.async_read_some(asio::buffer(buf), [&](error_code ec, size_t n) {
            got.insert(got.end(), buf.begin(), buf.begin() + n);
            if (ec) eof = true;
            else read_more();
        });
    };
    read_more();
    ASSERT_TRUE(run_until([&] { return eof; }));
    size_t sent = taken - dropped;
    ASSERT_EQ(got.size(), sent + tail.size());
    EXPECT_TRUE(std::equal(got.begin(), got.begin() + long(sent), data.begin()));
    EXPECT_EQ(std::string(got.end() - 3, got.end()), tail);
}

TEST_F(TwoStacks, Cork_SmallWritesArriveTogetherWhenUncorked) {
    USTACK_REQ("MAY-15");
    TcpAcceptor acceptor(*b_, {kB, 80});
    TcpStream client(*a_), server(*b_);
    connect_pair(client, server, acceptor);
    ASSERT_TRUE(client.set_cork(true));
    std::string first = "ab", second = "cd";
    client.async_write_some(asio::buffer(first), [](error_code, size_t) {});
    client.async_write_some(asio::buffer(second), [](error_code, size_t) {});
    // Held: nothing arrives for a while (well inside the 200 ms ceiling).
    EXPECT_FALSE(run_until([&] { return server.connection()->readable() > 0; }, 60ms));
    EXPECT_EQ(client.connection()->snapshot().bytes_in_flight, 0u);
    ASSERT_TRUE(client.set_cork(false));
    ASSERT_TRUE(run_until([&] { return server.connection()->readable() == 4; }));
    EXPECT_EQ(server.pushed_readable(), 4u);  // one pushed segment
}

TEST_F(TwoStacks, ErrorReports_SoftErrorCompletesTheWait) {
    TcpAcceptor acceptor(*b_, {kB, 80});
    TcpStream client(*a_), server(*b_);
    connect_pair(client, server, acceptor);
    error_code report = asio::error::would_block;
    client.async_wait_error([&](error_code ec) { report = ec; });
    io_.run_for(50ms);
    EXPECT_EQ(report, asio::error::would_block);  // nothing to report yet
    std::string msg = "x";
    client.async_write_some(asio::buffer(msg), [](error_code, size_t) {});
    ASSERT_TRUE(host_unreachable(client, *a_));  // "x" is still unacknowledged
    ASSERT_TRUE(run_until([&] { return report != asio::error::would_block; }));
    EXPECT_EQ(report, asio::error::host_unreachable);
    EXPECT_EQ(client.connection()->state(), tcp::State::Established);  // soft: it goes on
}

TEST_F(TwoStacks, ErrorReports_TurnedOffByTheApplication_WaitStaysPending) {
    USTACK_REQ("SHLD-20");
    TcpAcceptor acceptor(*b_, {kB, 80});
    TcpStream client(*a_), server(*b_);
    connect_pair(client, server, acceptor);
    ASSERT_TRUE(client.set_error_reports(false));
    error_code report = asio::error::would_block;
    client.async_wait_error([&](error_code ec) { report = ec; });
    std::string msg = "x";
    client.async_write_some(asio::buffer(msg), [](error_code, size_t) {});
    ASSERT_TRUE(host_unreachable(client, *a_));
    EXPECT_EQ(client.connection()->soft_error(), tcp::TcpError::HostUnreachable);  // still recorded
    io_.run_for(100ms);
    EXPECT_EQ(report, asio::error::would_block);
    client.close();
    ASSERT_TRUE(run_until([&] { return report != asio::error::would_block; }));
    EXPECT_EQ(report, asio::error::operation_aborted);
}

}  // namespace
}  // namespace ustack::net
