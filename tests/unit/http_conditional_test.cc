// Tests for http/conditional.h (dates, ETags, preconditions, Range) and the server's 206/416/304/412
// answers over beast::test::stream.
#include "http/conditional.h"

#include "tests/unit/http_server_fixture.h"

namespace ustack::http {
namespace {

TEST(HttpDate, ParsesAllThreeFormsAndRoundTrips) {
    const std::time_t t = 784111777;  // Sun, 06 Nov 1994 08:49:37 GMT (RFC 9110 §5.6.7)
    EXPECT_EQ(format_http_date(t), "Sun, 06 Nov 1994 08:49:37 GMT");
    EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), t);
    EXPECT_EQ(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), t);
    EXPECT_EQ(parse_http_date("Sun Nov  6 08:49:37 1994"), t);
    EXPECT_FALSE(parse_http_date("Sun, 06 Nov 1994 08:49:37 UTC"));
    EXPECT_FALSE(parse_http_date("Sun, 06 Foo 1994 08:49:37 GMT"));
    EXPECT_FALSE(parse_http_date("yesterday"));
    EXPECT_FALSE(parse_http_date(""));
}

TEST(HttpEtag, WeakAndStrongComparison) {
    std::string tag = make_etag(11, 0x1234);
    EXPECT_EQ(tag, "\"b-1234\"");
    EXPECT_TRUE(etag_matches("\"x\", \"b-1234\"", tag, false));
    EXPECT_TRUE(etag_matches("W/\"b-1234\"", tag, true));
    EXPECT_FALSE(etag_matches("W/\"b-1234\"", tag, false));  // strong comparison never matches weak
    EXPECT_FALSE(etag_matches("\"b-1235\"", tag, true));
    EXPECT_TRUE(etag_matches("*", tag, false));
    EXPECT_FALSE(etag_matches("b-1234", tag, true));  // unquoted is not an entity-tag
}

TEST(HttpRange, SelectsSingleRangesAndRefusesOthers) {
    using K = RangeSelection::Kind;
    struct Case { const char* value; K kind; uint64_t first, last; };
    const Case cases[] = {
        {"bytes=0-4", K::Single, 0, 4},
        {"bytes=2-", K::Single, 2, 9},
        {"bytes=-3", K::Single, 7, 9},
        {"bytes=-30", K::Single, 0, 9},      // longer suffix: the whole representation
        {"bytes=5-100", K::Single, 5, 9},    // last-pos clipped to length-1
        {"BYTES = 1-1", K::Single, 1, 1},
        {"bytes=10-", K::Unsatisfiable, 0, 0},
        {"bytes=-0", K::Unsatisfiable, 0, 0},
        {"bytes=5-4", K::Ignore, 0, 0},      // invalid: last < first
        {"bytes=0-1,4-5", K::Ignore, 0, 0},  // several ranges: answered with 200
        {"items=0-1", K::Ignore, 0, 0},
        {"bytes=a-b", K::Ignore, 0, 0},
        {"bytes=", K::Ignore, 0, 0},
        {"bytes=99999999999999999999-", K::Ignore, 0, 0},
    };
    for (const Case& c : cases) {
        RangeSelection s = select_range(c.value, 10);
        EXPECT_EQ(s.kind, c.kind) << c.value;
        if (s.kind == K::Single) {
            EXPECT_EQ(s.first, c.first) << c.value;
            EXPECT_EQ(s.last, c.last) << c.value;
        }
    }
    EXPECT_EQ(select_range("bytes=0-", 0).kind, K::Unsatisfiable);
}

std::string get(std::string_view target, std::string_view extra) {
    return "GET " + std::string(target) + " HTTP/1.1\r\nHost: x\r\n" + std::string(extra) + "\r\n";
}

TEST_F(HttpServer, Range_206And416WithContentRange) {
    auto r = parse_replies(serve(get("/a.txt", "Range: bytes=0-4\r\n") + get("/a.txt", "Range: bytes=-4\r\n") +
                                 get("/a.txt", "Range: bytes=50-\r\n") + get("/a.txt", "Range: bytes=0-1,3-4\r\n") +
                                 get("/a.txt", "")));
    ASSERT_EQ(r.size(), 5u);
    EXPECT_EQ(r[0].status, 206);
    EXPECT_EQ(r[0].body, "hello");
    EXPECT_EQ(r[0].fields["content-range"], "bytes 0-4/11");
    EXPECT_EQ(r[0].fields["content-length"], "5");
    EXPECT_EQ(r[1].status, 206);
    EXPECT_EQ(r[1].body, "ile\n");
    EXPECT_EQ(r[1].fields["content-range"], "bytes 7-10/11");
    EXPECT_EQ(r[2].status, 416);
    EXPECT_EQ(r[2].fields["content-range"], "bytes */11");
    EXPECT_EQ(r[3].status, 200);  // multiple ranges: full body
    EXPECT_EQ(r[3].body, "hello file\n");
    EXPECT_EQ(r[4].fields["accept-ranges"], "bytes");
    EXPECT_FALSE(ended_by_server_);
}

TEST_F(HttpServer, Range_LargeFileMiddleSlice) {
    std::string big(300000, '\0');
    for (size_t i = 0; i < big.size(); ++i) big[i] = char('a' + (i * 7) % 26);
    write(root_ / "big.bin", big);
    config_.file_chunk = 4096;
    auto r = parse_replies(serve(get("/big.bin", "Range: bytes=5000-150000\r\n")));
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].status, 206);
    EXPECT_TRUE(r[0].body == big.substr(5000, 145001));
}

TEST_F(HttpServer, Conditional_EtagAndLastModified_304WithoutBody) {
    auto first = parse_replies(serve(get("/a.txt", "")));
    ASSERT_EQ(first.size(), 1u);
    std::string etag = first[0].fields["etag"], lm = first[0].fields["last-modified"];
    ASSERT_FALSE(etag.empty());
    EXPECT_TRUE(looks_like(lm, "Aaa, 00 Aaa 0000 00:00:00 GMT")) << lm;
    std::string out = serve(get("/a.txt", "If-None-Match: \"nope\", " + etag + "\r\n") +
                            get("/a.txt", "If-Modified-Since: " + lm + "\r\n") +
                            get("/a.txt", "If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n") +
                            get("/a.txt", "If-None-Match: \"other\"\r\nIf-Modified-Since: " + lm + "\r\n") +
                            get("/a.txt", "If-Match: \"other\"\r\n"));
    auto r = parse_replies(out);
    ASSERT_EQ(r.size(), 5u) << out;
    EXPECT_EQ(r[0].status, 304);
    EXPECT_EQ(r[0].fields["etag"], etag);
    EXPECT_EQ(r[0].fields.count("content-length"), 0u);
    EXPECT_TRUE(r[0].body.empty());
    EXPECT_EQ(r[1].status, 304);
    EXPECT_EQ(r[2].status, 200);  // modified since 1994
    EXPECT_EQ(r[3].status, 200);  // If-None-Match wins over If-Modified-Since (§13.2.2)
    EXPECT_EQ(r[4].status, 412);
    size_t bodies = 0;
    for (size_t at = out.find("hello file"); at != std::string::npos; at = out.find("hello file", at + 1)) ++bodies;
    EXPECT_EQ(bodies, 2u) << "304 and 412 carry no file body";
}

TEST_F(HttpServer, IfRange_MatchingTagKeepsRange_StaleSendsFull) {
    auto first = parse_replies(serve(get("/a.txt", "")));
    ASSERT_EQ(first.size(), 1u);
    std::string etag = first[0].fields["etag"], lm = first[0].fields["last-modified"];
    auto r = parse_replies(serve(get("/a.txt", "Range: bytes=0-4\r\nIf-Range: " + etag + "\r\n") +
                                 get("/a.txt", "Range: bytes=0-4\r\nIf-Range: \"old\"\r\n") +
                                 get("/a.txt", "Range: bytes=0-4\r\nIf-Range: " + lm + "\r\n") +
                                 get("/a.txt", "Range: bytes=0-4\r\nIf-Range: W/" + etag + "\r\n")));
    ASSERT_EQ(r.size(), 4u);
    EXPECT_EQ(r[0].status, 206);
    EXPECT_EQ(r[1].status, 200);
    EXPECT_EQ(r[1].body, "hello file\n");
    EXPECT_EQ(r[2].status, 206);
    EXPECT_EQ(r[3].status, 200);  // weak tags never satisfy If-Range
}

}  // namespace
}  // namespace ustack::http
