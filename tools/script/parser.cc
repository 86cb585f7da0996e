// Recursive-descent parser for the packetdrill dialect (packetdrill's
// parser.y grammar, restricted to what ustack runs: IPv4 TCP).
#include "tools/script/parser.h"

#include <sstream>

#include "tcp/segment.h"
#include "tools/script/lexer.h"

namespace ustack::script {

namespace {

using K = Token::Kind;

class Parser {
public:
    explicit Parser(std::vector<Token> tokens) : t_(std::move(tokens)) {}

    Script run() {
        Script s;
        while (peek().kind == K::Option) s.options.push_back(option());
        if (peek().kind == K::BackQuoted) unsupported_command(peek());
        while (peek().kind != K::End) s.events.push_back(event());
        return s;
    }

private:
    std::vector<Token> t_;
    size_t p_ = 0;

    const Token& peek(size_t k = 0) const { return t_[std::min(p_ + k, t_.size() - 1)]; }
    const Token& take() {
        const Token& t = t_[p_];
        if (p_ + 1 < t_.size()) ++p_;
        return t;
    }
    [[noreturn]] void fail(const Token& t, const std::string& what) const {
        std::string near = t.kind == K::End ? "end of file" : "'" + t.text + "'";
        throw ScriptError(t.line, what + " (at " + near + ")");
    }
    void expect(char c, const char* where) {
        if (!peek().is(c)) fail(peek(), std::string("expected '") + c + "' " + where);
        take();
    }
    int64_t integer(const char* what) {
        if (peek().kind != K::Int) fail(peek(), std::string("expected an integer for ") + what);
        return take().num;
    }
    uint32_t u32(const char* what) {
        const Token& t = peek();
        int64_t v = integer(what);
        if (v < 0 || v > 0xffffffffLL) fail(t, std::string(what) + " out of range");
        return uint32_t(v);
    }
    uint16_t u16(const char* what) {
        const Token& t = peek();
        int64_t v = integer(what);
        if (v < 0 || v > 0xffff) fail(t, std::string(what) + " out of range");
        return uint16_t(v);
    }
    [[noreturn]] void unsupported_command(const Token& t) const {
        throw ScriptError(t.line, "backquoted shell commands are not supported by ustack script: `" + t.text + "`");
    }

    ScriptOption option() {
        const Token& name = take();
        ScriptOption o{name.text, "", name.line};
        if (peek().is('=')) {
            take();
            const Token& v = take();
            if (v.kind != K::Int && v.kind != K::Word && v.kind != K::String && v.kind != K::Ipv4 && v.kind != K::Float)
                fail(v, "bad value for --" + o.name);
            o.value = v.text;
            if (peek().is('=')) fail(peek(), "--" + o.name + "=NAME=VALUE definitions are not supported");
        }
        return o;
    }

    int64_t time_value() {
        const Token& t = peek();
        if (t.kind != K::Int && t.kind != K::Float) fail(t, "expected a time");
        take();
        return seconds_text_to_usecs(t.text, t.line);
    }

    EventTime event_time() {
        EventTime et;
        if (peek().is('*')) {
            take();
            et.kind = TimeKind::Any;
        } else if (peek().is('+')) {
            take();
            et.kind = TimeKind::Relative;
            et.usecs = time_value();
            if (peek().is('~')) {
                take();
                expect('+', "after '~' in a relative time range");
                et.kind = TimeKind::RelativeRange;
                et.end_usecs = time_value();
            }
        } else {
            et.usecs = time_value();
            if (peek().is('~')) {
                take();
                et.kind = TimeKind::AbsoluteRange;
                et.end_usecs = time_value();
            }
        }
        return et;
    }

    Event event() {
        const Token& first = peek();
        if (first.kind == K::BackQuoted) unsupported_command(first);
        if (first.kind == K::Code) throw ScriptError(first.line, "%{ }% code blocks are not supported by ustack script");
        if (!(first.is('*') || first.is('+') || first.kind == K::Int || first.kind == K::Float))
            fail(first, "expected an event time");
        Event e;
        e.line = first.line;
        e.time = event_time();
        const Token& a = peek();
        if (a.is('<') || a.is('>')) {
            e.action = packet();
        } else if (a.kind == K::Word || a.kind == K::Ellipsis) {
            e.action = syscall();
        } else if (a.kind == K::BackQuoted) {
            unsupported_command(a);
        } else if (a.kind == K::Code) {
            throw ScriptError(a.line, "%{ }% code blocks are not supported by ustack script");
        } else {
            fail(a, "expected a packet (< or >) or a system call");
        }
        bool outbound = std::holds_alternative<PacketSpec>(e.action) && !std::get<PacketSpec>(e.action).inbound;
        if (e.time.kind == TimeKind::Any && !outbound)
            throw ScriptError(e.line, "event time * can only be used with outbound packets");
        if ((e.time.kind == TimeKind::AbsoluteRange || e.time.kind == TimeKind::RelativeRange)) {
            if (!outbound) throw ScriptError(e.line, "event time range can only be used with outbound packets");
            if (e.time.end_usecs < e.time.usecs) throw ScriptError(e.line, "time range is backwards");
        }
        return e;
    }

    uint8_t flags() {
        const Token& t = peek();
        if (t.is('.')) {
            take();
            return tcp::flags::ACK;
        }
        if (t.is('-')) {
            take();
            return 0;
        }
        if (t.kind != K::Word) fail(t, "expected TCP flags");
        take();
        uint8_t f = 0;
        for (char c : t.text) {
            switch (c) {
            case 'F': f |= tcp::flags::FIN; break;
            case 'S': f |= tcp::flags::SYN; break;
            case 'R': f |= tcp::flags::RST; break;
            case 'P': f |= tcp::flags::PSH; break;
            case 'U': f |= tcp::flags::URG; break;
            case 'E': f |= tcp::flags::ECE; break;
            case 'W': f |= tcp::flags::CWR; break;
            case 'A': fail(t, "the AE flag (AccECN) is not supported by ustack");
            default:
                if (c >= '0' && c <= '7') fail(t, "AccECN ACE counters are not supported by ustack");
                fail(t, std::string("invalid TCP flag '") + c + "'");
            }
        }
        if (peek().is('.')) {
            take();
            f |= tcp::flags::ACK;
        }
        return f;
    }

    OptionSpec tcp_option() {
        const Token& t = peek();
        if (t.kind != K::Word) fail(t, "expected a TCP option");
        take();
        OptionSpec o;
        if (t.text == "nop") {
            o.kind = OptionSpec::Kind::Nop;
        } else if (t.text == "eol") {
            o.kind = OptionSpec::Kind::Eol;
        } else if (t.text == "mss") {
            o.kind = OptionSpec::Kind::Mss;
            o.a = u16("mss");
        } else if (t.text == "wscale") {
            o.kind = OptionSpec::Kind::WindowScale;
            int64_t v = integer("wscale");
            if (v < 0 || v > 255) fail(t, "window scale shift count out of range");
            o.a = uint32_t(v);
        } else if (t.text == "sackOK") {
            o.kind = OptionSpec::Kind::SackOk;
        } else if (t.text == "sack") {
            o.kind = OptionSpec::Kind::Sack;
            while (peek().kind == K::Int) {
                uint32_t left = u32("sack left edge");
                expect(':', "in a sack block");
                o.blocks.emplace_back(left, u32("sack right edge"));
            }
            if (o.blocks.empty()) fail(peek(), "sack needs at least one block a:b");
        } else if (t.text == "TS") {
            o.kind = OptionSpec::Kind::Timestamp;
            if (!peek().is_word("val")) fail(peek(), "expected 'val' in TS option");
            take();
            o.a = u32("TS val");
            if (!peek().is_word("ecr")) fail(peek(), "expected 'ecr' in TS option");
            take();
            o.b = u32("TS ecr");
        } else {
            fail(t, "TCP option '" + t.text + "' is not supported by ustack");
        }
        return o;
    }

    PacketSpec packet() {
        PacketSpec p;
        p.inbound = take().is('<');
        if (peek().is('[') || peek().is('('))
            fail(peek(), "IP-level packet fields (tos, ECN, ttl, flowlabel) are not supported by ustack script");
        if (peek().kind == K::Word && (peek().text == "ipv4" || peek().text == "ipv6" || peek().text == "gre" ||
                                       peek().text == "mpls" || peek().text == "udp" || peek().text == "icmp"))
            fail(peek(), "only plain IPv4 TCP packets are supported by ustack script");
        if (peek().kind == K::Int && peek(1).is('>')) {
            p.src_port = u16("source port");
            take();
            p.dst_port = u16("destination port");
        }
        p.flags = flags();
        const Token& seq_tok = peek();
        int64_t start = integer("the start sequence number");
        expect(':', "in start:end(len)");
        int64_t end = integer("the end sequence number");
        expect('(', "in start:end(len)");
        int64_t len = integer("the payload length");
        expect(')', "in start:end(len)");
        if (start < 0 || start > 0xffffffffLL || end < 0 || end > 0xffffffffLL) fail(seq_tok, "sequence number out of range");
        if (len < 0 || len > 0xffff) fail(seq_tok, "payload length out of range");
        if (end != start + len) fail(seq_tok, "inconsistent TCP sequence numbers and payload size");
        p.start = uint32_t(start);
        p.len = uint32_t(len);
        while (peek().kind == K::Word) {
            const std::string& w = peek().text;
            if (w == "ack") {
                take();
                p.ack = u32("ack");
            } else if (w == "win") {
                take();
                p.win = u16("win");
            } else if (w == "urg") {
                take();
                p.urg = u16("urg");
            } else {
                break;
            }
        }
        if (peek().is('<')) {
            take();
            if (peek().kind == K::Ellipsis) {
                if (p.inbound) fail(peek(), "<...> for TCP options can only be used with outbound packets");
                take();
                p.options_unchecked = true;
            } else {
                p.options.push_back(tcp_option());
                while (peek().is(',')) {
                    take();
                    p.options.push_back(tcp_option());
                }
            }
            expect('>', "to close the TCP option list");
        }
        if (peek().is('{')) fail(peek(), "packet fuzzing {...} is not supported by ustack script");
        if (p.inbound && !p.win) fail(seq_tok, "window must be specified for inbound packets");
        return p;
    }

    Expr primary() {
        const Token& t = peek();
        Expr e;
        switch (t.kind) {
        case K::Ellipsis: take(); e.kind = Expr::Kind::Ellipsis; return e;
        case K::Int: take(); e.kind = Expr::Kind::Int; e.num = t.num; return e;
        case K::String:
            e.kind = Expr::Kind::String;
            while (peek().kind == K::String) e.text += take().text;
            if (peek().kind == K::Ellipsis) take();
            return e;
        case K::Word:
            take();
            e.text = t.text;
            if (peek().is('=')) {
                take();
                e.kind = Expr::Kind::Assign;
                e.items.push_back(expression());
            } else if (peek().is('(')) {
                take();
                e.kind = Expr::Kind::Call;
                if (!peek().is(')')) e.items = expression_list(')');
                expect(')', "to close the call");
            } else {
                e.kind = Expr::Kind::Word;
            }
            return e;
        default: break;
        }
        if (t.is('[') || t.is('{')) {
            char close = t.is('[') ? ']' : '}';
            take();
            e.kind = close == ']' ? Expr::Kind::List : Expr::Kind::Struct;
            if (!peek().is(close)) e.items = expression_list(close);
            expect(close, "to close the list");
            return e;
        }
        fail(t, "expected an expression");
    }

    Expr expression() {
        Expr first = primary();
        if (!peek().is('|')) return first;
        Expr e;
        e.kind = Expr::Kind::Or;
        e.items.push_back(std::move(first));
        while (peek().is('|')) {
            take();
            e.items.push_back(primary());
        }
        return e;
    }

    std::vector<Expr> expression_list(char close) {
        std::vector<Expr> out;
        out.push_back(expression());
        while (peek().is(',')) {
            take();
            out.push_back(expression());
        }
        if (!peek().is(close)) fail(peek(), std::string("expected ',' or '") + close + "'");
        return out;
    }

    void skip_note() {
        if (!peek().is('(')) return;
        take();
        while (!peek().is(')')) {
            if (peek().kind == K::End) fail(peek(), "unterminated (note)");
            take();
        }
        take();
    }

    SyscallSpec syscall() {
        SyscallSpec s;
        if (peek().kind == K::Ellipsis) {
            take();
            s.end_usecs = time_value();
        }
        if (peek().kind != K::Word) fail(peek(), "expected a system call name");
        s.name = take().text;
        expect('(', "after the system call name");
        if (!peek().is(')')) s.args = expression_list(')');
        expect(')', "to close the argument list");
        expect('=', "before the expected return value");
        s.result = expression();
        if (peek().kind == K::Word) {
            const std::string& w = peek().text;
            if (w.size() < 2 || w[0] != 'E') fail(peek(), "expected an errno name such as ECONNREFUSED");
            s.errno_name = take().text;
        }
        skip_note();
        return s;
    }
};

// "// rfc9293: MUST-13, MUST-2" lines anywhere in the file.
std::vector<std::string> requirement_tags(std::string_view source) {
    std::vector<std::string> ids;
    std::istringstream in{std::string(source)};
    std::string line;
    const std::string key = "rfc9293:";
    while (std::getline(in, line)) {
        size_t c = line.find("//");
        if (c == std::string::npos) continue;
        size_t k = line.find(key, c);
        if (k == std::string::npos || line.find_first_not_of(" \t/", c) != k) continue;
        std::string rest = line.substr(k + key.size());
        for (char& ch : rest) {
            if (ch == ',') ch = ' ';
        }
        std::istringstream words(rest);
        std::string id;
        while (words >> id) ids.push_back(id);
    }
    return ids;
}

}  // namespace

Script parse_script(std::string_view source) {
    Script s = Parser(lex(source)).run();
    s.rfc9293 = requirement_tags(source);
    return s;
}

}  // namespace ustack::script
