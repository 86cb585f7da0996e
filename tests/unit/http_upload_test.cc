// Tests for PUT/POST into the upload directory (http/upload.h through the server): 201/204, chunked
// bodies, 405 without upload_dir, 411, 413, path escapes, and no temporary file left behind.
#include "tests/unit/http_server_fixture.h"

namespace ustack::http {
namespace {

class HttpUpload : public HttpServer {
protected:
    void SetUp() override {
        HttpServer::SetUp();
        up_ = root_ / "upload";
        fs::create_directories(up_ / "deeper");
        config_.upload_dir = up_;
    }
    static std::string read(const fs::path& p) {
        std::ifstream in(p, std::ios::binary);
        return std::string(std::istreambuf_iterator<char>(in), {});
    }
    // Names in the upload tree that are neither "deeper" nor listed in `keep`.
    size_t temp_files() const {
        size_t n = 0;
        for (auto& e : fs::recursive_directory_iterator(up_))
            if (e.path().filename().string().rfind(".upload-", 0) == 0) ++n;
        return n;
    }
    fs::path up_;
};

std::string put(std::string_view method, std::string_view target, std::string_view body) {
    return std::string(method) + " " + std::string(target) + " HTTP/1.1\r\nHost: x\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + std::string(body);
}

TEST_F(HttpUpload, Put_Creates201_Replaces204_ThenServed) {
    auto r = parse_replies(serve(put("PUT", "/upload/new%20file.txt", "hello") +
                                 put("PUT", "/upload/new%20file.txt", "second body") +
                                 put("POST", "/upload/deeper/p.bin", "xyz") + "GET /upload/new%20file.txt HTTP/1.1\r\nHost: x\r\n\r\n"));
    ASSERT_EQ(r.size(), 4u);
    EXPECT_EQ(r[0].status, 201);
    EXPECT_EQ(r[0].fields["location"], "/upload/new%20file.txt");
    EXPECT_EQ(r[1].status, 204);
    EXPECT_EQ(r[2].status, 201);
    EXPECT_EQ(r[3].body, "second body");
    EXPECT_EQ(read(up_ / "new file.txt"), "second body");
    EXPECT_EQ(read(up_ / "deeper" / "p.bin"), "xyz");
    EXPECT_EQ(temp_files(), 0u);
    EXPECT_FALSE(ended_by_server_);
}

TEST_F(HttpUpload, Post_ChunkedBodyStored) {
    auto r = parse_replies(serve("POST /upload/c.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                                 "3\r\nabc\r\n4;ext=1\r\ndefg\r\n0\r\n\r\n"));
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].status, 201);
    EXPECT_EQ(read(up_ / "c.txt"), "abcdefg");
}

TEST_F(HttpUpload, Disabled_405WithAllowWithoutPut) {
    config_.upload_dir.clear();
    auto r = parse_replies(serve(put("PUT", "/upload/x.txt", "abc") + "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n"));
    ASSERT_EQ(r.size(), 2u);
    EXPECT_EQ(r[0].status, 405);
    EXPECT_EQ(r[0].fields["allow"], "GET, HEAD, OPTIONS");
    EXPECT_FALSE(fs::exists(up_ / "x.txt"));
    EXPECT_EQ(r[1].fields["allow"], "GET, HEAD, OPTIONS");
    config_.upload_dir = up_;
    r = parse_replies(serve("OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n"));
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].fields["allow"], "GET, HEAD, OPTIONS, PUT, POST");
}

TEST_F(HttpUpload, NoLength_411AndClose) {
    std::string out = serve("PUT /upload/x.txt HTTP/1.1\r\nHost: x\r\n\r\nGET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n");
    auto r = parse_replies(out);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].status, 411);
    EXPECT_EQ(r[0].fields["connection"], "close");
    EXPECT_TRUE(ended_by_server_);
    EXPECT_FALSE(fs::exists(up_ / "x.txt"));
    EXPECT_EQ(temp_files(), 0u);
}

TEST_F(HttpUpload, TooLarge_413AndClose_NothingStored) {
    config_.max_body = 10;
    for (const std::string& req :
         {put("PUT", "/upload/big.txt", "0123456789A"),
          std::string("PUT /upload/big.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                      "8\r\n01234567\r\n8\r\n89ABCDEF\r\n0\r\n\r\n")}) {
        auto r = parse_replies(serve(req));
        ASSERT_EQ(r.size(), 1u);
        EXPECT_EQ(r[0].status, 413);
        EXPECT_TRUE(ended_by_server_);
        EXPECT_FALSE(fs::exists(up_ / "big.txt"));
        EXPECT_EQ(temp_files(), 0u);
    }
}

TEST_F(HttpUpload, TruncatedBody_NothingStored) {
    serve("PUT /upload/t.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc", true);
    EXPECT_TRUE(ended_by_server_);
    EXPECT_FALSE(fs::exists(up_ / "t.txt"));
    EXPECT_EQ(temp_files(), 0u);
}

TEST_F(HttpUpload, PathEscapes_Refused) {
    fs::create_symlink(base_, up_ / "out");
    struct Case { const char* target; int status; };
    const Case cases[] = {
        {"/upload/../a.txt", 405},          // normalizes to /a.txt: outside the upload space
        {"/upload/%2e%2e/evil.txt", 405},
        {"/upload/../../evil.txt", 400},    // climbs above "/"
        {"/upload/out/evil.txt", 404},      // symlinked parent outside the upload directory
        {"/upload/nodir/evil.txt", 404},
        {"/upload/", 405},
        {"/upload/deeper", 405},            // an existing directory
        {"/evil.txt", 405},
        {"/upload/a%00b", 400},
    };
    for (const Case& c : cases) {
        auto r = parse_replies(serve(put("PUT", c.target, "evil")));
        ASSERT_EQ(r.size(), 1u) << c.target;
        EXPECT_EQ(r[0].status, c.status) << c.target;
    }
    EXPECT_FALSE(fs::exists(base_ / "evil.txt"));
    EXPECT_FALSE(fs::exists(root_ / "evil.txt"));
    EXPECT_EQ(read(root_ / "a.txt"), "hello file\n");
    EXPECT_EQ(temp_files(), 0u);
}

}  // namespace
}  // namespace ustack::http
