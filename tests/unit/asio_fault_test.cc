// Two stacks over a socketpair with a seeded FaultInjector on each end: 5%
// loss both ways plus jitter and reordering. TCP's retransmission (RFC 6298,
// RFC 5681) must still deliver every byte, in order, both directions.
#include <gtest/gtest.h>

#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <chrono>
#include <functional>
#include <vector>

#include "stack/asio/event_loop.h"
#include "stack/link/fault_injector.h"
#include "stack/link/socketpair_link.h"
#include "tcp/asio/tcp_acceptor.h"
#include "tcp/asio/tcp_stream.h"
#include "tests/harness/pattern.h"

namespace ustack::net {
namespace {

namespace asio = boost::asio;
using boost::system::error_code;
using namespace std::chrono_literals;

using ustack::testing::pattern;

StackConfig config(wire::Ipv4Address addr) {
    StackConfig c;
    c.addr = addr;
    // A short RTO floor keeps the test quick; the algorithm is the same.
    c.tcp.rto_initial = 200ms;
    c.tcp.rto_min = 200ms;
    return c;
}

link::FaultConfig faults(uint64_t seed) {
    link::FaultConfig f;
    f.seed = seed;
    f.loss_percent = 5;
    f.jitter = 2ms;
    f.reorder_percent = 5;
    f.reorder_delay = 3ms;
    f.on_receive = false;  // each end impairs what it sends: every packet is exposed once
    return f;
}

TEST(AsioFaults, FivePercentLossAndReordering_BytesIntact) {
    asio::io_context io;
    auto [la, lb] = link::make_socketpair_links(1500);
    link::FaultInjector fa(*la, faults(11)), fb(*lb, faults(22));
    tcp::FixedIsn isn_a(1000), isn_b(5000000);
    const wire::Ipv4Address A(10, 0, 0, 1), B(10, 0, 0, 2);
    EventLoop a(io, *la, fa, config(A), isn_a);
    EventLoop b(io, *lb, fb, config(B), isn_b);
    a.start();
    b.start();

    TcpAcceptor acceptor(b, {B, 80});
    TcpStream client(a), server(b);
    const size_t up_size = 1024 * 1024, down_size = 256 * 1024;
    auto up = pattern(up_size, 5), down = pattern(down_size, 6);
    std::vector<uint8_t> got_up(up_size), got_down(down_size);
    int finished = 0;
    error_code first_error;
    auto done = [&](error_code ec, size_t) {
        if (ec && !first_error) first_error = ec;
        ++finished;
    };
    acceptor.async_accept(server, [&](error_code ec) {
        ASSERT_FALSE(ec);
        asio::async_read(server, asio::buffer(got_up), done);
        asio::async_write(server, asio::buffer(down), done);
    });
    client.async_connect({B, 80}, [&](error_code ec) {
        ASSERT_FALSE(ec);
        asio::async_write(client, asio::buffer(up), done);
        asio::async_read(client, asio::buffer(got_down), done);
    });
    auto end = std::chrono::steady_clock::now() + 120s;
    while (finished < 4 && std::chrono::steady_clock::now() < end) io.run_one_for(20ms);
    ASSERT_EQ(finished, 4) << "transfer did not finish; retransmissions a="
                           << a.stack().tcp().counters().retransmissions
                           << " b=" << b.stack().tcp().counters().retransmissions;
    EXPECT_FALSE(first_error) << first_error.message();
    EXPECT_TRUE(got_up == up);
    EXPECT_TRUE(got_down == down);
    EXPECT_GT(fa.counters().dropped + fb.counters().dropped, 0u);
    EXPECT_GT(fa.counters().reordered + fb.counters().reordered, 0u);
    EXPECT_GT(a.stack().tcp().counters().retransmissions + b.stack().tcp().counters().retransmissions, 0u);
    RecordProperty("dropped", std::to_string(fa.counters().dropped + fb.counters().dropped));
}

}  // namespace
}  // namespace ustack::net
