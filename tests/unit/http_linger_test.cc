// Tests for the server's staged close (RFC 9112 §9.6) and its 501 for unknown methods (RFC 9110 §9.1),
// over boost::beast::test::stream.
#include "tests/unit/http_server_fixture.h"

namespace ustack::http {
namespace {

using std::chrono::milliseconds;

// Polls until nothing is ready.
void drain(asio::io_context& ioc) {
    ioc.restart();
    while (ioc.poll() > 0) {
    }
}

const std::string kCloseThenPipelined =
    "GET /a.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    "GET /index.html HTTP/1.1\r\nHost: x\r\n\r\nGET /sub/ HTTP/1.1\r\nHost: x\r\n\r\n";

// After "Connection: close" the server answers once, then reads (and ignores) the pipelined requests
// until the client's FIN, so that its TCP never holds unread data when it closes (no RST).
TEST_F(HttpServer, Linger_DrainsPipelinedBytesUntilClientFin_NeverAnswersThem) {
    config_.linger_timeout = milliseconds(10'000);
    beast::test::stream server(ioc_), client(ioc_);
    server.connect(client);
    server.append(kCloseThenPipelined);
    start(server);
    drain(ioc_);
    EXPECT_FALSE(finished_) << "the server must wait for the client's FIN";
    EXPECT_EQ(server.nread_bytes(), kCloseThenPipelined.size()) << "every byte the client sent was read";
    // More requests arrive after the response: still read, still not answered.
    asio::write(client, asio::buffer(std::string("GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n")));
    drain(ioc_);
    EXPECT_FALSE(finished_);
    server.close_remote();  // client FIN
    drain(ioc_);
    EXPECT_TRUE(finished_);
    auto r = parse_replies(client.str());
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].status, 200);
    EXPECT_EQ(r[0].fields["connection"], "close");
}

// A rejected request (here 400 for Content-Length with Transfer-Encoding) lingers the same way, and the
// smuggled request in its body is drained, never parsed.
TEST_F(HttpServer, Linger_AfterRejectedRequest_SmuggledRequestNotAnswered) {
    config_.linger_timeout = milliseconds(10'000);
    beast::test::stream server(ioc_), client(ioc_);
    server.connect(client);
    server.append("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
                  "GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n");
    start(server);
    drain(ioc_);
    EXPECT_FALSE(finished_);
    server.close_remote();
    drain(ioc_);
    EXPECT_TRUE(finished_);
    auto r = parse_replies(client.str());
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].status, 400);
    EXPECT_EQ(client.str().find("hello file"), std::string::npos);
}

// A client that never closes is closed after linger_timeout.
TEST_F(HttpServer, Linger_EndsAfterTimeout_WhenClientNeverCloses) {
    config_.linger_timeout = milliseconds(60);
    beast::test::stream server(ioc_), client(ioc_);
    server.connect(client);
    server.append(kCloseThenPipelined);
    start(server);
    auto took = run_real(milliseconds(1000));
    EXPECT_TRUE(finished_);
    EXPECT_GE(took.count(), 55);
    EXPECT_EQ(parse_replies(client.str()).size(), 1u);
}

// A client that keeps sending is cut off after linger_bytes, without waiting for the timeout.
TEST_F(HttpServer, Linger_EndsAfterByteLimit) {
    config_.linger_timeout = milliseconds(10'000);
    config_.linger_bytes = 100;
    config_.read_buffer = 64;
    beast::test::stream server(ioc_), client(ioc_);
    server.connect(client);
    server.append(kCloseThenPipelined + std::string(1000, 'x'));
    start(server);
    drain(ioc_);
    EXPECT_TRUE(finished_);
    EXPECT_LT(server.nread_bytes(), kCloseThenPipelined.size() + 1000);
    EXPECT_EQ(parse_replies(client.str()).size(), 1u);
}

// Without linger the server ends right after its response (the previous behaviour).
TEST_F(HttpServer, Linger_Disabled_EndsAtOnce) {
    auto r = parse_replies(serve(kCloseThenPipelined));
    ASSERT_EQ(r.size(), 1u);
    EXPECT_TRUE(ended_by_server_);
}

// RFC 9110 §9.1: an unrecognized method is 501 (and the connection closes); a known method the
// resource does not allow stays 405 with Allow.
TEST_F(HttpServer, UnknownMethod_Gets501AndClose_KnownMethodGets405) {
    auto r = parse_replies(serve("FROB /a.txt HTTP/1.1\r\nHost: x\r\n\r\nGET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n"));
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].status, 501);
    EXPECT_EQ(r[0].fields["connection"], "close");
    EXPECT_TRUE(ended_by_server_);
    for (const char* m : {"DELETE", "PATCH", "TRACE"}) {
        r = parse_replies(serve(std::string(m) + " /a.txt HTTP/1.1\r\nHost: x\r\n\r\n"));
        ASSERT_EQ(r.size(), 1u) << m;
        EXPECT_EQ(r[0].status, 405) << m;
        EXPECT_EQ(r[0].fields["allow"], "GET, HEAD, OPTIONS") << m;
        EXPECT_FALSE(ended_by_server_) << m;
    }
    EXPECT_FALSE(detail::is_known_method("get")) << "methods are case-sensitive (RFC 9110 §9.1)";
}

// A small file goes out with its head in one write (one segment, not a head that Nagle holds the body
// behind); a large one in file_chunk pieces, the first with the head.
TEST_F(HttpServer, SmallFile_HeadAndBodyInOneWrite) {
    beast::test::stream server(ioc_), client(ioc_);
    server.connect(client);
    server.append("GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n");
    start(server);
    drain(ioc_);
    EXPECT_EQ(server.nwrite(), 1u);
    auto r = parse_replies(client.str());
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].body, "hello file\n");

    config_.file_chunk = 4;  // "hello file\n" (11 bytes): head+4, 4, 3
    beast::test::stream server2(ioc_), client2(ioc_);
    server2.connect(client2);
    server2.append("GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\nHEAD /a.txt HTTP/1.1\r\nHost: x\r\n\r\n");
    start(server2);
    drain(ioc_);
    EXPECT_EQ(server2.nwrite(), 4u);  // 3 for the GET, 1 for the HEAD (no body)
    r = parse_replies(client2.str(), {false, true});
    ASSERT_EQ(r.size(), 2u);
    EXPECT_EQ(r[0].body, "hello file\n");
    EXPECT_EQ(r[1].fields["content-length"], "11");
    EXPECT_TRUE(r[1].body.empty());
    server.close_remote();
    server2.close_remote();
    drain(ioc_);
}

}  // namespace
}  // namespace ustack::http
