// One test per error status the server produces (issue 5): 400, 404, 405, 408, 411, 413, 414, 431, 501,
// 505. Each checks the status, the reason in the body, and whether the connection survives.
#include "tests/unit/http_server_fixture.h"

namespace ustack::http {
namespace {

class HttpStatus : public HttpServer {
protected:
    // Sends `req` followed by a valid GET; expects `status` first, then the GET answered only when the
    // connection is meant to survive (`closes` false).
    void expect(const std::string& req, int status, std::string_view reason, bool closes) {
        std::string out = serve(req + "GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n");
        auto r = parse_replies(out);
        ASSERT_GE(r.size(), 1u) << out;
        EXPECT_EQ(r[0].status, status) << out;
        EXPECT_EQ(r[0].body, std::to_string(status) + " " + std::string(reason) + "\n");
        if (closes) {
            EXPECT_EQ(r.size(), 1u) << "nothing after a rejected request is read";
            EXPECT_EQ(r[0].fields["connection"], "close");
            EXPECT_TRUE(ended_by_server_);
        } else {
            ASSERT_EQ(r.size(), 2u);
            EXPECT_EQ(r[1].status, 200);
        }
    }
};

TEST_F(HttpStatus, S400_InvalidFieldName) {
    expect("GET / HTTP/1.1\r\nHost: x\r\nBad Name: y\r\n\r\n", 400, "Bad Request", true);
}

TEST_F(HttpStatus, S404_MissingFile) {
    expect("GET /missing.txt HTTP/1.1\r\nHost: x\r\n\r\n", 404, "Not Found", false);
}

TEST_F(HttpStatus, S405_DeleteNotAllowed) {
    expect("DELETE /a.txt HTTP/1.1\r\nHost: x\r\n\r\n", 405, "Method Not Allowed", false);
}

TEST_F(HttpStatus, S408_HeaderTimeout) {
    config_.header_timeout = std::chrono::milliseconds(30);
    beast::test::stream server(ioc_), client(ioc_);
    server.connect(client);
    server.append("GET /a.txt HTTP/1.1\r\n");
    start(server);
    run_real(std::chrono::milliseconds(250));
    auto r = parse_replies(client.str());
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].status, 408);
    EXPECT_EQ(r[0].body, "408 Request Timeout\n");
    EXPECT_TRUE(finished_);
}

TEST_F(HttpStatus, S411_PutWithoutLength) {
    config_.upload_dir = root_;
    config_.upload_prefix = "/";
    expect("PUT /new.txt HTTP/1.1\r\nHost: x\r\n\r\n", 411, "Length Required", true);
}

TEST_F(HttpStatus, S413_BodyOverLimit) {
    config_.max_body = 4;
    expect("POST /a.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n12345", 413, "Content Too Large", true);
}

TEST_F(HttpStatus, S414_RequestLineTooLong) {
    config_.max_request_line = 64;
    expect("GET /" + std::string(100, 'x') + " HTTP/1.1\r\nHost: x\r\n\r\n", 414, "URI Too Long", true);
}

TEST_F(HttpStatus, S431_TooManyFields) {
    config_.max_fields = 3;
    expect("GET / HTTP/1.1\r\nHost: x\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", 431, "Request Header Fields Too Large",
           true);
}

TEST_F(HttpStatus, S501_UnknownTransferCoding) {
    expect("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: br, chunked\r\n\r\n0\r\n\r\n", 501, "Not Implemented",
           true);
}

TEST_F(HttpStatus, S505_Http2Version) {
    expect("GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505, "HTTP Version Not Supported", true);
}

}  // namespace
}  // namespace ustack::http
