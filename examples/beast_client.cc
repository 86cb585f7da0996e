// Example: a Boost.Beast HTTP/1.1 client running unmodified over ustack's
// TcpStream: connect with ustack, then beast::http::async_write the request
// and beast::http::async_read the response, as over a tcp::socket.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <cstdio>
#include <exception>
#include <optional>
#include <iostream>
#include <string>

#include "example_net.h"
#include "http/client.h"  // only for ustack::http::Url, the URL parser
#include "tcp/asio/tcp_acceptor.h"
#include "tcp/asio/tcp_stream.h"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::awaitable;
using asio::use_awaitable;
using ustack::net::TcpStream;

// GET `url` (its host an IPv4 address: ustack has no DNS); the response goes to `out`.
awaitable<void> get(ustack::net::EventLoop& loop, ustack::http::Url url, ustack::wire::Ipv4Address addr,
                    http::response<http::string_body>& out) {
    TcpStream stream(loop);
    co_await stream.async_connect({addr, url.port}, use_awaitable);
    http::request<http::empty_body> req{http::verb::get, url.target, 11};
    req.set(http::field::host, url.authority());
    req.set(http::field::user_agent, "beast-on-ustack");
    req.set(http::field::connection, "close");
    co_await http::async_write(stream, req, use_awaitable);
    beast::flat_buffer buffer;
    co_await http::async_read(stream, buffer, out, use_awaitable);
    stream.close();
}

// --in-process: the server side on a second stack, one response with a chunked body.
awaitable<void> serve_once(ustack::net::TcpAcceptor& acceptor, ustack::net::EventLoop& loop, example::Tasks& tasks) {
    TcpStream peer(loop);
    auto running = tasks.enter(&peer);
    co_await acceptor.async_accept(peer, use_awaitable);
    beast::flat_buffer buffer;
    http::request<http::string_body> req;
    co_await http::async_read(peer, buffer, req, use_awaitable);
    http::response<http::string_body> res{http::status::ok, 11};
    res.chunked(true);
    res.body() = "you asked for " + std::string(req.target()) + "\n";
    co_await http::async_write(peer, res, use_awaitable);
    peer.shutdown_send();
}

int main(int argc, char** argv) {
    auto opt = example::parse_options(argc, argv,
        "usage: beast_client [--tun NAME] [--addr IP] [--host-addr IP] http://IP[:PORT]/PATH   (root; in a namespace)\n"
        "       beast_client --in-process [http://10.0.0.2/PATH]   (a Beast server on a second stack, no root)\n"
        "Prints the status line and the body. ustack is --addr (default 10.0.0.2); the kernel's\n"
        "side of the TUN device is --host-addr/24 (default 10.0.0.1).\n");
    if (opt.rest.empty()) opt.rest = "http://10.0.0.2/from-beast";
    std::string why;
    auto url = ustack::http::Url::parse(opt.rest, &why);
    auto addr = url ? ustack::wire::Ipv4Address::parse(url->host) : std::nullopt;
    if (!url || !addr) {
        std::fprintf(stderr, "beast_client: bad URL %s: %s\n", opt.rest.c_str(), url ? "host is not an IPv4 address" : why.c_str());
        return 2;
    }
    asio::io_context io;
    http::response<http::string_body> res;
    std::exception_ptr failure;
    try {
        std::unique_ptr<example::Host> client_host, server_host;
        std::optional<ustack::net::TcpAcceptor> acceptor;
        example::Tasks tasks;
        if (opt.in_process) {
            std::tie(client_host, server_host) = example::in_process_pair(io);
            acceptor.emplace(server_host->loop(), ustack::tcp::Endpoint{{}, 80});
            asio::co_spawn(io, serve_once(*acceptor, server_host->loop(), tasks), asio::detached);
        } else {
            client_host = example::open_tun_host(io, opt);
        }
        asio::co_spawn(io, get(client_host->loop(), *url, *addr, res), [&](std::exception_ptr e) {
            failure = e;
            io.stop();
        });
        io.run();
        // The in-process server may still wait on ustack: close it while the stacks exist (example::Tasks).
        if (acceptor) acceptor->close();
        tasks.close_streams();
        example::run_until(io, [&] { return tasks.idle(); });
        if (failure) std::rethrow_exception(failure);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "beast_client: %s\n", e.what());
        return 1;
    }
    std::cout << res.result_int() << " " << res.reason() << "\n" << res.body();
    return res.result_int() < 400 ? 0 : 1;
}
