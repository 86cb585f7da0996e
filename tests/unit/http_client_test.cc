// Tests for http/client.h (Url::parse, the request bytes, fetch over beast::test::stream for each body
// framing, truncation and injected failures) and http/mime.h.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/_experimental/test/error.hpp>
#include <boost/beast/_experimental/test/stream.hpp>
#include <optional>
#include <string>

#include "http/client.h"
#include "http/mime.h"

namespace ustack::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;

TEST(HttpUrl, Parse_AcceptsHttpWithPortAndPath) {
    auto u = Url::parse("http://10.0.0.2:8080/dir/file.txt?x=1#frag");
    ASSERT_TRUE(u);
    EXPECT_EQ(u->host, "10.0.0.2");
    EXPECT_EQ(u->port, 8080);
    EXPECT_EQ(u->target, "/dir/file.txt?x=1");
    EXPECT_EQ(u->authority(), "10.0.0.2:8080");
    u = Url::parse("HTTP://example");
    ASSERT_TRUE(u);
    EXPECT_EQ(u->port, 80);
    EXPECT_EQ(u->target, "/");
    EXPECT_EQ(u->authority(), "example");
    u = Url::parse("http://h?q");
    ASSERT_TRUE(u);
    EXPECT_EQ(u->target, "/?q");
}

TEST(HttpUrl, Parse_RejectsWithReason) {
    for (const char* bad : {"https://h/", "ftp://h/", "h/path", "http://", "http:///x", "http://h:/", "http://h:0/",
                            "http://h:65536/", "http://h:8a/", "http://u@h/", "http://[::1]/", "http://h/a b",
                            "http://h/\x01"}) {
        std::string why;
        EXPECT_FALSE(Url::parse(bad, &why)) << bad;
        EXPECT_FALSE(why.empty()) << bad;
    }
}

TEST(HttpClient, BuildGetRequest_ExactBytes) {
    EXPECT_EQ(build_get_request(*Url::parse("http://10.0.0.2:8080/x?y")),
              "GET /x?y HTTP/1.1\r\nHost: 10.0.0.2:8080\r\nUser-Agent: ustack/0.1\r\nAccept: */*\r\n"
              "Connection: close\r\n\r\n");
}

// Runs fetch() against `canned` bytes delivered `read_size` at a time, followed by EOF when `eof`.
struct Fetched {
    FetchResult result;
    std::string body;
    std::string request;
};

Fetched run_fetch(const std::string& canned, size_t read_size = 1 << 20, bool eof = true,
                  beast::test::fail_count* fc = nullptr) {
    asio::io_context ioc;
    beast::test::stream client = fc ? beast::test::stream(ioc, *fc) : beast::test::stream(ioc);
    beast::test::stream server(ioc);
    client.connect(server);
    client.read_size(read_size);
    client.append(canned);
    if (eof) client.close_remote();
    Fetched f;
    StringSink sink;
    std::optional<FetchResult> out;
    asio::co_spawn(ioc, fetch(client, *Url::parse("http://h/f"), sink),
                   [&](std::exception_ptr e, FetchResult r) {
                       if (e) std::rethrow_exception(e);
                       out = r;
                   });
    while (ioc.poll() > 0) {
    }
    EXPECT_TRUE(out.has_value()) << "fetch did not finish";
    if (out) f.result = *out;
    f.body = sink.data;
    f.request = std::string(server.str());
    if (!out) {  // end the pending read before the streams go away
        client.close_remote();
        while (ioc.poll() > 0) {
        }
    }
    return f;
}

TEST(HttpClient, Fetch_ContentLength_SplitReads) {
    for (size_t rs : {size_t(1), size_t(3), size_t(1000)}) {
        Fetched f = run_fetch("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello", rs,
                              /*eof=*/false);
        EXPECT_TRUE(f.result.complete) << rs;
        EXPECT_FALSE(f.result.error) << f.result.error.message();
        EXPECT_EQ(f.result.status, 200);
        EXPECT_EQ(f.body, "hello");
        EXPECT_EQ(f.result.body_bytes, 5u);
        ASSERT_EQ(f.result.headers.size(), 2u);
        EXPECT_EQ(f.result.headers[1].first, "Content-Type");
        EXPECT_EQ(f.result.headers[1].second, "text/plain");
        EXPECT_EQ(f.request, build_get_request(*Url::parse("http://h/f")));
    }
}

TEST(HttpClient, Fetch_Chunked_SplitAcrossReads) {
    for (size_t rs : {size_t(1), size_t(4), size_t(1000)}) {
        Fetched f = run_fetch(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nWiki\r\n6;ext=1\r\npedia \r\nE\r\nin \r\n\r\nchunks."
            "\r\n0\r\nX-Trailer: 1\r\n\r\n",
            rs, /*eof=*/false);
        EXPECT_TRUE(f.result.complete) << rs;
        EXPECT_EQ(f.body, "Wikipedia in \r\n\r\nchunks.");
    }
}

TEST(HttpClient, Fetch_CloseDelimited_CompleteAtEof) {
    Fetched f = run_fetch("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end", 2);
    EXPECT_TRUE(f.result.complete);
    EXPECT_FALSE(f.result.error);
    EXPECT_EQ(f.body, "until the end");
}

TEST(HttpClient, Fetch_InterimResponseSkipped) {
    Fetched f = run_fetch("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\nno", 5);
    EXPECT_TRUE(f.result.complete);
    EXPECT_EQ(f.result.status, 404);
    EXPECT_EQ(f.body, "no");
}

TEST(HttpClient, Fetch_TruncatedBody_NotComplete) {
    Fetched f = run_fetch("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this", 4);
    EXPECT_FALSE(f.result.complete);
    EXPECT_EQ(f.result.error, make_error_code(Error::partial_message));
    EXPECT_EQ(f.result.status, 200);
    EXPECT_EQ(f.body, "only this");
    EXPECT_EQ(f.result.body_bytes, 9u);

    f = run_fetch("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabc", 4);
    EXPECT_FALSE(f.result.complete);
    EXPECT_EQ(f.body, "abc");

    f = run_fetch("HTTP/1.1 200 OK\r\nContent-Le", 4);
    EXPECT_FALSE(f.result.complete);
    EXPECT_EQ(f.result.status, 0);
    EXPECT_EQ(f.result.error, make_error_code(Error::partial_message));
}

TEST(HttpClient, Fetch_MalformedResponse_BadResponse) {
    Fetched f = run_fetch("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd");
    EXPECT_FALSE(f.result.complete);
    EXPECT_EQ(f.result.error, make_error_code(Error::bad_response));
    EXPECT_FALSE(f.result.detail.empty());
}

// fail_count: operation 1 is the request write, later ones are reads ("reset mid-body").
TEST(HttpClient, Fetch_StreamErrors_AreReturned) {
    beast::test::fail_count write_fails(1);
    Fetched f = run_fetch("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", 1000, false, &write_fails);
    EXPECT_EQ(f.result.error, beast::test::error::test_failure);
    EXPECT_EQ(f.result.status, 0);

    beast::test::fail_count read_fails(30);  // 1 write + 28 reads of 2 bytes: past the head, mid-body
    std::string canned = "HTTP/1.1 200 OK\r\nContent-Length: 40\r\n\r\n" + std::string(40, 'x');
    f = run_fetch(canned, 2, false, &read_fails);
    EXPECT_EQ(f.result.error, beast::test::error::test_failure);
    EXPECT_FALSE(f.result.complete);
    EXPECT_EQ(f.result.status, 200);
    EXPECT_GT(f.result.body_bytes, 0u);
    EXPECT_LT(f.result.body_bytes, 40u);
}

// Regression: awaited from another coroutine with default options and a temporary Url (GCC 12 freed a
// default-argument string inside the frame; ASan caught it only in this nesting).
TEST(HttpClient, Fetch_AwaitedFromCoroutine_DefaultOptions) {
    asio::io_context ioc;
    beast::test::stream client(ioc), server(ioc);
    client.connect(server);
    client.append("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    StringSink sink;
    std::optional<FetchResult> out;
    asio::co_spawn(
        ioc,
        [&]() -> asio::awaitable<void> {
            out = co_await fetch(client, *Url::parse("http://a-rather-long-host-name.example:8080/some/long/path"), sink);
        },
        [](std::exception_ptr e) {
            if (e) std::rethrow_exception(e);
        });
    while (ioc.poll() > 0) {
    }
    ASSERT_TRUE(out);
    EXPECT_TRUE(out->complete);
    EXPECT_EQ(sink.data, "ok");
    EXPECT_NE(std::string(server.str()).find("Host: a-rather-long-host-name.example:8080\r\n"), std::string::npos);
}

TEST(HttpMime, TypesByExtension) {
    EXPECT_EQ(mime_type("/x/index.html"), "text/html; charset=utf-8");
    EXPECT_EQ(mime_type("a.HTM"), "text/html; charset=utf-8");
    EXPECT_EQ(mime_type("a.txt"), "text/plain; charset=utf-8");
    EXPECT_EQ(mime_type("a.css"), "text/css; charset=utf-8");
    EXPECT_EQ(mime_type("a.js"), "text/javascript; charset=utf-8");
    EXPECT_EQ(mime_type("a.json"), "application/json");
    EXPECT_EQ(mime_type("a.png"), "image/png");
    EXPECT_EQ(mime_type("a.jpg"), "image/jpeg");
    EXPECT_EQ(mime_type("a.jpeg"), "image/jpeg");
    EXPECT_EQ(mime_type("a.gif"), "image/gif");
    EXPECT_EQ(mime_type("a.svg"), "image/svg+xml");
    EXPECT_EQ(mime_type("a.ico"), "image/vnd.microsoft.icon");
    EXPECT_EQ(mime_type("a.pdf"), "application/pdf");
    EXPECT_EQ(mime_type("a.wasm"), "application/wasm");
    EXPECT_EQ(mime_type("a.xml"), "application/xml");
    EXPECT_EQ(mime_type("a.mp4"), "video/mp4");
    EXPECT_EQ(mime_type("a.webp"), "image/webp");
    EXPECT_EQ(mime_type("a.tar.gz"), "application/octet-stream");
    EXPECT_EQ(mime_type("Makefile"), "application/octet-stream");
    EXPECT_EQ(mime_type(".bashrc"), "application/octet-stream");
    EXPECT_EQ(mime_type("dir.html/file"), "application/octet-stream");
}

}  // namespace
}  // namespace ustack::http
