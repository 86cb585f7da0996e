// Unit tests for the script runner: correct scripts pass, and every kind of
// wrong expectation (packet field, timing, extra or missing packet, return
// value, blocking end time) fails at the right line with a readable message.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tools/script/script.h"

namespace ustack::script {
namespace {

const char* kListen =
    "0    socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n"   // line 1
    "+0   bind(3, ..., ...) = 0\n"                        // line 2
    "+0   listen(3, 1) = 0\n"                             // line 3
    "+0   < S 0:0(0) win 65535 <mss 1460>\n";            // line 4

ScriptResult run(const std::string& text) { return run_script_text(text, "t.pkt", ScriptOptions{}); }

void expect_failure(const std::string& text, const std::string& where, const std::string& what) {
    ScriptResult r = run(text);
    EXPECT_FALSE(r.passed) << text;
    EXPECT_NE(r.message.find(where), std::string::npos) << r.message;
    EXPECT_NE(r.message.find(what), std::string::npos) << r.message;
}

TEST(ScriptRunner, HandshakePasses) {
    ScriptResult r = run(std::string(kListen) +
                         "+0   > S. 0:0(0) ack 1 <mss 1460>\n"
                         "+.1  < . 1:1(0) ack 1 win 65535\n"
                         "+0   accept(3, ..., ...) = 4\n");
    EXPECT_TRUE(r.passed) << r.message;
}

TEST(ScriptRunner, WrongAckFailsWithBothPackets) {
    expect_failure(std::string(kListen) + "+0   > S. 0:0(0) ack 2 <...>\n", "t.pkt:5:", "ack: expected 2, actual 1");
    expect_failure(std::string(kListen) + "+0   > S. 0:0(0) ack 2 <...>\n", "script: > S. 0:0(0) ack 2 <...>",
                   "actual: > S. 0:0(0) ack 1 win");
}

TEST(ScriptRunner, WrongFlagsSeqWindowAndOptionsFail) {
    expect_failure(std::string(kListen) + "+0 > S 0:0(0) <...>\n", "t.pkt:5:", "flags: expected S, actual S.");
    expect_failure(std::string(kListen) + "+0 > S. 5:5(0) ack 1 <...>\n", "t.pkt:5:", "seq: expected 5, actual 0");
    expect_failure(std::string(kListen) + "+0 > S. 0:0(0) ack 1 win 1 <...>\n", "t.pkt:5:", "win: expected 1");
    expect_failure(std::string(kListen) + "+0 > S. 0:0(0) ack 1 <mss 1000>\n", "t.pkt:5:",
                   "options: expected <mss 1000>, actual <mss 1460");
}

TEST(ScriptRunner, PacketAtTheWrongTimeFails) {
    // The SYN,ACK goes out at 0, the script wants it at 0.1.
    expect_failure(std::string(kListen) + "+.1 > S. 0:0(0) ack 1 <...>\n", "t.pkt:5:", "timing error");
    // Within the tolerance is fine.
    EXPECT_TRUE(run(std::string(kListen) + "+.003 > S. 0:0(0) ack 1 <...>\n").passed);
    // Retransmission at 1 s, not at 2 s.
    expect_failure(std::string(kListen) + "+0 > S. 0:0(0) ack 1 <...>\n+2 > S. 0:0(0) ack 1 <...>\n", "t.pkt:6:",
                   "sent at 1.000000");
    // A range and * accept it.
    EXPECT_TRUE(run(std::string(kListen) + "+0 > S. 0:0(0) ack 1 <...>\n+.5~+1.5 > S. 0:0(0) ack 1 <...>\n").passed);
    EXPECT_TRUE(run(std::string(kListen) + "+0 > S. 0:0(0) ack 1 <...>\n* > S. 0:0(0) ack 1 <...>\n").passed);
}

TEST(ScriptRunner, UnexpectedAndMissingPacketsFail) {
    // The script ignores the SYN,ACK ustack sends.
    expect_failure(kListen, "t.pkt:4:", "does not expect");
    // The script expects a packet ustack never sends.
    expect_failure(std::string(kListen) + "+0 > S. 0:0(0) ack 1 <...>\n+.1 < . 1:1(0) ack 1 win 65535\n"
                                          "+0 > . 1:1(0) ack 1\n",
                   "t.pkt:7:", "was not sent");
}

TEST(ScriptRunner, ReturnValuesAndErrnoAreChecked) {
    std::string est = std::string(kListen) + "+0 > S. 0:0(0) ack 1 <...>\n+.1 < . 1:1(0) ack 1 win 65535\n";
    expect_failure(est + "+0 accept(3, ..., ...) = 5\n", "t.pkt:7:", "accept() returned 4; the script expects 5");
    expect_failure(est + "+0 accept(3, ..., ...) = 4\n+0 fcntl(4, F_SETFL, O_RDWR|O_NONBLOCK) = 0\n"
                         "+0 read(4, ..., 10) = -1 ECONNRESET\n",
                   "t.pkt:9:", "returned -1 EAGAIN; the script expects -1 ECONNRESET");
    EXPECT_TRUE(run(est + "+0 accept(3, ..., ...) = 4\n+0 fcntl(4, F_SETFL, O_RDWR|O_NONBLOCK) = 0\n"
                          "+0 read(4, ..., 10) = -1 EWOULDBLOCK\n")
                    .passed);
}

TEST(ScriptRunner, BlockingCallEndTimeIsChecked) {
    std::string prefix = "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 bind(3, ..., ...) = 0\n+0 listen(3, 1) = 0\n";
    std::string handshake = "+.1 < S 0:0(0) win 65535 <mss 1460>\n+0 > S. 0:0(0) ack 1 <...>\n+.1 < . 1:1(0) ack 1 win 65535\n";
    EXPECT_TRUE(run(prefix + "+0...0.2 accept(3, ..., ...) = 4\n" + handshake).passed);
    expect_failure(prefix + "+0...0.5 accept(3, ..., ...) = 4\n" + handshake, "t.pkt:4:", "expects it to block until");
    expect_failure(prefix + "+0...0.1 accept(3, ..., ...) = 4\n" + handshake, "t.pkt:4:", "still blocked");
    // Without ...END a call that blocks is an error.
    expect_failure(prefix + "+0 accept(3, ..., ...) = 4\n" + handshake, "t.pkt:4:", "expects it to return at once");
}

TEST(ScriptRunner, SynCookiesOptionFromTheHeaderOrTheCommandLine) {
    // With cookies for every SYN the SYN-ACK carries the MSS only, although the SYN offered SACK.
    const std::string body = "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 bind(3, ..., ...) = 0\n"
                             "+0 listen(3, 1) = 0\n+0 < S 0:0(0) win 65535 <mss 1460,nop,nop,sackOK>\n"
                             "+0 > S. 0:0(0) ack 1 <mss 1460>\n";
    EXPECT_TRUE(run("--syn_cookies=2\n" + body).passed);
    expect_failure("--syn_cookies=1\n" + body, "t.pkt:6:", "actual <mss 1460,nop,nop,sackOK>");
    ScriptOptions always;
    always.syn_cookies = 2;
    EXPECT_TRUE(run_script_text(body, "t.pkt", always).passed);
    expect_failure("--syn_cookies=3\n" + body, "t.pkt:1:", "--syn_cookies must be 0, 1 or 2");
}

TEST(ScriptRunner, UnsupportedThingsAreErrors) {
    expect_failure("--no_such_option=1\n0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n", "t.pkt:1:", "not supported");
    // TCP_QUICKACK (12): not implemented (TCP_CORK, 3, is: tests/scripts/push-cork.pkt).
    expect_failure("0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 setsockopt(3, SOL_TCP, 12, [1], 4) = 0\n",
                   "t.pkt:2:", "unsupported by ustack");
    expect_failure("0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 epoll_create(1) = 4\n", "t.pkt:2:", "not supported");
    expect_failure("0 < S 0:0(0) win 100 <mss 1000,nop>\n", "t.pkt:1:", "multiple of 4");
}

TEST(ScriptRunner, KeepAliveAndUserTimeoutOptionsRoundTrip) {
    const std::string sock = "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n";
    EXPECT_TRUE(run(sock + "+0 getsockopt(3, SOL_SOCKET, SO_KEEPALIVE, [0], [4]) = 0\n"
                           "+0 getsockopt(3, SOL_TCP, TCP_KEEPIDLE, [7200], [4]) = 0\n"
                           "+0 getsockopt(3, SOL_TCP, TCP_KEEPINTVL, [75], [4]) = 0\n"
                           "+0 getsockopt(3, SOL_TCP, TCP_KEEPCNT, [9], [4]) = 0\n"
                           "+0 setsockopt(3, SOL_SOCKET, SO_KEEPALIVE, [1], 4) = 0\n"
                           "+0 setsockopt(3, SOL_TCP, TCP_KEEPIDLE, [30], 4) = 0\n"
                           "+0 setsockopt(3, SOL_TCP, TCP_USER_TIMEOUT, [2500], 4) = 0\n"
                           "+0 getsockopt(3, SOL_SOCKET, SO_KEEPALIVE, [1], [4]) = 0\n"
                           "+0 getsockopt(3, SOL_TCP, TCP_KEEPIDLE, [30], [4]) = 0\n"
                           "+0 getsockopt(3, SOL_TCP, TCP_USER_TIMEOUT, [2500], [4]) = 0\n")
                    .passed);
    // Linux's ranges: TCP_KEEPIDLE 1..32767, TCP_KEEPCNT 1..127.
    EXPECT_TRUE(run(sock + "+0 setsockopt(3, SOL_TCP, TCP_KEEPIDLE, [0], 4) = -1 EINVAL\n"
                           "+0 setsockopt(3, SOL_TCP, TCP_KEEPCNT, [128], 4) = -1 EINVAL\n")
                    .passed);
    expect_failure(sock + "+0 getsockopt(3, SOL_TCP, TCP_KEEPIDLE, [60], [4]) = 0\n", "t.pkt:2:", "gave 7200");
}

TEST(ScriptRunner, FailureWritesPcapOfTheRun) {
    auto dir = std::filesystem::temp_directory_path() / "ustack-script-test-pcap";
    std::filesystem::remove_all(dir);
    ScriptOptions o;
    o.pcap_dir = dir.string();
    ScriptResult r = run_script_text(std::string(kListen) + "+0 > S. 0:0(0) ack 9 <...>\n", "x/hs.pkt", o);
    ASSERT_FALSE(r.passed);
    ASSERT_EQ(r.pcap_path, (dir / "hs.pcap").string());
    std::ifstream f(r.pcap_path, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    // 24-byte header + two records (SYN in, SYN,ACK out), each 16 + 20 (IP) + 20 (TCP) + 4 (MSS).
    ASSERT_EQ(bytes.size(), 24u + 2 * (16 + 44));
    uint32_t magic, linktype;
    std::memcpy(&magic, bytes.data(), 4);
    std::memcpy(&linktype, bytes.data() + 20, 4);
    EXPECT_EQ(magic, 0xa1b2c3d4u);
    EXPECT_EQ(linktype, 101u);
    EXPECT_EQ(uint8_t(bytes[24 + 16]), 0x45);  // IPv4, IHL 5
}

TEST(ScriptRunner, RunScriptsSummaryExitStatusAndJson) {
    auto dir = std::filesystem::temp_directory_path() / "ustack-script-test-run";
    std::filesystem::create_directories(dir);
    auto good = dir / "good.pkt", bad = dir / "bad.pkt", json = dir / "r.json";
    std::ofstream(good) << "// rfc9293: MUST-14, MUST-2\n" << kListen << "+0 > S. 0:0(0) ack 1 <...>\n";
    std::ofstream(bad) << kListen << "+0 > R 0:0(0)\n";
    ScriptOptions o;
    o.json_path = json.string();
    o.pcap_dir = (dir / "pcaps").string();
    std::ostringstream out;
    EXPECT_EQ(run_scripts(o, {good.string()}, out), 0);
    EXPECT_NE(out.str().find("1 passed, 0 failed\n"), std::string::npos) << out.str();
    out.str("");
    EXPECT_EQ(run_scripts(o, {good.string(), bad.string()}, out), 1);
    EXPECT_NE(out.str().find("FAIL " + bad.string()), std::string::npos);
    EXPECT_TRUE(out.str().ends_with("1 passed, 1 failed\n")) << out.str();
    std::ifstream j(json);
    std::string text((std::istreambuf_iterator<char>(j)), std::istreambuf_iterator<char>());
    EXPECT_NE(text.find("\"passed\": true, \"rfc9293\": [\"MUST-14\", \"MUST-2\"]"), std::string::npos) << text;
    EXPECT_NE(text.find("\"passed\": false, \"rfc9293\": []"), std::string::npos) << text;
}

}  // namespace
}  // namespace ustack::script
