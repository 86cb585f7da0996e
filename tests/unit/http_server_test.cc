// Tests for http/server.h over boost::beast::test::stream: GET/HEAD/404/405, persistence, rejected
// requests closing the connection, request smuggling, path escapes, and injected I/O failures.
#include "tests/unit/http_server_fixture.h"

#include <boost/asio/steady_timer.hpp>

namespace ustack::http {
namespace {

TEST_F(HttpServer, Get_ServesFileWithTypeLengthDateServer) {
    auto r = parse_replies(serve("GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n"));
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].status, 200);
    EXPECT_EQ(r[0].body, "hello file\n");
    EXPECT_EQ(r[0].fields["content-type"], "text/plain; charset=utf-8");
    EXPECT_EQ(r[0].fields["content-length"], "11");
    EXPECT_EQ(r[0].fields["server"], "ustack/0.1");
    EXPECT_TRUE(looks_like(r[0].fields["date"], "Aaa, 00 Aaa 0000 00:00:00 GMT")) << r[0].fields["date"];
    EXPECT_FALSE(ended_by_server_) << "HTTP/1.1 is persistent by default";
}

TEST_F(HttpServer, Get_DirectoryServesIndexHtml) {
    auto r = parse_replies(serve("GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /sub/ HTTP/1.1\r\nHost: x\r\n\r\n"
                                 "GET /sub HTTP/1.1\r\nHost: x\r\n\r\nGET /empty/ HTTP/1.1\r\nHost: x\r\n\r\n"));
    ASSERT_EQ(r.size(), 4u);
    EXPECT_EQ(r[0].body, "<h1>home</h1>\n");
    EXPECT_EQ(r[0].fields["content-type"], "text/html; charset=utf-8");
    EXPECT_EQ(r[1].body, "sub index\n");
    EXPECT_EQ(r[2].status, 301);  // no trailing slash: redirected (http_dir_index_test.cc)
    EXPECT_EQ(r[3].status, 200);  // no index.html: generated listing
}

TEST_F(HttpServer, Head_SendsLengthButNoBody) {
    std::string out = serve("HEAD /a.txt HTTP/1.1\r\nHost: x\r\n\r\nGET /img.PNG HTTP/1.1\r\nHost: x\r\n\r\n");
    auto r = parse_replies(out, {true, false});
    ASSERT_EQ(r.size(), 2u);
    EXPECT_EQ(r[0].status, 200);
    EXPECT_EQ(r[0].fields["content-length"], "11");
    EXPECT_TRUE(r[0].body.empty());
    EXPECT_EQ(out.find("hello file"), std::string::npos);
    EXPECT_EQ(r[1].fields["content-type"], "image/png");
    EXPECT_EQ(r[1].body, "\x89PNG");
}

TEST_F(HttpServer, Missing_Gets404AndStaysOpen) {
    auto r = parse_replies(serve("GET /nope.html HTTP/1.1\r\nHost: x\r\n\r\nGET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n"));
    ASSERT_EQ(r.size(), 2u);
    EXPECT_EQ(r[0].status, 404);
    EXPECT_EQ(r[1].status, 200);
}

TEST_F(HttpServer, OtherMethod_Gets405WithAllow_BodyDrained) {
    auto r = parse_replies(serve("POST /a.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 26\r\n\r\n"
                                 "GET /secret HTTP/1.1\r\n\r\n\r\n"
                                 "DELETE /a.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
                                 "GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n"));
    ASSERT_EQ(r.size(), 3u);
    EXPECT_EQ(r[0].status, 405);
    EXPECT_EQ(r[0].fields["allow"], "GET, HEAD, OPTIONS");
    EXPECT_EQ(r[1].status, 405);
    EXPECT_EQ(r[2].status, 200);
    EXPECT_FALSE(ended_by_server_);
}

TEST_F(HttpServer, ExpectContinue_Sends100ThenFinalStatus) {
    auto r = parse_replies(serve("PUT /a.txt HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc"
                                 "GET /a.txt HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n\r\n"));
    ASSERT_EQ(r.size(), 3u);
    EXPECT_EQ(r[0].status, 100);
    EXPECT_EQ(r[1].status, 405);
    EXPECT_EQ(r[2].status, 200);  // no body announced: no 100
}

TEST_F(HttpServer, KeepAlive_TwoRequestsInSeparateReads) {
    beast::test::stream server(ioc_), client(ioc_);
    server.connect(client);
    finished_ = false;
    asio::co_spawn(ioc_, serve_connection(server, config_), [&](std::exception_ptr) { finished_ = true; });
    server.append("GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n");
    while (ioc_.poll() > 0) {
    }
    EXPECT_EQ(parse_replies(client.str()).size(), 1u);
    // append() does not wake a pending read; a write from the peer does.
    asio::write(client, asio::buffer(std::string("GET /sub/ HTTP/1.1\r\nHost: x\r\n\r\n")));
    ioc_.restart();
    while (ioc_.poll() > 0) {
    }
    auto r = parse_replies(client.str());
    ASSERT_EQ(r.size(), 2u);
    EXPECT_EQ(r[1].body, "sub index\n");
    EXPECT_FALSE(finished_);
    server.close_remote();  // client FIN: the server ends quietly
    ioc_.restart();
    while (ioc_.poll() > 0) {
    }
    EXPECT_TRUE(finished_);
}

TEST_F(HttpServer, ConnectionClose_AnswersThenCloses_IgnoresPipelinedRest) {
    auto r = parse_replies(serve("GET /a.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                                 "GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n"));
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].fields["connection"], "close");
    EXPECT_TRUE(ended_by_server_);
}

TEST_F(HttpServer, Http10_ClosesUnlessKeepAlive) {
    auto r = parse_replies(serve("GET /a.txt HTTP/1.0\r\n\r\n"));
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].fields["connection"], "close");
    EXPECT_TRUE(ended_by_server_);
    r = parse_replies(serve("GET /a.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].fields["connection"], "keep-alive");
    EXPECT_FALSE(ended_by_server_);
}

TEST_F(HttpServer, ClientEof_EndsQuietly) {
    EXPECT_TRUE(serve("", true).empty());
    EXPECT_TRUE(ended_by_server_);
    EXPECT_TRUE(serve("GET /a.txt HTTP/1.1\r\nHo", true).empty());
    EXPECT_TRUE(ended_by_server_);
}

// Each rejected request gets its status, Connection: close, and nothing after it is read as a request
// (the smuggled "GET /a.txt" inside the first request's bytes must never be answered).
TEST_F(HttpServer, RejectedRequests_GetStatusAndClose_NoSmuggling) {
    const std::string smuggled = "GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n";
    struct Case { const char* name; std::string req; int status; };
    const Case cases[] = {
        {"cl_te", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + smuggled, 400},
        {"dup_cl", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 33\r\n\r\n" + smuggled, 400},
        {"bad_chunk", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n" + smuggled, 400},
        {"bare_cr", "GET / HTTP/1.1\r\nHost: x\r\nX: y\rTransfer-Encoding: chunked\r\n\r\n" + smuggled, 400},
        {"obs_fold", "GET / HTTP/1.1\r\nHost: x\r\nX: y\r\n Transfer-Encoding: chunked\r\n\r\n" + smuggled, 400},
        {"space_colon", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length : 33\r\n\r\n" + smuggled, 400},
        {"te_gzip", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n" + smuggled, 501},
        {"version", "GET / HTTP/3.0\r\nHost: x\r\n\r\n" + smuggled, 505},
        {"long_line", "GET /" + std::string(8200, 'a') + " HTTP/1.1\r\n\r\n" + smuggled, 414},
        {"big_head", "GET / HTTP/1.1\r\nHost: x\r\nX: " + std::string(16400, 'b') + "\r\n\r\n" + smuggled, 431},
        {"big_body", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n" + smuggled, 413},
        {"no_host", "GET / HTTP/1.1\r\n\r\n" + smuggled, 400},
    };
    for (const Case& c : cases) {
        std::string out = serve(c.req);
        auto r = parse_replies(out);
        ASSERT_EQ(r.size(), 1u) << c.name << ": " << out;
        EXPECT_EQ(r[0].status, c.status) << c.name;
        EXPECT_EQ(r[0].fields["connection"], "close") << c.name;
        EXPECT_TRUE(ended_by_server_) << c.name;
        EXPECT_EQ(out.find("hello file"), std::string::npos) << c.name;
    }
}

TEST_F(HttpServer, PathEscapes_AreRefused) {
    struct Case { const char* target; int status; };
    const Case cases[] = {
        {"/../secret.txt", 404},
        {"/../../../../etc/passwd", 404},
        {"/%2e%2e/secret.txt", 404},
        {"/%2E%2E%2Fsecret.txt", 404},
        {"/sub/../../secret.txt", 404},
        {"/escape.txt", 404},       // symlink to a file outside root
        {"/up/secret.txt", 404},    // symlinked directory outside root
        {"/ldir/", 404},            // directory whose index.html links outside root
        {"/up/www/a.txt", 200},     // via an outside link back into root: the canonical file is inside
        {"/a.txt%00.html", 400},    // NUL
        {"/a%zz", 400},             // bad escape
        {"/a%2", 400},
        {"/sub/../a.txt", 200},     // dot segments inside root are fine
        {"/%61.txt", 200},          // %61 = 'a'
        {"/alias.txt", 200},        // symlink that stays inside root
        {"/a.txt?x=../../y", 200},  // the query is not part of the path
        {"http://x/a.txt", 200},    // absolute-form
    };
    for (const Case& c : cases) {
        auto r = parse_replies(serve(std::string("GET ") + c.target + " HTTP/1.1\r\nHost: x\r\n\r\n"));
        ASSERT_EQ(r.size(), 1u) << c.target;
        EXPECT_EQ(r[0].status, c.status) << c.target;
        EXPECT_EQ(r[0].body.find("top secret"), std::string::npos) << c.target;
    }
}

TEST_F(HttpServer, LargeFile_SentInChunks) {
    std::string big(1 << 20, '\0');
    for (size_t i = 0; i < big.size(); ++i) big[i] = char('a' + (i * 7) % 26);
    write(root_ / "big.bin", big);
    config_.file_chunk = 4096;
    auto r = parse_replies(serve("GET /big.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].fields["content-type"], "application/octet-stream");
    EXPECT_EQ(r[0].fields["content-length"], std::to_string(big.size()));
    EXPECT_TRUE(r[0].body == big);
}

TEST_F(HttpServer, AccessLog_WritesCommonLogFormat) {
    serve("GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\nGET /\"x HTTP/1.1\r\nHost: x\r\n\r\n");
    std::string log = log_stream_.str();
    // CLF: host ident user [dd/Mon/yyyy:HH:MM:SS +0000] "request" status bytes
    size_t nl = log.find('\n');
    ASSERT_NE(nl, std::string::npos);
    std::string first = log.substr(0, nl), second = log.substr(nl + 1);
    EXPECT_TRUE(looks_like(first, "- - - [00/Aaa/0000:00:00:00 +0000] \"GET /a.txt HTTP/1.1\" 200 11")) << first;
    EXPECT_EQ(second.substr(0, 7), "- - - [") << second;
    EXPECT_NE(second.find("] \"GET /\\\"x HTTP/1.1\" 404 "), std::string::npos) << second;
    EXPECT_EQ(second.back(), '\n');
}

// Injected failures: the Nth stream operation fails; the server must end without throwing.
TEST_F(HttpServer, StreamFailures_EndConnectionQuietly) {
    for (int n = 1; n <= 3; ++n) {
        beast::test::fail_count fc(n);
        config_.file_chunk = 4;  // several writes for the file body
        serve("GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\nGET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n", false, &fc);
        EXPECT_TRUE(ended_by_server_) << "failure at operation " << n;
    }
}

using std::chrono::milliseconds;

TEST_F(HttpServer, Timeout_IdleClosesWithoutResponse_AfterKeepAliveRequest) {
    config_.idle_timeout = milliseconds(60);
    beast::test::stream server(ioc_), client(ioc_);
    server.connect(client);
    server.append("GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n");
    start(server);
    auto took = run_real(milliseconds(300));
    EXPECT_TRUE(finished_) << "an idle keep-alive connection must be closed by the server";
    EXPECT_GE(took.count(), 55);
    auto r = parse_replies(client.str());
    ASSERT_EQ(r.size(), 1u);  // the answered request, and no 408 for the idle period
    EXPECT_EQ(r[0].status, 200);
}

TEST_F(HttpServer, Timeout_NotBeforeItsTime) {
    config_.idle_timeout = config_.header_timeout = milliseconds(250);
    beast::test::stream server(ioc_), client(ioc_);
    server.connect(client);
    server.append("GET /a.txt HTTP/1.1\r\nHo");
    start(server);
    run_real(milliseconds(60));
    EXPECT_FALSE(finished_);
    EXPECT_TRUE(client.str().empty());
    server.close_remote();
    run_real(milliseconds(50));
    EXPECT_TRUE(finished_);
}

// The header timeout bounds the whole header section: a client trickling a byte every 10 ms (each read
// well inside any per-read limit) still gets 408 and a close.
TEST_F(HttpServer, Timeout_HeaderTrickle_Gets408AndClose) {
    config_.idle_timeout = milliseconds(0);
    config_.header_timeout = milliseconds(80);
    beast::test::stream server(ioc_), client(ioc_);
    server.connect(client);
    server.append("G");
    start(server);
    auto last = std::chrono::steady_clock::now();
    auto took = run_real(milliseconds(300), [&] {
        if (finished_ || std::chrono::steady_clock::now() - last < milliseconds(10)) return;
        last = std::chrono::steady_clock::now();
        asio::write(client, asio::buffer(std::string("X")));
    });
    EXPECT_TRUE(finished_);
    EXPECT_GE(took.count(), 75);
    EXPECT_LT(took.count(), 250);
    auto r = parse_replies(client.str());
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].status, 408);
    EXPECT_EQ(r[0].fields["connection"], "close");
    EXPECT_NE(log_stream_.str().find("\" 408 -"), std::string::npos) << log_stream_.str();
}

TEST_F(HttpServer, Timeout_BodyStalls_Gets408AndClose) {
    config_.body_timeout = milliseconds(50);
    beast::test::stream server(ioc_), client(ioc_);
    server.connect(client);
    server.append("PUT /a.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc");
    start(server);
    run_real(milliseconds(300));
    EXPECT_TRUE(finished_);
    auto r = parse_replies(client.str());
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].status, 408);
    EXPECT_EQ(r[0].fields["connection"], "close");
}

// A client that sends a request and never reads: writes stall until the stream is closed.
class StalledWriter {
public:
    using executor_type = beast::test::stream::executor_type;
    explicit StalledWriter(asio::io_context& ioc) : in_(ioc), peer_(ioc), stall_(ioc, std::chrono::steady_clock::time_point::max()) {
        in_.connect(peer_);
    }
    executor_type get_executor() { return in_.get_executor(); }
    template <class Buffers, class Token>
    auto async_read_some(const Buffers& b, Token&& token) {
        return in_.async_read_some(b, std::forward<Token>(token));
    }
    template <class Buffers, class Token>
    auto async_write_some(const Buffers&, Token&& token) {
        return asio::async_initiate<Token, void(boost::system::error_code, size_t)>(
            [this](auto handler) {
                stall_.async_wait([h = std::move(handler)](boost::system::error_code) mutable {
                    std::move(h)(asio::error::operation_aborted, size_t(0));
                });
            },
            token);
    }
    void close() {
        closed = true;
        stall_.cancel();
        in_.close();
    }
    beast::test::stream in_, peer_;
    asio::steady_timer stall_;
    bool closed = false;
};

TEST_F(HttpServer, Timeout_ClientNotReading_Disconnected) {
    config_.send_timeout = milliseconds(50);
    StalledWriter s(ioc_);
    s.in_.append("GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n");
    finished_ = false;
    asio::co_spawn(ioc_, serve_connection(s, config_, &log_), [&](std::exception_ptr e) {
        finished_ = true;
        if (e) std::rethrow_exception(e);
    });
    auto took = run_real(milliseconds(300));
    EXPECT_TRUE(finished_) << "a client that never reads must not hold the connection";
    EXPECT_TRUE(s.closed);
    EXPECT_GE(took.count(), 45);
    EXPECT_NE(log_stream_.str().find("\"GET /a.txt HTTP/1.1\" 200 -"), std::string::npos) << log_stream_.str();
}

TEST(HttpHalfClose, PicksShutdownSendWhenAvailable) {
    struct Tcp {
        int calls = 0;
        void shutdown_send() { ++calls; }
    } tcp;
    half_close(tcp);
    EXPECT_EQ(tcp.calls, 1);
    struct Sock {
        int what = -1;
        void shutdown(asio::socket_base::shutdown_type w, boost::system::error_code&) { what = int(w); }
    } sock;
    half_close(sock);
    EXPECT_EQ(sock.what, int(asio::socket_base::shutdown_send));
    asio::io_context ioc;
    beast::test::stream ts(ioc);
    half_close(ts);  // compiles and does nothing
}

}  // namespace
}  // namespace ustack::http
