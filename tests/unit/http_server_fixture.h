// Shared fixture for the http server tests: a document root in a temp directory, a server coroutine on a
// beast::test::stream pair, and a parser for what the server wrote.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/_experimental/test/stream.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "http/parser.h"
#include "http/server.h"

namespace ustack::http {
inline namespace test_fixture {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace fs = std::filesystem;

struct Reply {
    int status = 0;
    std::map<std::string, std::string> fields;  // lower-case names
    std::string body;
};

// Parses the server's output into responses; `head` flags which requests were HEAD.
inline std::vector<Reply> parse_replies(std::string_view out, std::vector<bool> head = {}) {
    std::vector<Reply> replies;
    ResponseParser p;
    while (!out.empty()) {
        p.reset();
        p.set_head_request(replies.size() < head.size() && head[replies.size()]);
        Reply r;
        while (p.state() != ParseState::Done && p.state() != ParseState::Error) {
            size_t n = p.put(out);
            if (p.state() == ParseState::BodyChunk) r.body += p.body_chunk();
            out.remove_prefix(n);
            if (p.state() == ParseState::NeedMore) break;
        }
        EXPECT_EQ(p.state(), ParseState::Done) << "unparseable server output: " << p.error_reason();
        if (p.state() != ParseState::Done) break;
        r.status = p.status();
        for (const Field& f : p.fields()) {
            std::string name(f.name);
            for (char& c : name) c = char(std::tolower(static_cast<unsigned char>(c)));
            r.fields[name] = std::string(f.value);
        }
        replies.push_back(r);
    }
    return replies;
}

// `s` matches `shape` where '0' is any digit and 'A'/'a' any upper/lower-case letter.
inline bool looks_like(std::string_view s, std::string_view shape) {
    if (s.size() != shape.size()) return false;
    for (size_t i = 0; i < s.size(); ++i) {
        char c = s[i], k = shape[i];
        if (k == '0' ? !std::isdigit(static_cast<unsigned char>(c))
            : k == 'A' ? !std::isupper(static_cast<unsigned char>(c))
            : k == 'a' ? !std::islower(static_cast<unsigned char>(c))
                       : c != k)
            return false;
    }
    return true;
}

class HttpServer : public ::testing::Test {
protected:
    void SetUp() override {
        base_ = fs::temp_directory_path() /
                ("ustack-http-" + std::to_string(::getpid()) + "-" +
                 ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(base_);
        root_ = base_ / "www";
        fs::create_directories(root_ / "sub");
        fs::create_directories(root_ / "empty");
        write(root_ / "index.html", "<h1>home</h1>\n");
        write(root_ / "a.txt", "hello file\n");
        write(root_ / "sub" / "index.html", "sub index\n");
        write(root_ / "img.PNG", "\x89PNG");
        write(base_ / "secret.txt", "top secret\n");
        fs::create_symlink(base_ / "secret.txt", root_ / "escape.txt");
        fs::create_symlink(base_, root_ / "up");
        fs::create_symlink(root_ / "a.txt", root_ / "alias.txt");
        fs::create_directories(root_ / "ldir");
        fs::create_symlink(base_ / "secret.txt", root_ / "ldir" / "index.html");
        config_.root = root_;
        // beast::test::stream cannot half-close, so a lingering server would wait for the test to close
        // the client side; the linger tests (http_linger_test.cc) turn it back on.
        config_.linger_timeout = std::chrono::milliseconds(0);
    }
    void TearDown() override { fs::remove_all(base_); }

    static void write(const fs::path& p, const std::string& s) { std::ofstream(p, std::ios::binary) << s; }

    // Runs the server on a fresh stream pair with `input` already sent by the client. The client never
    // closes unless close_client: `finished` then proves the server ended the connection by itself.
    std::string serve(const std::string& input, bool close_client = false, beast::test::fail_count* fc = nullptr) {
        beast::test::stream server = fc ? beast::test::stream(ioc_, *fc) : beast::test::stream(ioc_);
        beast::test::stream client(ioc_);
        server.connect(client);
        server.append(input);
        if (close_client) server.close_remote();
        finished_ = false;
        asio::co_spawn(ioc_, serve_connection(server, config_, &log_), [&](std::exception_ptr e) {
            finished_ = true;
            if (e) std::rethrow_exception(e);
        });
        ioc_.restart();
        while (ioc_.poll() > 0) {
        }
        std::string out = client.str();
        ended_by_server_ = finished_;
        if (!finished_) {  // let the coroutine end before the streams go away
            server.close_remote();
            ioc_.restart();
            while (ioc_.poll() > 0) {
            }
        }
        return out;
    }

    // Starts the server on `server` (already connected) with nothing forced; returns at once.
    void start(beast::test::stream& server) {
        finished_ = false;
        asio::co_spawn(ioc_, serve_connection(server, config_, &log_), [&](std::exception_ptr e) {
            finished_ = true;
            if (e) std::rethrow_exception(e);
        });
    }
    // Runs the io_context in real time until the server ends or `limit` passes, calling `tick` about
    // every 10 ms; returns the time taken. (No virtual clock here: keep limits short.)
    std::chrono::milliseconds run_real(std::chrono::milliseconds limit, const std::function<void()>& tick = {}) {
        auto t0 = std::chrono::steady_clock::now();
        ioc_.restart();
        while (!finished_ && std::chrono::steady_clock::now() - t0 < limit) {
            ioc_.run_one_for(std::chrono::milliseconds(10));
            if (tick) tick();
        }
        while (ioc_.poll() > 0) {
        }
        return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
    }

    asio::io_context ioc_;
    fs::path base_, root_;
    ServerConfig config_;
    std::ostringstream log_stream_;
    AccessLog log_{log_stream_};
    bool finished_ = false;
    bool ended_by_server_ = false;  // the coroutine ended before the test closed the client side
};

}  // namespace test_fixture
}  // namespace ustack::http
