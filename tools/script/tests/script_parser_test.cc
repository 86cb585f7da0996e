// Unit tests for the packet-script lexer and parser (packetdrill dialect).
#include <gtest/gtest.h>

#include "tcp/segment.h"
#include "tools/script/lexer.h"
#include "tools/script/parser.h"

namespace ustack::script {
namespace {

TEST(ScriptLexer, TimesEllipsisAndFloats) {
    auto t = lex("+.1...0.200 read(4, ..., 10) = -1 EAGAIN");
    ASSERT_GE(t.size(), 6u);
    EXPECT_TRUE(t[0].is('+'));
    EXPECT_EQ(t[1].kind, Token::Kind::Float);
    EXPECT_EQ(t[1].text, ".1");
    EXPECT_EQ(t[2].kind, Token::Kind::Ellipsis);
    EXPECT_EQ(t[3].text, "0.200");
    EXPECT_EQ(seconds_text_to_usecs("0.200", 1), 200000);
    EXPECT_EQ(seconds_text_to_usecs(".1", 1), 100000);
    EXPECT_EQ(seconds_text_to_usecs("4.35", 1), 4350000);  // exact, no float truncation
}

TEST(ScriptLexer, CommentsAndLines) {
    auto t = lex("// c++ comment\n/* c\ncomment */ 0 < S 0:0(0) win 1000\n");
    EXPECT_EQ(t[0].kind, Token::Kind::Int);
    EXPECT_EQ(t[0].line, 3);
}

TEST(ScriptParser, PacketLinesWithOptions) {
    Script s = parse_script(
        "0 < S 0:0(0) win 32792 <mss 1000,nop,wscale 7>\n"
        "+0 > S. 0:0(0) ack 1 <...>\n"
        "+.1 < P. 1:11(10) ack 1 win 257\n"
        "*  > . 1:1(0) ack 11\n"
        "1.0~1.5 > F. 1:1(0) ack 11 win 65535 <sack 5:10 20:30,TS val 1 ecr 2,nop,nop>\n");
    ASSERT_EQ(s.events.size(), 5u);
    const auto& syn = std::get<PacketSpec>(s.events[0].action);
    EXPECT_TRUE(syn.inbound);
    EXPECT_EQ(syn.flags, tcp::flags::SYN);
    EXPECT_EQ(*syn.win, 32792);
    ASSERT_EQ(syn.options.size(), 3u);
    EXPECT_EQ(syn.options[0].kind, OptionSpec::Kind::Mss);
    EXPECT_EQ(syn.options[0].a, 1000u);
    const auto& synack = std::get<PacketSpec>(s.events[1].action);
    EXPECT_FALSE(synack.inbound);
    EXPECT_EQ(synack.flags, tcp::flags::SYN | tcp::flags::ACK);
    EXPECT_TRUE(synack.options_unchecked);
    EXPECT_FALSE(synack.win.has_value());
    EXPECT_EQ(s.events[1].time.kind, TimeKind::Relative);
    const auto& data = std::get<PacketSpec>(s.events[2].action);
    EXPECT_EQ(data.start, 1u);
    EXPECT_EQ(data.len, 10u);
    EXPECT_EQ(s.events[2].time.usecs, 100000);
    EXPECT_EQ(s.events[3].time.kind, TimeKind::Any);
    EXPECT_EQ(s.events[4].time.kind, TimeKind::AbsoluteRange);
    EXPECT_EQ(s.events[4].time.end_usecs, 1500000);
    const auto& fin = std::get<PacketSpec>(s.events[4].action);
    ASSERT_EQ(fin.options[0].blocks.size(), 2u);
    EXPECT_EQ(fin.options[1].kind, OptionSpec::Kind::Timestamp);
}

TEST(ScriptParser, SyscallsWithErrnoAndEndTime) {
    Script s = parse_script(
        "--tolerance_usecs=10000\n"
        "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n"
        "+0 setsockopt(3, SOL_SOCKET, SO_LINGER, {onoff=1, linger=0}, 8) = 0\n"
        "+0 fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0\n"
        "+0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)\n"
        "+0...0.200 poll([{fd=3, events=POLLOUT, revents=POLLOUT}], 1, 1000) = 1\n");
    ASSERT_EQ(s.options.size(), 1u);
    EXPECT_EQ(s.options[0].name, "tolerance_usecs");
    EXPECT_EQ(s.options[0].value, "10000");
    ASSERT_EQ(s.events.size(), 5u);
    const auto& conn = std::get<SyscallSpec>(s.events[3].action);
    EXPECT_EQ(conn.name, "connect");
    EXPECT_EQ(conn.result.num, -1);
    EXPECT_EQ(conn.errno_name, "EINPROGRESS");
    const auto& poll = std::get<SyscallSpec>(s.events[4].action);
    ASSERT_TRUE(poll.end_usecs.has_value());
    EXPECT_EQ(*poll.end_usecs, 200000);
    EXPECT_EQ(poll.args[0].kind, Expr::Kind::List);
}

TEST(ScriptParser, RequirementTags) {
    Script s = parse_script("// rfc9293: MUST-13, MUST-2\n// not a tag: rfc9293: X\n0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n");
    EXPECT_EQ(s.rfc9293, (std::vector<std::string>{"MUST-13", "MUST-2"}));
}

int error_line(const char* text) {
    try {
        parse_script(text);
    } catch (const ScriptError& e) {
        return e.line;
    }
    return -1;
}

TEST(ScriptParser, UnsupportedConstructsAreErrorsWithTheirLine) {
    EXPECT_EQ(error_line("0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 `sysctl -w x=1`\n"), 2);
    EXPECT_EQ(error_line("0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n\n%{ print(1) }%\n"), 3);
    EXPECT_EQ(error_line("`init`\n0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n"), 1);
    EXPECT_EQ(error_line("0 < [ect0] S 0:0(0) win 100\n"), 1);
    EXPECT_EQ(error_line("0 < S 0:0(0) win 100 <FO abcd,nop,nop>\n"), 1);
    EXPECT_EQ(error_line("0 < S 0:0(0) <mss 1000>\n"), 1);        // inbound needs win
    EXPECT_EQ(error_line("0 < S 0:5(0) win 10\n"), 1);            // inconsistent length
    EXPECT_EQ(error_line("0 < S 0:0(0) win 10 <...>\n"), 1);      // <...> only outbound
    EXPECT_EQ(error_line("0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n* close(3) = 0\n"), 2);
    EXPECT_EQ(error_line("0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 < SX 0:0(0) win 1\n"), 2);
}

}  // namespace
}  // namespace ustack::script
