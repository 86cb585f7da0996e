// Tests for the pieces of `ustack fetch`: curl-style request building (-X/-I/-d/--data-binary/-H) sent
// over beast::test::stream, redirect steps (next_hop), the progress meter on a fake clock, and the
// -v / -I output shapes.
#include "http/progress.h"
#include "http/request_args.h"
#include "http/session.h"
#include "http/verbose.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/_experimental/test/stream.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace ustack::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using namespace std::chrono_literals;

Url url(std::string_view s) { return *Url::parse(s); }

// Sends `req` over a test stream that answers `response`; returns the bytes the client sent.
std::string exchange(const Request& req, std::string_view response, FetchOptions o = {}, FetchResult* out = nullptr,
                     std::string* body = nullptr) {
    asio::io_context ioc;
    beast::test::stream client(ioc), server(ioc);
    client.connect(server);
    client.append(response);
    ClientSession<beast::test::stream> session(client, std::move(o));
    StringSink sink;
    bool done = false;
    asio::co_spawn(ioc, session.request(req, sink, true), [&](std::exception_ptr e, FetchResult r) {
        if (e) std::rethrow_exception(e);
        if (out) *out = r;
        done = true;
    });
    ioc.run();
    EXPECT_TRUE(done);
    if (body) *body = sink.data;
    return server.str();
}

std::filesystem::path temp_file(std::string_view name, std::string_view content) {
    auto p = std::filesystem::temp_directory_path() / ("ustack-fetch-" + std::to_string(::getpid()) + "-" + std::string(name));
    std::ofstream(p, std::ios::binary) << content;
    return p;
}

TEST(HttpFetchArgs, DataMakesUrlencodedPost_JoinedWithAmpersand) {
    RequestArgs a;
    a.data = {"a=1", "b=2"};
    std::string why;
    auto req = make_request(a, url("http://10.0.0.1:8080/echo"), &why);
    ASSERT_TRUE(req) << why;
    EXPECT_EQ(req->method, "POST");
    EXPECT_EQ(exchange(*req, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
              "POST /echo HTTP/1.1\r\nHost: 10.0.0.1:8080\r\nUser-Agent: ustack/0.1\r\nAccept: */*\r\n"
              "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 7\r\nConnection: close\r\n\r\n"
              "a=1&b=2");
}

TEST(HttpFetchArgs, HeadersReplaceDefaults_OmitAndEmpty) {
    RequestArgs a;
    a.headers = {"User-Agent: curl/8", "Accept:", "X-Empty;", "If-None-Match: \"abc\""};
    auto req = make_request(a, url("http://h/p"));
    ASSERT_TRUE(req);
    EXPECT_EQ(exchange(*req, "HTTP/1.1 304 Not Modified\r\n\r\n"),
              "GET /p HTTP/1.1\r\nHost: h\r\nUser-Agent: curl/8\r\nX-Empty: \r\nIf-None-Match: \"abc\"\r\n"
              "Connection: close\r\n\r\n");
}

TEST(HttpFetchArgs, ContentTypeFromHeaderAndMethodFromX) {
    RequestArgs a;
    a.method = "PUT";
    a.data = {"{\"k\":1}"};
    a.headers = {"content-type: application/json"};
    auto req = make_request(a, url("http://h/"));
    ASSERT_TRUE(req);
    std::string sent = exchange(*req, "HTTP/1.1 204 No Content\r\n\r\n");
    EXPECT_EQ(sent.find("PUT / HTTP/1.1\r\n"), 0u);
    EXPECT_NE(sent.find("content-type: application/json\r\n"), std::string::npos);
    EXPECT_EQ(sent.find("x-www-form-urlencoded"), std::string::npos);
    EXPECT_NE(sent.find("\r\n\r\n{\"k\":1}"), std::string::npos);
}

TEST(HttpFetchArgs, DataFromFile_StripsNewlines_BinaryStreamsFile) {
    auto text = temp_file("d", "x=1\r\ny=2\n");
    auto bin = temp_file("b", std::string("\0\r\n\xff", 4));
    RequestArgs a;
    a.data = {"@" + text.string()};
    auto req = make_request(a, url("http://h/"));
    ASSERT_TRUE(req);
    EXPECT_EQ(req->body, "x=1y=2");
    RequestArgs b;
    b.data_binary = {"@" + bin.string()};
    auto breq = make_request(b, url("http://h/"));
    ASSERT_TRUE(breq);
    EXPECT_EQ(breq->body_file, bin);
    std::string sent = exchange(*breq, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    EXPECT_NE(sent.find(std::string("Content-Length: 4\r\nConnection: close\r\n\r\n\0\r\n\xff", 44)), std::string::npos);
    std::filesystem::remove(text);
    std::filesystem::remove(bin);
}

TEST(HttpFetchArgs, Errors) {
    std::string why;
    RequestArgs a;
    a.data = {"@/nonexistent/ustack"};
    EXPECT_FALSE(make_request(a, url("http://h/"), &why));
    EXPECT_NE(why.find("cannot read"), std::string::npos);
    RequestArgs b;
    b.data_binary = {"@/nonexistent/ustack"};
    EXPECT_FALSE(make_request(b, url("http://h/"), &why));
    RequestArgs c;
    c.headers = {"NoColon"};
    EXPECT_FALSE(make_request(c, url("http://h/"), &why));
    c.headers = {"Bad Name: v"};
    EXPECT_FALSE(make_request(c, url("http://h/"), &why));
    c.headers = {"Content-Length: 3"};
    EXPECT_FALSE(make_request(c, url("http://h/"), &why));
    RequestArgs d;
    d.head = true;
    d.data = {"x"};
    EXPECT_FALSE(make_request(d, url("http://h/"), &why));
    RequestArgs e;
    e.method = "GET X";
    EXPECT_FALSE(make_request(e, url("http://h/"), &why));
}

TEST(HttpFetchArgs, HeadSendsHeadAndOnHeadSeesTheFinalHead) {
    RequestArgs a;
    a.head = true;
    auto req = make_request(a, url("http://h/big"));
    ASSERT_TRUE(req);
    FetchOptions o;
    std::vector<int> heads;
    o.on_head = [&](const FetchResult& r) { heads.push_back(r.status); };
    FetchResult r;
    std::string sent = exchange(*req,
                                "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 Fine\r\nContent-Length: 99\r\nETag: \"e\"\r\n\r\n",
                                o, &r);
    EXPECT_EQ(sent.find("HEAD /big HTTP/1.1\r\n"), 0u);
    EXPECT_TRUE(r.complete);
    EXPECT_EQ(heads, std::vector<int>{200});
    EXPECT_EQ(format_head(r), "HTTP/1.1 200 Fine\r\nContent-Length: 99\r\nETag: \"e\"\r\n\r\n");
}

FetchResult redirect(int status, std::string location) {
    FetchResult r;
    r.status = status;
    if (!location.empty()) r.headers.emplace_back("Location", location);
    return r;
}

TEST(HttpFetchRedirect, NextHopResolvesAndSwitchesMethod) {
    Request req;
    req.method = "POST";
    req.url = url("http://10.0.0.1:8080/a/b");
    req.body = "x=1";
    FetchResult r = redirect(302, "../c?q");
    EXPECT_EQ(next_hop(req, r, 0, 50), RedirectStep::Follow);
    EXPECT_EQ(req.url.text(), "http://10.0.0.1:8080/c?q");
    EXPECT_EQ(req.method, "GET");
    EXPECT_TRUE(req.body.empty());

    Request put;
    put.method = "PUT";
    put.url = url("http://h/x");
    put.body = "data";
    r = redirect(307, "http://10.0.0.9/y");
    EXPECT_EQ(next_hop(put, r, 3, 50), RedirectStep::Follow);
    EXPECT_EQ(put.url.text(), "http://10.0.0.9/y");
    EXPECT_EQ(put.method, "PUT");
    EXPECT_EQ(put.body, "data");

    Request head;
    head.method = "HEAD";
    head.url = url("http://h/x");
    r = redirect(303, "/z");
    EXPECT_EQ(next_hop(head, r, 0, 50), RedirectStep::Follow);
    EXPECT_EQ(head.method, "HEAD");
}

TEST(HttpFetchRedirect, FinalTooManyAndBad) {
    Request req;
    req.url = url("http://h/x");
    FetchResult ok = redirect(200, "/elsewhere");
    EXPECT_EQ(next_hop(req, ok, 0, 50), RedirectStep::Final);
    FetchResult none = redirect(301, "");
    EXPECT_EQ(next_hop(req, none, 0, 50), RedirectStep::Final);
    FetchResult not_modified = redirect(304, "/y");
    EXPECT_EQ(next_hop(req, not_modified, 0, 50), RedirectStep::Final);
    FetchResult many = redirect(301, "/loop");
    EXPECT_EQ(next_hop(req, many, 2, 2), RedirectStep::Failed);
    EXPECT_EQ(many.error, make_error_code(Error::too_many_redirects));
    FetchResult zero = redirect(301, "/loop");
    EXPECT_EQ(next_hop(req, zero, 0, 0), RedirectStep::Failed) << "--max-redirs 0 refuses the first redirect";
    FetchResult unlimited = redirect(301, "/loop");
    EXPECT_EQ(next_hop(req, unlimited, 100000, -1), RedirectStep::Follow);
    FetchResult https = redirect(301, "https://secure/");
    EXPECT_EQ(next_hop(req, https, 0, 50), RedirectStep::Failed);
    EXPECT_EQ(https.error, make_error_code(Error::bad_redirect));
    EXPECT_NE(https.detail.find("https://secure/"), std::string::npos);
}

TEST(HttpFetchProgress, Formatting) {
    EXPECT_EQ(format_bytes(0), "0 B");
    EXPECT_EQ(format_bytes(1023), "1023 B");
    EXPECT_EQ(format_bytes(1536), "1.5 KiB");
    EXPECT_EQ(format_bytes(64ull << 20), "64.0 MiB");
    EXPECT_EQ(format_bytes(3ull << 30), "3.0 GiB");
    EXPECT_EQ(format_duration(7), "0:07");
    EXPECT_EQ(format_duration(754), "12:34");
    EXPECT_EQ(format_duration(3723), "1:02:03");
    EXPECT_EQ(format_duration(-1), "--:--");
    EXPECT_EQ(format_progress(1 << 20, 4 << 20, 2.0), "  1.0 MiB / 4.0 MiB  25%  512.0 KiB/s  0:02 elapsed  0:06 left");
    EXPECT_EQ(format_progress(1 << 20, std::nullopt, 2.0), "  1.0 MiB  512.0 KiB/s  0:02 elapsed");
    EXPECT_EQ(format_progress(0, 100, 0.0), "  0 B / 100 B  0%  0 B/s  0:00 elapsed  --:-- left");
    EXPECT_EQ(format_progress(0, 0, 1.0), "  0 B / 0 B  100%  0 B/s  0:01 elapsed  0:00 left");
}

TEST(HttpFetchProgress, OnlyOnATerminalUnlessForced) {
    EXPECT_TRUE(progress_enabled(true, false, false, false));
    EXPECT_FALSE(progress_enabled(false, false, false, false));
    EXPECT_FALSE(progress_enabled(true, false, false, true)) << "-s";
    EXPECT_TRUE(progress_enabled(false, true, false, false)) << "--progress";
    EXPECT_FALSE(progress_enabled(true, false, true, false)) << "--no-progress";
}

TEST(HttpFetchProgress, MeterPacesRedrawsOnAFakeClock) {
    Instant t0{std::chrono::seconds(1000)};
    ProgressMeter off(false);
    off.start(t0);
    EXPECT_EQ(off.update(10, t0), "");
    EXPECT_EQ(off.finish(10, t0 + 1s), "");

    ProgressMeter m(true, 200ms);
    m.start(t0);
    m.set_total(2048);
    EXPECT_EQ(m.update(0, t0), "\r  0 B / 2.0 KiB  0%  0 B/s  0:00 elapsed  --:-- left");
    EXPECT_EQ(m.update(100, t0 + 100ms), "") << "not due before 200 ms";
    EXPECT_EQ(m.update(1000, t0 + 1s), "\r  1000 B / 2.0 KiB  48%  1000 B/s  0:01 elapsed  0:01 left");
    EXPECT_EQ(m.finish(2048, t0 + 2s), "\r  2.0 KiB / 2.0 KiB  100%  1.0 KiB/s  0:02 elapsed  0:00 left\n");

    m.start(t0);  // a shorter line than the one before is padded with spaces over it
    m.set_total(100000);
    std::string wide = m.update(50000, t0 + 1s);
    m.set_total(std::nullopt);
    std::string narrow = m.update(50000, t0 + 2s);
    const std::string text = "\r  48.8 KiB  24.4 KiB/s  0:02 elapsed";
    ASSERT_GT(wide.size(), text.size());
    EXPECT_EQ(narrow, text + std::string(wide.size() - text.size(), ' '));
}

TEST(HttpFetchVerbose, CurlShapedTraceOverOneConnection) {
    asio::io_context ioc;
    beast::test::stream client(ioc), server(ioc);
    client.connect(server);
    client.read_size(5);
    client.append("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi"
                  "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
    std::vector<std::string> lines;
    FetchOptions o;
    o.trace = [&](std::string_view line, bool outgoing) { lines.push_back(verbose_line(line, outgoing)); };
    ClientSession<beast::test::stream> s(client, o);
    StringSink sink;
    Request a;
    a.url = url("http://h/a");
    Request b;
    b.url = url("http://h/b");
    std::vector<FetchResult> rs;
    asio::co_spawn(
        ioc,
        [&]() -> asio::awaitable<void> {
            rs.push_back(co_await s.request(a, sink, false));
            rs.push_back(co_await s.request(b, sink, true));
        },
        asio::detached);
    ioc.run();
    ASSERT_EQ(rs.size(), 2u);
    EXPECT_TRUE(rs[0].complete && rs[1].complete);
    EXPECT_EQ(sink.data, "hiabc");
    const std::vector<std::string> want = {
        "> GET /a HTTP/1.1", "> Host: h", "> User-Agent: ustack/0.1", "> Accept: */*", "> ",
        "< HTTP/1.1 200 OK", "< Content-Length: 2", "< ",
        "> GET /b HTTP/1.1", "> Host: h", "> User-Agent: ustack/0.1", "> Accept: */*", "> Connection: close", "> ",
        "< HTTP/1.1 200 OK", "< Transfer-Encoding: chunked", "< "};
    EXPECT_EQ(lines, want);
    EXPECT_EQ(info_line("Connected to 10.0.0.1:80"), "* Connected to 10.0.0.1:80");
}

}  // namespace
}  // namespace ustack::http
