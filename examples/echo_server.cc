// Example: a TCP echo server on ustack, written with C++20 coroutines
// (asio::use_awaitable): TcpAcceptor accepts, one coroutine per connection
// echoes until the peer closes. See README.md for running it in a namespace.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <cstdio>
#include <exception>
#include <string>

#include "example_net.h"
#include "tcp/asio/tcp_acceptor.h"
#include "tcp/asio/tcp_stream.h"

namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;
using ustack::net::TcpAcceptor;
using ustack::net::TcpStream;

constexpr uint16_t kPort = 7;  // the echo service (RFC 862)

// Echoes one connection until the peer's FIN (eof) or an error, then closes
// our side too. The stream is owned by this coroutine's frame.
awaitable<void> echo(TcpStream stream, example::Tasks& tasks) {
    auto running = tasks.enter(&stream);
    std::array<char, 4096> buf;
    for (;;) {
        auto [ec, n] = co_await stream.async_read_some(asio::buffer(buf), asio::as_tuple(use_awaitable));
        if (ec) break;  // asio::error::eof once the peer closed and everything was read
        auto [wec, m] = co_await asio::async_write(stream, asio::buffer(buf.data(), n), asio::as_tuple(use_awaitable));
        if (wec) break;
    }
    stream.close();
}

// Accepts until the acceptor is closed; every connection gets its own coroutine.
awaitable<void> listen(TcpAcceptor& acceptor, ustack::net::EventLoop& loop, example::Tasks& tasks) {
    auto running = tasks.enter();
    for (;;) {
        TcpStream peer(loop);
        auto [ec] = co_await acceptor.async_accept(peer, asio::as_tuple(use_awaitable));
        if (ec) break;  // operation_aborted: closed
        std::printf("connection from %s\n", peer.remote_endpoint().to_string().c_str());
        std::fflush(stdout);
        asio::co_spawn(loop.get_executor(), echo(std::move(peer), tasks), asio::detached);
    }
}

// --in-process: a client on a second stack sends one line and checks the echo.
awaitable<bool> client(ustack::net::EventLoop& loop, ustack::tcp::Endpoint server) {
    TcpStream s(loop);
    co_await s.async_connect(server, use_awaitable);
    const std::string line = "hello, ustack\n";
    co_await asio::async_write(s, asio::buffer(line), use_awaitable);
    std::string back(line.size(), '\0');
    co_await asio::async_read(s, asio::buffer(back), use_awaitable);
    std::printf("echoed: %s", back.c_str());
    s.close();
    co_return back == line;
}

int main(int argc, char** argv) {
    auto opt = example::parse_options(argc, argv,
        "usage: echo_server [--tun NAME] [--addr IP] [--host-addr IP]   (root; inside a network namespace)\n"
        "       echo_server --in-process   (two stacks in this process, no root)\n"
        "Echoes TCP port 7 at --addr (default 10.0.0.2); the kernel's side of the TUN device gets\n"
        "--host-addr/24 (default 10.0.0.1). Stop it with Ctrl-C.\n");
    asio::io_context io;
    try {
        std::unique_ptr<example::Host> server_host, client_host;
        if (opt.in_process) {
            std::tie(client_host, server_host) = example::in_process_pair(io);
        } else {
            server_host = example::open_tun_host(io, opt);
        }
        ustack::net::EventLoop& loop = server_host->loop();
        TcpAcceptor acceptor(loop, {{}, kPort});  // 0.0.0.0: the stack's own address
        example::Tasks tasks;
        asio::co_spawn(io, listen(acceptor, loop, tasks), asio::detached);

        bool ok = true;
        asio::signal_set signals(io, SIGINT, SIGTERM);
        if (opt.in_process) {
            ok = false;
            asio::co_spawn(io, client(client_host->loop(), {loop.stack().config().addr, kPort}),
                           [&](std::exception_ptr e, bool echoed) {
                               ok = !e && echoed;
                               io.stop();
                           });
        } else {
            signals.async_wait([&](auto, int) { io.stop(); });
            std::printf("echo server on %s:%u\n", opt.addr.to_string().c_str(), unsigned(kPort));
            std::fflush(stdout);
        }
        io.run();

        // Shut down while the stacks still exist: stop accepting, close every connection, let the
        // coroutines see operation_aborted and end.
        signals.cancel();
        acceptor.close();
        tasks.close_streams();
        example::run_until(io, [&] { return tasks.idle(); });
        if (opt.in_process) std::printf("%s\n", ok ? "in-process echo: ok" : "in-process echo: FAILED");
        return ok ? 0 : 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "echo_server: %s\n", e.what());
        return 1;
    }
}
