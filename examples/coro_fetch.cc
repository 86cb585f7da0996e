// Example: fetch a URL over ustack with C++20 coroutines: TcpStream connects,
// ustack::http::fetch() sends GET and streams the body into a sink, all with
// co_await. The body goes to standard output, the status to standard error.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <cstdio>
#include <exception>
#include <optional>
#include <iostream>
#include <string>

#include "example_net.h"
#include "http/client.h"
#include "tcp/asio/tcp_acceptor.h"
#include "tcp/asio/tcp_stream.h"

namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;
using ustack::net::TcpStream;

// Connects to the URL's host (an IPv4 address: there is no DNS) and fetches it.
awaitable<ustack::http::FetchResult> fetch_url(ustack::net::EventLoop& loop, const ustack::http::Url& url,
                                               ustack::wire::Ipv4Address addr, ustack::http::BodySink& sink) {
    TcpStream stream(loop);
    co_await stream.async_connect({addr, url.port}, use_awaitable);
    ustack::http::FetchResult result = co_await ustack::http::fetch(stream, url, sink);
    stream.close();
    co_return result;
}

// --in-process: plain stream I/O on the server side: read the request head, answer, close.
awaitable<void> serve_once(ustack::net::TcpAcceptor& acceptor, ustack::net::EventLoop& loop, example::Tasks& tasks) {
    TcpStream peer(loop);
    auto running = tasks.enter(&peer);
    co_await acceptor.async_accept(peer, use_awaitable);
    asio::streambuf head;
    co_await asio::async_read_until(peer, head, "\r\n\r\n", use_awaitable);
    static const std::string response =
        "HTTP/1.1 200 OK\r\nContent-Length: 26\r\nConnection: close\r\n\r\nfetched with co_await, ok\n";
    co_await asio::async_write(peer, asio::buffer(response), use_awaitable);
    peer.shutdown_send();
}

int main(int argc, char** argv) {
    auto opt = example::parse_options(argc, argv,
        "usage: coro_fetch [--tun NAME] [--addr IP] [--host-addr IP] http://IP[:PORT]/PATH   (root; in a namespace)\n"
        "       coro_fetch --in-process   (a server on a second stack in this process, no root)\n"
        "Writes the body to standard output. ustack is --addr (default 10.0.0.2); the kernel's\n"
        "side of the TUN device is --host-addr/24 (default 10.0.0.1).\n");
    if (opt.in_process) opt.rest = "http://10.0.0.2/";
    std::string why;
    auto url = ustack::http::Url::parse(opt.rest, &why);
    auto addr = url ? ustack::wire::Ipv4Address::parse(url->host) : std::nullopt;
    if (!url || !addr) {
        std::fprintf(stderr, "coro_fetch: bad URL '%s': %s\n", opt.rest.c_str(), url ? "host is not an IPv4 address" : why.c_str());
        return 2;
    }
    asio::io_context io;
    ustack::http::OstreamSink sink(std::cout);
    ustack::http::FetchResult result;
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
        asio::co_spawn(io, fetch_url(client_host->loop(), *url, *addr, sink),
                       [&](std::exception_ptr e, ustack::http::FetchResult r) {
                           failure = e;
                           result = std::move(r);
                           io.stop();
                       });
        io.run();
        // The in-process server may still wait on ustack: close it while the stacks exist (example::Tasks).
        if (acceptor) acceptor->close();
        tasks.close_streams();
        example::run_until(io, [&] { return tasks.idle(); });
        if (failure) std::rethrow_exception(failure);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "coro_fetch: %s\n", e.what());
        return 1;
    }
    std::cout.flush();
    std::fprintf(stderr, "status %d, %llu body bytes, %s\n", result.status, (unsigned long long)result.body_bytes,
                 result.complete ? "complete" : ("incomplete: " + result.error.message()).c_str());
    return result.complete && result.status < 400 ? 0 : 1;
}
