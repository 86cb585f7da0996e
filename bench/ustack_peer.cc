// ustack as a benchmark peer for ../shared/bench-peers (its README names the
// contract): sink on 5001 (read until EOF, then close), source on 5002 (write
// until the peer closes), HTTP on 8080 (a fixed 14-byte body, keep-alive
// unless the request says "Connection: close"). The HTTP handling is the same
// minimal loop as gvpeer.go and lwpeer.c, so the figures compare stacks, not
// HTTP parsers.
#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio.hpp>

#include "stack/asio/event_loop.h"
#include "stack/link/tun_device.h"
#include "tcp/asio/tcp_acceptor.h"
#include "tcp/asio/tcp_stream.h"

namespace asio = boost::asio;
using namespace ustack;
using asio::awaitable;
using asio::use_awaitable;

namespace {

constexpr std::string_view kRespKeepAlive =
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 14\r\n\r\nHello, World!\n";
constexpr std::string_view kRespClose =
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 14\r\nConnection: close\r\n\r\nHello, World!\n";

bool contains_connection_close(std::string_view head) {
    static constexpr std::string_view needle = "connection: close";
    auto it = std::search(head.begin(), head.end(), needle.begin(), needle.end(),
                          [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; });
    return it != head.end();
}

awaitable<void> sink(std::unique_ptr<net::TcpStream> s) {
    std::array<char, 128 * 1024> buf;
    for (;;) {
        auto [ec, n] = co_await s->async_read_some(asio::buffer(buf), asio::as_tuple(use_awaitable));
        if (ec) break;
    }
    s->close();
}

awaitable<void> source(std::unique_ptr<net::TcpStream> s) {
    static std::array<char, 128 * 1024> buf{};
    for (;;) {
        auto [ec, n] = co_await s->async_write_some(asio::buffer(buf), asio::as_tuple(use_awaitable));
        if (ec) break;
    }
    s->close();
}

awaitable<void> http(std::unique_ptr<net::TcpStream> s) {
    std::array<char, 8192> buf;
    size_t have = 0;
    for (;;) {
        auto [ec, n] = co_await s->async_read_some(asio::buffer(buf.data() + have, buf.size() - have),
                                                   asio::as_tuple(use_awaitable));
        if (ec) break;
        have += n;
        bool close_after = false;
        for (;;) {
            std::string_view data(buf.data(), have);
            size_t end = data.find("\r\n\r\n");
            if (end == std::string_view::npos) break;
            close_after = contains_connection_close(data.substr(0, end));
            std::string_view resp = close_after ? kRespClose : kRespKeepAlive;
            auto [wec, wn] = co_await asio::async_write(*s, asio::buffer(resp), asio::as_tuple(use_awaitable));
            if (wec || close_after) { close_after = true; break; }
            std::memmove(buf.data(), buf.data() + end + 4, have - end - 4);
            have -= end + 4;
        }
        if (close_after || have == buf.size()) break;
    }
    s->shutdown_send();
    // Drain until the peer closes so our FIN is not followed by a RST.
    for (;;) {
        auto [ec, n] = co_await s->async_read_some(asio::buffer(buf), asio::as_tuple(use_awaitable));
        if (ec) break;
    }
    s->close();
}

template <class Handler>
awaitable<void> serve(net::EventLoop& loop, uint16_t port, Handler handler) {
    net::TcpAcceptor acceptor(loop, tcp::Endpoint{wire::Ipv4Address(), port}, 4096);
    for (;;) {
        auto stream = std::make_unique<net::TcpStream>(loop);
        auto [ec] = co_await acceptor.async_accept(*stream, asio::as_tuple(use_awaitable));
        if (ec) co_return;
        asio::co_spawn(loop.get_executor(), handler(std::move(stream)), asio::detached);
    }
}

}  // namespace

int main(int argc, char** argv) {
    std::string dev, addr_text;
    size_t mtu = 1500;
    int msl = 2;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string_view k = argv[i];
        if (k == "--tun") dev = argv[i + 1];
        else if (k == "--addr") addr_text = argv[i + 1];
        else if (k == "--mtu") mtu = std::stoul(argv[i + 1]);
        else if (k == "--msl") msl = std::stoi(argv[i + 1]);
    }
    auto addr = wire::Ipv4Address::parse(addr_text);
    if (dev.empty() || !addr) {
        std::fprintf(stderr, "usage: ustack_peer --tun DEV --addr IP [--mtu N] [--msl SECONDS]\n");
        return 2;
    }
    try {
        uint64_t key[2] = {0, 0};
        std::ifstream("/dev/urandom", std::ios::binary).read(reinterpret_cast<char*>(key), sizeof key);
        tcp::Rfc6528Isn isn(key[0], key[1]);
        StackConfig cfg;
        cfg.addr = *addr;
        cfg.mtu = mtu;
        // A short MSL keeps the TIME-WAIT table small under connection-per-request
        // load; docs/performance.md states it beside the figures.
        cfg.tcp.msl = std::chrono::seconds(msl);
        asio::io_context io(1);
        auto tun = link::TunDevice::open(dev, mtu);
        net::EventLoop loop(io, *tun, cfg, isn);
        loop.start();
        asio::co_spawn(io, serve(loop, 5001, sink), asio::detached);
        asio::co_spawn(io, serve(loop, 5002, source), asio::detached);
        asio::co_spawn(io, serve(loop, 8080, http), asio::detached);
        asio::signal_set signals(io, SIGINT, SIGTERM);
        signals.async_wait([&](auto, int) { loop.stop(); io.stop(); });
        io.run();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "ustack_peer: %s\n", e.what());
        return 1;
    }
    return 0;
}
