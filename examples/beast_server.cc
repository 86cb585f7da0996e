// Example: a Boost.Beast HTTP/1.1 server running unmodified over ustack:
// beast::http::async_read / async_write take ustack::net::TcpStream as they
// would take a tcp::socket. Keep-alive: one coroutine serves a connection's
// requests until either side says Connection: close.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <cstdio>
#include <exception>
#include <string>

#include "example_net.h"
#include "tcp/asio/tcp_acceptor.h"
#include "tcp/asio/tcp_stream.h"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::awaitable;
using asio::use_awaitable;
using ustack::net::TcpAcceptor;
using ustack::net::TcpStream;

constexpr uint16_t kPort = 80;

// The application: GET /hello says hello, POST /echo returns the body, the rest is 404.
http::response<http::string_body> handle(const http::request<http::string_body>& req) {
    http::response<http::string_body> res{http::status::ok, req.version()};
    res.set(http::field::server, "beast-on-ustack");
    res.set(http::field::content_type, "text/plain");
    if (req.method() == http::verb::get && req.target() == "/hello") {
        res.body() = "hello from Beast over ustack\n";
    } else if (req.method() == http::verb::post && req.target() == "/echo") {
        res.body() = req.body();
    } else {
        res.result(http::status::not_found);
        res.body() = "not found\n";
    }
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    return res;
}

awaitable<void> session(TcpStream stream, example::Tasks& tasks) {
    auto running = tasks.enter(&stream);
    beast::flat_buffer buffer;
    for (;;) {
        http::request<http::string_body> req;
        auto [ec, n] = co_await http::async_read(stream, buffer, req, asio::as_tuple(use_awaitable));
        if (ec) break;  // http::error::end_of_stream: the client closed between requests
        auto res = handle(req);
        auto [wec, m] = co_await http::async_write(stream, res, asio::as_tuple(use_awaitable));
        if (wec || !res.keep_alive()) break;
    }
    stream.close();  // FIN after the last response
}

// Accepts until the acceptor is closed; one coroutine per connection.
awaitable<void> listen(TcpAcceptor& acceptor, ustack::net::EventLoop& loop, example::Tasks& tasks) {
    auto running = tasks.enter();
    for (;;) {
        TcpStream peer(loop);
        auto [ec] = co_await acceptor.async_accept(peer, asio::as_tuple(use_awaitable));
        if (ec) break;  // operation_aborted: closed
        asio::co_spawn(loop.get_executor(), session(std::move(peer), tasks), asio::detached);
    }
}

// --in-process: a Beast client on a second stack sends two requests on one connection.
awaitable<bool> client(ustack::net::EventLoop& loop) {
    TcpStream s(loop);
    co_await s.async_connect({{10, 0, 0, 2}, kPort}, use_awaitable);
    beast::flat_buffer buffer;
    http::request<http::string_body> get{http::verb::get, "/hello", 11};
    get.set(http::field::host, "10.0.0.2");
    co_await http::async_write(s, get, use_awaitable);
    http::response<http::string_body> first;
    co_await http::async_read(s, buffer, first, use_awaitable);
    http::request<http::string_body> post{http::verb::post, "/echo", 11};
    post.set(http::field::host, "10.0.0.2");
    post.set(http::field::connection, "close");
    post.body() = "same connection, second request";
    post.prepare_payload();
    co_await http::async_write(s, post, use_awaitable);
    http::response<http::string_body> second;
    co_await http::async_read(s, buffer, second, use_awaitable);
    std::printf("GET /hello -> %u %s", first.result_int(), first.body().c_str());
    std::printf("POST /echo -> %u %s\n", second.result_int(), second.body().c_str());
    co_return first.result() == http::status::ok && second.body() == post.body();
}

int main(int argc, char** argv) {
    auto opt = example::parse_options(argc, argv,
        "usage: beast_server [--tun NAME] [--addr IP] [--host-addr IP]   (root; inside a network namespace)\n"
        "       beast_server --in-process   (a Beast client on a second stack in this process, no root)\n"
        "Serves GET /hello and POST /echo on port 80 at --addr (default 10.0.0.2).\n");
    asio::io_context io;
    try {
        std::unique_ptr<example::Host> server_host, client_host;
        if (opt.in_process) {
            std::tie(client_host, server_host) = example::in_process_pair(io);
        } else {
            server_host = example::open_tun_host(io, opt);
        }
        ustack::net::EventLoop& loop = server_host->loop();
        TcpAcceptor acceptor(loop, {{}, kPort});
        example::Tasks tasks;
        asio::co_spawn(io, listen(acceptor, loop, tasks), asio::detached);

        bool ok = true;
        asio::signal_set signals(io, SIGINT, SIGTERM);
        if (opt.in_process) {
            ok = false;
            asio::co_spawn(io, client(client_host->loop()), [&](std::exception_ptr e, bool answered) {
                ok = !e && answered;
                io.stop();
            });
        } else {
            signals.async_wait([&](auto, int) { io.stop(); });
            std::printf("Beast server on http://%s/hello\n", opt.addr.to_string().c_str());
            std::fflush(stdout);
        }
        io.run();

        // Shut down while the stacks still exist (see example::Tasks).
        signals.cancel();
        acceptor.close();
        tasks.close_streams();
        example::run_until(io, [&] { return tasks.idle(); });
        if (opt.in_process) std::printf("%s\n", ok ? "in-process Beast server: ok" : "in-process Beast server: FAILED");
        return ok ? 0 : 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "beast_server: %s\n", e.what());
        return 1;
    }
}
