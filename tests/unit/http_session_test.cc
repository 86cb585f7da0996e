// Tests for http/session.h over beast::test::stream: request bytes (methods, bodies, extra headers),
// HEAD, several requests on one connection, the header trace, URL resolution and redirects.
#include "http/session.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/_experimental/test/stream.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace ustack::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;

template <class T>
T run(asio::io_context& ioc, asio::awaitable<T> a) {
    std::optional<T> out;
    asio::co_spawn(ioc, std::move(a), [&](std::exception_ptr e, T v) {
        if (e) std::rethrow_exception(e);
        out = std::move(v);
    });
    ioc.restart();
    while (ioc.poll() > 0) {
    }
    EXPECT_TRUE(out.has_value()) << "the client coroutine did not finish";
    return out ? std::move(*out) : T{};
}

Url url(std::string_view s) { return *Url::parse(s); }

TEST(HttpSession, BuildRequest_ExtraHeadersBodyAndPersistence) {
    Request req;
    req.method = "POST";
    req.url = url("http://h:8080/p?q=1");
    req.headers = {{"X-Test", "1"}, {"accept", "text/plain"}};
    EXPECT_EQ(build_request(req, "ua/1", true, 5, true),
              "POST /p?q=1 HTTP/1.1\r\nHost: h:8080\r\nUser-Agent: ua/1\r\nX-Test: 1\r\naccept: text/plain\r\n"
              "Content-Length: 5\r\n\r\n");
    req.method = "HEAD";
    req.headers = {{"Host", "other"}};
    EXPECT_EQ(build_request(req, "ua/1", false, 0, false),
              "HEAD /p?q=1 HTTP/1.1\r\nUser-Agent: ua/1\r\nAccept: */*\r\nHost: other\r\nConnection: close\r\n\r\n");
}

TEST(HttpSession, UrlResolve_References) {
    Url base = url("http://h:81/a/b/c?x=1");
    struct Case { const char* ref; const char* want; };
    const Case cases[] = {
        {"d", "http://h:81/a/b/d"},
        {"../d?y", "http://h:81/a/d?y"},
        {"./", "http://h:81/a/b/"},
        {"..", "http://h:81/a/"},
        {"/top", "http://h:81/top"},
        {"/x/../../y", "http://h:81/y"},
        {"?z=2", "http://h:81/a/b/c?z=2"},
        {"//other/p", "http://other/p"},
        {"HTTP://Other:90/q#frag", "http://Other:90/q"},
        {"", "http://h:81/a/b/c?x=1"},
    };
    for (const Case& c : cases) {
        auto u = base.resolve(c.ref);
        ASSERT_TRUE(u) << c.ref;
        EXPECT_EQ(u->text(), c.want) << c.ref;
    }
    std::string why;
    EXPECT_FALSE(base.resolve("https://secure/", &why));
    EXPECT_FALSE(why.empty());
    EXPECT_FALSE(base.resolve("/a b"));
}

struct Pair {
    explicit Pair(asio::io_context& ioc) : client(ioc), server(ioc) { client.connect(server); }
    beast::test::stream client, server;
};

TEST(HttpSession, PostFromMemoryAndFile_HeadWithoutBody) {
    asio::io_context ioc;
    Pair p(ioc);
    p.client.append("HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok"
                    "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
                    "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"
                    "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nend");
    auto file = std::filesystem::temp_directory_path() / ("ustack-session-" + std::to_string(::getpid()));
    std::ofstream(file, std::ios::binary) << "from file";
    ClientSession<beast::test::stream> s(p.client, FetchOptions{});
    StringSink sink;
    Request post;
    post.method = "POST";
    post.url = url("http://h/up");
    post.body = "a=1&b=2";
    auto r1 = run(ioc, s.request(post, sink, false));
    Request put = post;
    put.method = "PUT";
    put.body.clear();
    put.body_file = file;
    auto r2 = run(ioc, s.request(put, sink, false));
    Request head;
    head.method = "HEAD";
    head.url = url("http://h/big");
    auto r3 = run(ioc, s.request(head, sink, false));
    Request get;
    get.url = url("http://h/end");
    auto r4 = run(ioc, s.request(get, sink, true));
    std::filesystem::remove(file);
    EXPECT_EQ(r1.status, 201);
    EXPECT_TRUE(r1.complete);
    EXPECT_EQ(r2.status, 200);
    EXPECT_TRUE(r3.complete) << "HEAD: Content-Length 100 but no body";
    EXPECT_EQ(r3.body_bytes, 0u);
    EXPECT_EQ(r4.status, 200);
    EXPECT_EQ(sink.data, "okend");
    std::string sent = p.server.str();
    EXPECT_NE(sent.find("POST /up HTTP/1.1\r\n"), std::string::npos);
    EXPECT_NE(sent.find("Content-Length: 7\r\n\r\na=1&b=2PUT /up HTTP/1.1\r\n"), std::string::npos) << sent;
    EXPECT_NE(sent.find("Content-Length: 9\r\n\r\nfrom fileHEAD /big"), std::string::npos) << sent;
    EXPECT_EQ(sent.find("Connection: close"), sent.rfind("Connection: close")) << "only the last request closes";
    EXPECT_NE(sent.find("GET /end HTTP/1.1\r\nHost: h\r\nUser-Agent: ustack/0.1\r\nAccept: */*\r\nConnection: close"),
              std::string::npos);
}

TEST(HttpSession, BadExtraHeaderOrMissingFile_Refused) {
    asio::io_context ioc;
    Pair p(ioc);
    ClientSession<beast::test::stream> s(p.client, FetchOptions{});
    NullSink sink;
    Request req;
    req.url = url("http://h/");
    req.headers = {{"X", "a\r\nInjected: 1"}};
    EXPECT_EQ(run(ioc, s.request(req, sink, true)).error, make_error_code(Error::bad_header));
    req.headers = {};
    req.body_file = "/nonexistent/ustack/file";
    EXPECT_EQ(run(ioc, s.request(req, sink, true)).error, make_error_code(Error::body_source));
    EXPECT_TRUE(p.server.str().empty());
}

TEST(HttpSession, FetchMany_OneConnection_TraceAndEarlyClose) {
    asio::io_context ioc;
    Pair p(ioc);
    p.client.read_size(7);  // heads and bodies split across reads
    // Responses straddle reads: bytes of the next response read with this one must not be lost.
    p.client.append("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nA"
                    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nB\r\n0\r\n\r\n"
                    "HTTP/1.1 404 Not Found\r\nContent-Length: 1\r\nConnection: close\r\n\r\nC");
    std::vector<std::pair<std::string, bool>> lines;
    FetchOptions o;
    o.trace = [&](std::string_view line, bool out) { lines.emplace_back(std::string(line), out); };
    StringSink sink;
    auto results = run(ioc, fetch_many(p.client, url("http://h/"), {"/a", "/b", "/c", "/d"}, sink, o));
    ASSERT_EQ(results.size(), 4u);
    EXPECT_EQ(results[0].status, 200);
    EXPECT_EQ(results[1].status, 200);
    EXPECT_EQ(results[2].status, 404);
    EXPECT_EQ(results[3].error, make_error_code(Error::connection_closed));
    EXPECT_EQ(sink.data, "ABC");
    std::string sent = p.server.str();
    EXPECT_NE(sent.find("GET /c HTTP/1.1"), std::string::npos);
    EXPECT_EQ(sent.find("GET /d"), std::string::npos);
    ASSERT_GE(lines.size(), 6u);
    EXPECT_EQ(lines[0], std::make_pair(std::string("GET /a HTTP/1.1"), true));
    EXPECT_EQ(lines[1], std::make_pair(std::string("Host: h"), true));
    auto status = std::find(lines.begin(), lines.end(), std::make_pair(std::string("HTTP/1.1 200 OK"), false));
    ASSERT_NE(status, lines.end());
    EXPECT_EQ(*(status + 1), std::make_pair(std::string("Content-Length: 1"), false));
    EXPECT_EQ(*(status + 2), std::make_pair(std::string(""), false));
}

TEST(HttpSession, FetchTracesInterimAndFinalHeads_SmallReads) {
    asio::io_context ioc;
    Pair p(ioc);
    p.client.read_size(3);
    p.client.append("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi");
    std::vector<std::string> lines;
    FetchOptions o;
    o.trace = [&](std::string_view line, bool out) { lines.push_back((out ? "> " : "< ") + std::string(line)); };
    StringSink sink;
    FetchResult r = run(ioc, fetch(p.client, url("http://h/f"), sink, o));
    EXPECT_TRUE(r.complete);
    EXPECT_EQ(sink.data, "hi");
    const std::vector<std::string> want = {"> GET /f HTTP/1.1", "> Host: h", "> User-Agent: ustack/0.1", "> Accept: */*",
                                           "> Connection: close", "> ", "< HTTP/1.1 100 Continue", "< ",
                                           "< HTTP/1.1 200 OK", "< Content-Length: 2", "< "};
    EXPECT_EQ(lines, want);
}

// A fake network: each connect opens a new stream pair whose response is chosen by the URL.
struct FakeNet {
    explicit FakeNet(asio::io_context& c) : ioc(c) {}
    asio::io_context& ioc;
    std::map<std::string, std::string> responses;  // Url::text() -> response bytes
    std::vector<std::unique_ptr<Pair>> pairs;
    std::vector<std::string> connected;
    auto connector() {
        return [this](Url u) -> asio::awaitable<beast::test::stream*> {
            connected.push_back(u.text());
            auto it = responses.find(u.text());
            if (it == responses.end()) co_return nullptr;
            pairs.push_back(std::make_unique<Pair>(ioc));
            pairs.back()->client.append(it->second);
            co_return &pairs.back()->client;
        };
    }
};

TEST(HttpSession, Redirects_FollowedRelativeAndAbsolute_BodiesDiscarded) {
    asio::io_context ioc;
    FakeNet net(ioc);
    net.responses["http://h/a/start"] = "HTTP/1.1 302 Found\r\nLocation: next?x=1\r\nContent-Length: 5\r\n\r\nfirst";
    net.responses["http://h/a/next?x=1"] = "HTTP/1.1 301 Moved\r\nlocation: http://o:81/end\r\nContent-Length: 3\r\n\r\nsec";
    net.responses["http://o:81/end"] = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfinal";
    Request req;
    req.url = url("http://h/a/start");
    StringSink sink;
    FetchResult r = run(ioc, fetch_following(net.connector(), req, sink, FetchOptions{}));
    EXPECT_FALSE(r.error) << r.error.message() << " " << r.detail;
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(sink.data, "final");
    EXPECT_EQ(net.connected, (std::vector<std::string>{"http://h/a/start", "http://h/a/next?x=1", "http://o:81/end"}));
    EXPECT_NE(net.pairs[2]->server.str().find("Host: o:81\r\n"), std::string::npos);
}

TEST(HttpSession, Redirects_LimitAndBadLocation_AndPostBecomesGetOn303) {
    asio::io_context ioc;
    FakeNet net(ioc);
    net.responses["http://h/loop"] = "HTTP/1.1 307 Again\r\nLocation: /loop\r\nContent-Length: 0\r\n\r\n";
    net.responses["http://h/tls"] = "HTTP/1.1 302 Found\r\nLocation: https://h/\r\nContent-Length: 0\r\n\r\n";
    net.responses["http://h/form"] = "HTTP/1.1 303 See Other\r\nLocation: /done\r\nContent-Length: 0\r\n\r\n";
    net.responses["http://h/done"] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    FetchOptions o;
    o.max_redirects = 3;
    Request req;
    req.url = url("http://h/loop");
    NullSink null;
    FetchResult r = run(ioc, fetch_following(net.connector(), req, null, o));
    EXPECT_EQ(r.error, make_error_code(Error::too_many_redirects));
    EXPECT_EQ(net.connected.size(), 4u);  // the request and three redirects
    req.url = url("http://h/tls");
    EXPECT_EQ(run(ioc, fetch_following(net.connector(), req, null, o)).error, make_error_code(Error::bad_redirect));
    req.url = url("http://h/form");
    req.method = "POST";
    req.body = "k=v";
    StringSink sink;
    r = run(ioc, fetch_following(net.connector(), req, sink, o));
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(sink.data, "ok");
    std::string last = net.pairs.back()->server.str();
    EXPECT_EQ(last.rfind("GET /done HTTP/1.1\r\n", 0), 0u) << last;
    EXPECT_EQ(last.find("k=v"), std::string::npos);
    req.url = url("http://h/missing");
    EXPECT_EQ(run(ioc, fetch_following(net.connector(), req, sink, o)).error, make_error_code(Error::connection_closed));
}

}  // namespace
}  // namespace ustack::http
