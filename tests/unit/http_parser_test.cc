// Tests for http/parser.h: RFC 9112 framing fed at every split size, and each malformed or ambiguous
// message mapped to its status code.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "http/parser.h"

namespace ustack::http {
namespace {

struct Outcome {
    ParseState state = ParseState::NeedMore;
    int error = 0;
    int headers = 0;      // times HeaderDone was seen
    std::string body;
    std::string rest;     // bytes not consumed (a pipelined next message)
};

// Feeds `data` in pieces of `step` bytes the way a reader would: unconsumed bytes stay in the buffer.
Outcome feed(MessageParser& p, std::string_view data, size_t step, bool eof = false) {
    Outcome o;
    std::string buf;
    size_t pos = 0;
    while (true) {
        size_t n = p.put(buf);
        if (p.state() == ParseState::BodyChunk) o.body += p.body_chunk();
        if (p.state() == ParseState::HeaderDone) ++o.headers;
        buf.erase(0, n);
        if (p.state() == ParseState::Done || p.state() == ParseState::Error) break;
        if (p.state() != ParseState::NeedMore) continue;
        EXPECT_TRUE(buf.empty()) << "NeedMore must consume everything";
        if (pos >= data.size()) {
            if (eof) p.put_eof();
            break;
        }
        buf.append(data.substr(pos, step));
        pos += step;
    }
    o.state = p.state();
    o.error = p.error();
    o.rest = buf + std::string(data.substr(std::min(pos, data.size())));
    return o;
}

const std::vector<size_t> kSteps = {1, 2, 3, 7, 64, 100000};

TEST(HttpRequestParser, SimpleGet_AnySplit_ParsesLineAndFields) {
    std::string req = "GET /a/b?c=d HTTP/1.1\r\nHost: example\r\nX-Empty:\r\nAccept:  */*  \r\n\r\n";
    for (size_t step : kSteps) {
        RequestParser p;
        Outcome o = feed(p, req, step);
        ASSERT_EQ(o.state, ParseState::Done) << step << " " << p.error_reason();
        EXPECT_EQ(o.headers, 1);
        EXPECT_EQ(p.method(), "GET");
        EXPECT_EQ(p.target(), "/a/b?c=d");
        EXPECT_EQ(p.version_minor(), 1);
        EXPECT_EQ(p.field("host"), "example");
        EXPECT_EQ(p.field("ACCEPT"), "*/*");
        EXPECT_EQ(p.field("x-empty"), "");
        EXPECT_FALSE(p.field("missing").has_value());
        EXPECT_TRUE(o.body.empty());
        EXPECT_TRUE(o.rest.empty());
    }
}

TEST(HttpRequestParser, ContentLengthBody_AnySplit_StopsAtNextRequest) {
    std::string req = "POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\nhello worldGET / HTTP/1.1\r\n";
    for (size_t step : kSteps) {
        RequestParser p;
        Outcome o = feed(p, req, step);
        ASSERT_EQ(o.state, ParseState::Done) << step;
        EXPECT_EQ(o.body, "hello world");
        EXPECT_EQ(o.rest, "GET / HTTP/1.1\r\n");
        EXPECT_EQ(p.content_length(), 11u);
    }
}

TEST(HttpRequestParser, ChunkedBody_AnySplit_DecodesExtensionsAndSkipsTrailers) {
    std::string req =
        "POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
        "5;name=value\r\nhello\r\n1A \t; x=\"q\"\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nTrailer: t\r\nT2: u\r\n\r\n"
        "NEXT";
    for (size_t step : kSteps) {
        RequestParser p;
        Outcome o = feed(p, req, step);
        ASSERT_EQ(o.state, ParseState::Done) << step << " " << p.error_reason();
        EXPECT_TRUE(p.chunked());
        EXPECT_EQ(o.body, "helloabcdefghijklmnopqrstuvwxyz");
        EXPECT_EQ(o.rest, "NEXT");
    }
}

TEST(HttpRequestParser, LeadingEmptyLines_AreIgnored) {
    RequestParser p;
    Outcome o = feed(p, "\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n", 1);
    EXPECT_EQ(o.state, ParseState::Done);
    EXPECT_EQ(p.target(), "/");
}

TEST(HttpRequestParser, IdenticalContentLengthList_IsAccepted) {
    RequestParser p;
    Outcome o = feed(p, "PUT / HTTP/1.1\r\nHost: h\r\nContent-Length: 3, 3\r\nContent-Length: 3\r\n\r\nabc", 5);
    EXPECT_EQ(o.state, ParseState::Done);
    EXPECT_EQ(o.body, "abc");
}

TEST(HttpRequestParser, KeepAlive_FollowsVersionAndConnection) {
    struct Case { const char* req; bool keep; };
    const Case cases[] = {
        {"GET / HTTP/1.1\r\nHost: h\r\n\r\n", true},
        {"GET / HTTP/1.1\r\nHost: h\r\nConnection: Close\r\n\r\n", false},
        {"GET / HTTP/1.1\r\nHost: h\r\nConnection: foo, close\r\n\r\n", false},
        {"GET / HTTP/1.0\r\n\r\n", false},
        {"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", true},
        {"GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n", false},
    };
    for (const Case& c : cases) {
        RequestParser p;
        ASSERT_EQ(feed(p, c.req, 100).state, ParseState::Done) << c.req;
        EXPECT_EQ(p.keep_alive(), c.keep) << c.req;
    }
}

TEST(HttpRequestParser, Reset_ParsesNextMessage) {
    RequestParser p;
    Outcome o = feed(p, "GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\n", 1000);
    ASSERT_EQ(o.state, ParseState::Done);
    EXPECT_EQ(p.target(), "/1");
    p.reset();
    Outcome o2 = feed(p, o.rest, 1);
    ASSERT_EQ(o2.state, ParseState::Done);
    EXPECT_EQ(p.target(), "/2");
}

struct BadCase {
    const char* name;
    std::string request;
    int status;
};

std::vector<BadCase> bad_requests() {
    const std::string host = "Host: h\r\n";
    return {
        {"http2_version", "GET / HTTP/2.0\r\n" + host + "\r\n", 505},
        {"garbage_version", "GET / HTTP/1.x\r\n" + host + "\r\n", 400},
        {"http09_line", "GET /\r\n\r\n", 400},
        {"double_space", "GET  / HTTP/1.1\r\n" + host + "\r\n", 400},
        {"space_in_target", "GET /a b HTTP/1.1\r\n" + host + "\r\n", 400},
        {"bad_method", "G(T / HTTP/1.1\r\n" + host + "\r\n", 400},
        {"missing_host", "GET / HTTP/1.1\r\n\r\n", 400},
        {"duplicate_host", "GET / HTTP/1.1\r\n" + host + host + "\r\n", 400},
        {"cl_and_te", "POST / HTTP/1.1\r\n" + host + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", 400},
        {"te_and_cl", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n", 400},
        {"duplicate_cl", "POST / HTTP/1.1\r\n" + host + "Content-Length: 5\r\nContent-Length: 6\r\n\r\n", 400},
        {"cl_list_differs", "POST / HTTP/1.1\r\n" + host + "Content-Length: 5, 6\r\n\r\n", 400},
        {"cl_negative", "POST / HTTP/1.1\r\n" + host + "Content-Length: -1\r\n\r\n", 400},
        {"cl_plus", "POST / HTTP/1.1\r\n" + host + "Content-Length: +1\r\n\r\n", 400},
        {"cl_inner_space", "POST / HTTP/1.1\r\n" + host + "Content-Length: 1 2\r\n\r\n", 400},
        {"cl_empty", "POST / HTTP/1.1\r\n" + host + "Content-Length: \r\n\r\n", 400},
        {"cl_overflow", "POST / HTTP/1.1\r\n" + host + "Content-Length: 99999999999999999999999\r\n\r\n", 400},
        {"cl_too_big", "POST / HTTP/1.1\r\n" + host + "Content-Length: 9000000\r\n\r\n", 413},
        {"te_gzip", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: gzip\r\n\r\n", 501},
        {"te_gzip_chunked", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: gzip, chunked\r\n\r\n", 501},
        {"te_chunked_not_last", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked, gzip\r\n\r\n", 400},
        {"te_chunked_twice", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 400},
        {"te_empty", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: \r\n\r\n", 400},
        {"te_in_http10", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
        {"bad_chunk_size", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\nzz\r\n", 400},
        {"chunk_size_0x", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n0\r\n\r\n", 400},
        {"chunk_size_overflow", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n10000000000000005\r\n", 400},
        {"chunk_size_empty", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n\r\n", 400},
        {"chunk_too_big", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\nFFFFFFF\r\n", 413},
        {"chunk_missing_crlf", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n0\r\n\r\n", 400},
        {"chunk_bare_lf", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n3\nabc\r\n0\r\n\r\n", 400},
        {"bare_cr_in_field", "GET / HTTP/1.1\r\n" + host + "X: a\rb\r\n\r\n", 400},
        {"bare_lf_line_end", "GET / HTTP/1.1\n" + host + "\r\n", 400},
        {"obs_fold", "GET / HTTP/1.1\r\n" + host + "X: a\r\n  b\r\n\r\n", 400},
        {"space_after_start", "GET / HTTP/1.1\r\n " + host + "\r\n", 400},
        {"space_before_colon", "GET / HTTP/1.1\r\n" + host + "Content-Length : 0\r\n\r\n", 400},
        {"no_colon", "GET / HTTP/1.1\r\n" + host + "Broken\r\n\r\n", 400},
        {"nul_in_value", "GET / HTTP/1.1\r\n" + host + std::string("X: a\0b\r\n\r\n", 10), 400},
        {"ctl_in_value", "GET / HTTP/1.1\r\n" + host + "X: a\x01" "b\r\n\r\n", 400},
        {"long_request_line", "GET /" + std::string(9000, 'a') + " HTTP/1.1\r\n" + host + "\r\n", 414},
        {"big_header", "GET / HTTP/1.1\r\n" + host + "X: " + std::string(17000, 'a') + "\r\n\r\n", 431},
        {"many_fields", [] {
             std::string r = "GET / HTTP/1.1\r\nHost: h\r\n";
             for (int i = 0; i < 101; ++i) r += "X-" + std::to_string(i) + ": v\r\n";
             return r + "\r\n";
         }(), 431},
    };
}

TEST(HttpRequestParser, MalformedOrAmbiguous_GetsStatus_AnySplit) {
    for (const BadCase& c : bad_requests()) {
        for (size_t step : {size_t(1), size_t(100000)}) {
            RequestParser p;
            Outcome o = feed(p, c.request, step);
            EXPECT_EQ(o.state, ParseState::Error) << c.name << " step " << step;
            EXPECT_EQ(o.error, c.status) << c.name << " step " << step << " " << p.error_reason();
        }
    }
}

TEST(HttpRequestParser, ManyFieldsAtLimit_AreAccepted) {
    std::string r = "GET / HTTP/1.1\r\nHost: h\r\n";
    for (int i = 0; i < 99; ++i) r += "X-" + std::to_string(i) + ": v\r\n";
    RequestParser p;
    EXPECT_EQ(feed(p, r + "\r\n", 1).state, ParseState::Done) << p.error_reason();
    EXPECT_EQ(p.fields().size(), 100u);
}

TEST(HttpRequestParser, HigherMinorVersion_IsTreatedAs11) {
    RequestParser p;
    EXPECT_EQ(feed(p, "GET / HTTP/1.7\r\nHost: h\r\n\r\n", 3).state, ParseState::Done);
    EXPECT_EQ(p.version_minor(), 1);
}

TEST(HttpRequestParser, ChunkedBodyOverLimit_Gets413) {
    ParserLimits limits;
    limits.max_body = 8;
    RequestParser p(limits);
    Outcome o = feed(p, "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n5\r\nworld\r\n0\r\n\r\n", 1);
    EXPECT_EQ(o.error, 413);
    EXPECT_EQ(o.body, "hello");
}

TEST(HttpResponseParser, ContentLength_AnySplit) {
    std::string rsp = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhelloHTTP/1.1";
    for (size_t step : kSteps) {
        ResponseParser p;
        Outcome o = feed(p, rsp, step);
        ASSERT_EQ(o.state, ParseState::Done) << step;
        EXPECT_EQ(p.status(), 200);
        EXPECT_EQ(p.reason(), "OK");
        EXPECT_EQ(o.body, "hello");
        EXPECT_EQ(o.rest, "HTTP/1.1");
        EXPECT_TRUE(p.keep_alive());
    }
}

TEST(HttpResponseParser, Chunked_AnySplit) {
    std::string rsp = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\n\r\n";
    for (size_t step : kSteps) {
        ResponseParser p;
        Outcome o = feed(p, rsp, step);
        ASSERT_EQ(o.state, ParseState::Done) << step;
        EXPECT_EQ(o.body, "abc0123456789abcdef");
    }
}

TEST(HttpResponseParser, CloseDelimited_EndsAtEof) {
    for (size_t step : kSteps) {
        ResponseParser p;
        Outcome o = feed(p, "HTTP/1.0 200 OK\r\n\r\nall of it", step, /*eof=*/true);
        EXPECT_EQ(o.state, ParseState::Done) << step;
        EXPECT_EQ(o.body, "all of it");
        EXPECT_FALSE(p.keep_alive());
    }
}

TEST(HttpResponseParser, TruncatedContentLength_IsNotDoneAtEof) {
    ResponseParser p;
    Outcome o = feed(p, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", 2);
    EXPECT_EQ(o.state, ParseState::NeedMore);
    EXPECT_FALSE(p.put_eof());
    EXPECT_FALSE(p.done());
}

TEST(HttpResponseParser, NoBodyResponses_IgnoreFraming) {
    for (const char* rsp : {"HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n",
                            "HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n",
                            "HTTP/1.1 100 Continue\r\n\r\n"}) {
        ResponseParser p;
        Outcome o = feed(p, rsp, 1);
        EXPECT_EQ(o.state, ParseState::Done) << rsp;
        EXPECT_TRUE(o.body.empty());
    }
    ResponseParser head;
    head.set_head_request(true);
    Outcome o = feed(head, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nNEXT", 1);
    EXPECT_EQ(o.state, ParseState::Done);
    EXPECT_EQ(o.rest, "NEXT");
}

TEST(HttpResponseParser, MalformedStatusLine_IsError) {
    for (const char* rsp : {"HTTP/1.1 20 OK\r\n\r\n", "HTTP/1.1 abc OK\r\n\r\n", "HTTP/1.1200 OK\r\n\r\n",
                            "ICY 200 OK\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n"}) {
        ResponseParser p;
        EXPECT_EQ(feed(p, rsp, 1).state, ParseState::Error) << rsp;
    }
    ResponseParser p;
    EXPECT_EQ(feed(p, "HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", 1).state, ParseState::Done);
}

}  // namespace
}  // namespace ustack::http
