// Tests for the directory index page, the trailing-slash 301 and OPTIONS (http/dir_index.h, server).
#include "http/dir_index.h"

#include "tests/unit/http_server_fixture.h"

namespace ustack::http {
namespace {

TEST(HttpDirIndex, EscapingHelpers) {
    EXPECT_EQ(html_escape("a&b<c>\"d'"), "a&amp;b&lt;c&gt;&quot;d&#39;");
    EXPECT_EQ(percent_encode_segment("a b%/?#\xC3\xA9~-._Z9"), "a%20b%25%2F%3F%23%C3%A9~-._Z9");
    EXPECT_EQ(slash_location("/sub"), "/sub/");
    EXPECT_EQ(slash_location("/sub?x=1#f"), "/sub/?x=1");
    EXPECT_EQ(slash_location("http://h:8/d%20x"), "/d%20x/");
}

TEST_F(HttpServer, DirIndex_ListsEscapedNamesWithEncodedLinks) {
    write(root_ / "empty" / "a&b <x>.txt", "1");
    write(root_ / "empty" / "50% \"q\"?.txt", "2");
    fs::create_directories(root_ / "empty" / "child dir");
    fs::create_symlink(base_ / "secret.txt", root_ / "empty" / "outside.txt");
    auto r = parse_replies(serve("GET /empty/?sort=x HTTP/1.1\r\nHost: x\r\n\r\n"));
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].status, 200);
    EXPECT_EQ(r[0].fields["content-type"], "text/html; charset=utf-8");
    const std::string& page = r[0].body;
    EXPECT_NE(page.find("<title>Index of /empty/</title>"), std::string::npos) << page;
    EXPECT_NE(page.find("<a href=\"a%26b%20%3Cx%3E.txt\">a&amp;b &lt;x&gt;.txt</a>"), std::string::npos) << page;
    EXPECT_NE(page.find("<a href=\"50%25%20%22q%22%3F.txt\">50% &quot;q&quot;?.txt</a>"), std::string::npos) << page;
    EXPECT_NE(page.find("<a href=\"child%20dir/\">child dir/</a>"), std::string::npos) << page;
    EXPECT_NE(page.find("<a href=\"../\">"), std::string::npos);
    EXPECT_EQ(page.find("outside"), std::string::npos) << "links out of the root are not listed";
    EXPECT_EQ(page.find("<x>"), std::string::npos);
    EXPECT_LT(page.find("50%"), page.find("a&amp;b")) << "sorted by name";
}

TEST_F(HttpServer, DirIndex_RootListingHasNoParentLink_HeadHasNoBody) {
    fs::remove(root_ / "index.html");
    std::string out = serve("GET / HTTP/1.1\r\nHost: x\r\n\r\nHEAD / HTTP/1.1\r\nHost: x\r\n\r\n");
    auto r = parse_replies(out, {false, true});
    ASSERT_EQ(r.size(), 2u);
    EXPECT_NE(r[0].body.find("<a href=\"a.txt\">a.txt</a>"), std::string::npos) << r[0].body;
    EXPECT_NE(r[0].body.find("<a href=\"sub/\">sub/</a>"), std::string::npos);
    EXPECT_EQ(r[0].body.find("../"), std::string::npos);
    EXPECT_EQ(r[1].fields["content-length"], std::to_string(r[0].body.size()));
    EXPECT_TRUE(r[1].body.empty());
}

TEST_F(HttpServer, Directory_WithoutSlash_301ToSlashForm) {
    auto r = parse_replies(serve("GET /sub HTTP/1.1\r\nHost: x\r\n\r\nGET /empty?a=b HTTP/1.1\r\nHost: x\r\n\r\n"
                                 "GET /sub/ HTTP/1.1\r\nHost: x\r\n\r\n"));
    ASSERT_EQ(r.size(), 3u);
    EXPECT_EQ(r[0].status, 301);
    EXPECT_EQ(r[0].fields["location"], "/sub/");
    EXPECT_EQ(r[1].status, 301);
    EXPECT_EQ(r[1].fields["location"], "/empty/?a=b");
    EXPECT_EQ(r[2].status, 200);
    EXPECT_FALSE(ended_by_server_);
}

TEST_F(HttpServer, Options_204WithAllow) {
    auto r = parse_replies(serve("OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\nOPTIONS /a.txt HTTP/1.1\r\nHost: x\r\n\r\n"));
    ASSERT_EQ(r.size(), 2u);
    for (const Reply& x : r) {
        EXPECT_EQ(x.status, 204);
        EXPECT_EQ(x.fields.at("allow"), "GET, HEAD, OPTIONS");
        EXPECT_EQ(x.fields.count("content-length"), 0u);
    }
}

}  // namespace
}  // namespace ustack::http
