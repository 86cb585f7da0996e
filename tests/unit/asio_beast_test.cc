// Boost.Beast's HTTP/1.1 client and server code, unmodified, over two ustack
// stacks in one process: beast::http::async_read/async_write on TcpStream,
// bodies larger than a window, keep-alive and chunked transfer coding.
#include <gtest/gtest.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <exception>
#include <string>

#include "tests/unit/asio_two_stacks.h"

namespace ustack::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::awaitable;
using asio::use_awaitable;
using testkit::kB;

std::string text(size_t n, uint32_t seed) {
    auto bytes = testkit::pattern(n, seed);
    return std::string(bytes.begin(), bytes.end());
}

class BeastOverUstack : public testkit::TwoStacks {
protected:
    // Starts coroutine `op` (an awaitable, or a lambda returning one, which co_spawn keeps alive)
    // on the io_context; `done` turns true when it finishes, exceptions become test failures.
    template <class Op>
    void spawn(Op op, bool& done) {
        asio::co_spawn(io_, std::move(op), [&done](std::exception_ptr e) {
            done = true;
            if (!e) return;
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& ex) {
                ADD_FAILURE() << "coroutine failed: " << ex.what();
            }
        });
    }

    // A Beast server on B:80 for one connection: answers each request with its
    // method, target and body, as long as the client keeps the connection alive.
    awaitable<void> serve_one_connection(TcpAcceptor& acceptor) {
        TcpStream stream(*b_);
        co_await acceptor.async_accept(stream, use_awaitable);
        beast::flat_buffer buffer;
        for (;;) {
            http::request_parser<http::string_body> parser;
            parser.body_limit(8 * 1024 * 1024);
            auto [ec, n] = co_await http::async_read(stream, buffer, parser, asio::as_tuple(use_awaitable));
            if (ec == http::error::end_of_stream) break;
            if (ec) throw boost::system::system_error(ec);
            auto& req = parser.get();
            ++requests_;
            request_was_chunked_ = req.chunked();
            http::response<http::string_body> res{http::status::ok, req.version()};
            res.set("X-Request", std::string(req.method_string()) + " " + std::string(req.target()));
            res.body() = req.body();
            res.keep_alive(req.keep_alive());
            if (req.chunked()) {
                res.chunked(true);  // answer in the coding we were asked in
            } else {
                res.prepare_payload();  // Content-Length
            }
            co_await http::async_write(stream, res, use_awaitable);
            if (!res.keep_alive()) break;
        }
        stream.shutdown_send();
        server_done_ = true;
    }

    int requests_ = 0;
    bool request_was_chunked_ = false;
    bool server_done_ = false;
};

TEST_F(BeastOverUstack, PostWithBody_ThenKeepAliveGet_ThenClose) {
    TcpAcceptor acceptor(*b_, {kB, 80});
    bool server = false, client = false;
    spawn(serve_one_connection(acceptor), server);
    const std::string upload = text(300 * 1024, 7);  // many segments, more than one window
    spawn([&]() -> awaitable<void> {
        TcpStream s(*a_);
        co_await s.async_connect({kB, 80}, use_awaitable);
        const tcp::Endpoint local = s.local_endpoint();
        beast::flat_buffer buffer;

        http::request<http::string_body> post{http::verb::post, "/upload", 11};
        post.set(http::field::host, "10.0.0.2");
        post.body() = upload;
        post.prepare_payload();
        co_await http::async_write(s, post, use_awaitable);
        http::response_parser<http::string_body> first;
        first.body_limit(8 * 1024 * 1024);
        co_await http::async_read(s, buffer, first, use_awaitable);
        EXPECT_EQ(first.get().result(), http::status::ok);
        EXPECT_EQ(first.get()["X-Request"], "POST /upload");
        EXPECT_EQ(first.get()[http::field::content_length], std::to_string(upload.size()));
        EXPECT_TRUE(first.get().body() == upload);
        EXPECT_TRUE(first.get().keep_alive());

        // Keep-alive: the second request goes over the same connection.
        http::request<http::string_body> get{http::verb::get, "/second", 11};
        get.set(http::field::host, "10.0.0.2");
        get.set(http::field::connection, "close");
        co_await http::async_write(s, get, use_awaitable);
        http::response<http::string_body> second;
        co_await http::async_read(s, buffer, second, use_awaitable);
        EXPECT_EQ(second["X-Request"], "GET /second");
        EXPECT_FALSE(second.keep_alive());
        EXPECT_EQ(s.local_endpoint(), local);

        // The server closes after "Connection: close": Beast sees end of stream.
        http::response<http::string_body> none;
        auto [ec, n] = co_await http::async_read(s, buffer, none, asio::as_tuple(use_awaitable));
        EXPECT_EQ(ec, http::error::end_of_stream);
        client = true;
    }, client);
    ASSERT_TRUE(run_until([&] { return server && client; }, std::chrono::seconds(30)));
    EXPECT_TRUE(server_done_);
    EXPECT_EQ(requests_, 2);
}

TEST_F(BeastOverUstack, ChunkedRequestAndResponse_ManyChunks) {
    TcpAcceptor acceptor(*b_, {kB, 80});
    bool server = false, client = false;
    spawn(serve_one_connection(acceptor), server);
    std::string sent;
    spawn([&]() -> awaitable<void> {
        TcpStream s(*a_);
        co_await s.async_connect({kB, 80}, use_awaitable);
        // The head, then the body as 50 chunks of growing size written one by one, then the last chunk.
        http::request<http::empty_body> req{http::verb::put, "/chunks", 11};
        req.set(http::field::host, "10.0.0.2");
        req.set(http::field::connection, "close");
        req.chunked(true);
        http::request_serializer<http::empty_body> head(req);
        co_await http::async_write_header(s, head, use_awaitable);
        for (int i = 1; i <= 50; ++i) {
            std::string chunk = text(size_t(i) * 97, uint32_t(i));
            sent += chunk;
            co_await asio::async_write(s, http::make_chunk(asio::buffer(chunk)), use_awaitable);
        }
        co_await asio::async_write(s, http::make_chunk_last(), use_awaitable);

        beast::flat_buffer buffer;
        http::response_parser<http::string_body> res;
        res.body_limit(8 * 1024 * 1024);
        co_await http::async_read(s, buffer, res, use_awaitable);
        EXPECT_EQ(res.get()["X-Request"], "PUT /chunks");
        EXPECT_TRUE(res.chunked());
        EXPECT_EQ(res.get()[http::field::transfer_encoding], "chunked");
        EXPECT_EQ(res.get().body().size(), sent.size());
        EXPECT_TRUE(res.get().body() == sent);
        client = true;
    }, client);
    ASSERT_TRUE(run_until([&] { return server && client; }, std::chrono::seconds(30)));
    EXPECT_TRUE(request_was_chunked_);
    EXPECT_EQ(requests_, 1);
}

TEST_F(BeastOverUstack, PeerAbortsBeforeBodyEnds_ReadFailsWithReset) {
    TcpAcceptor acceptor(*b_, {kB, 80});
    bool server = false, client = false;
    spawn([&]() -> awaitable<void> {
        TcpStream stream(*b_);
        co_await acceptor.async_accept(stream, use_awaitable);
        // A head promising 1000 bytes, 10 of them, then ABORT (RST).
        static constexpr std::string_view kPartial = "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n0123456789";
        co_await asio::async_write(stream, asio::buffer(kPartial), use_awaitable);
        stream.abort();
    }, server);
    spawn([&]() -> awaitable<void> {
        TcpStream s(*a_);
        co_await s.async_connect({kB, 80}, use_awaitable);
        beast::flat_buffer buffer;
        http::response<http::string_body> res;
        auto [ec, n] = co_await http::async_read(s, buffer, res, asio::as_tuple(use_awaitable));
        EXPECT_EQ(ec, asio::error::connection_reset) << ec.message();
        client = true;
    }, client);
    ASSERT_TRUE(run_until([&] { return server && client; }));
}

}  // namespace
}  // namespace ustack::net
