// Lexer for the packetdrill script language: words, numbers, IPv4 addresses,
// strings, `shell`, %{code}%, --options, "...", comments skipped.
#include "tools/script/lexer.h"

#include <cctype>

#include "tools/script/ast.h"

namespace ustack::script {

namespace {

bool is_word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
bool is_digit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

class Lexer {
public:
    explicit Lexer(std::string_view s) : s_(s) {}

    std::vector<Token> run() {
        std::vector<Token> out;
        while (true) {
            skip_space_and_comments();
            if (i_ >= s_.size()) break;
            out.push_back(next());
        }
        out.push_back(Token{Token::Kind::End, "", 0, line_});
        return out;
    }

private:
    std::string_view s_;
    size_t i_ = 0;
    int line_ = 1;

    char at(size_t k) const { return i_ + k < s_.size() ? s_[i_ + k] : '\0'; }

    void advance(size_t n) {
        for (size_t k = 0; k < n && i_ < s_.size(); ++k, ++i_) {
            if (s_[i_] == '\n') ++line_;
        }
    }

    void skip_space_and_comments() {
        while (i_ < s_.size()) {
            char c = s_[i_];
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
                advance(1);
            } else if (c == '/' && at(1) == '/') {
                while (i_ < s_.size() && s_[i_] != '\n') advance(1);
            } else if (c == '/' && at(1) == '*') {
                int start = line_;
                size_t end = s_.find("*/", i_ + 2);
                if (end == std::string_view::npos) throw ScriptError(start, "unterminated /* comment");
                advance(end + 2 - i_);
            } else {
                break;
            }
        }
    }

    Token make(Token::Kind k, std::string text, int line) { return Token{k, std::move(text), 0, line}; }

    // Text delimited by `open`..`close` (no escapes inside code blocks).
    Token delimited(Token::Kind kind, std::string_view open, std::string_view close, const char* what) {
        int start = line_;
        size_t end = s_.find(close, i_ + open.size());
        if (end == std::string_view::npos) throw ScriptError(start, std::string("unterminated ") + what);
        std::string text(s_.substr(i_ + open.size(), end - i_ - open.size()));
        advance(end + close.size() - i_);
        return make(kind, std::move(text), start);
    }

    Token number_or_word() {
        int line = line_;
        size_t j = i_;
        if (s_[j] == '-') ++j;
        size_t digits_begin = j;
        while (j < s_.size() && is_digit(s_[j])) ++j;
        // IPv4 address: four dotted decimal groups.
        if (s_[i_] != '-' && j > digits_begin) {
            size_t k = j;
            int groups = 1;
            while (groups < 4 && k + 1 < s_.size() && s_[k] == '.' && is_digit(s_[k + 1])) {
                ++k;
                while (k < s_.size() && is_digit(s_[k])) ++k;
                ++groups;
            }
            if (groups == 4 && !(k < s_.size() && is_word_char(s_[k]))) {
                std::string text(s_.substr(i_, k - i_));
                advance(k - i_);
                return make(Token::Kind::Ipv4, std::move(text), line);
            }
        }
        // Float: [-]digits*.digits+ (but "..." is an ellipsis, not a fraction).
        if (j + 1 < s_.size() && s_[j] == '.' && is_digit(s_[j + 1])) {
            size_t k = j + 1;
            while (k < s_.size() && is_digit(s_[k])) ++k;
            std::string text(s_.substr(i_, k - i_));
            advance(k - i_);
            return make(Token::Kind::Float, std::move(text), line);
        }
        // Hex integer.
        if (s_[i_] == '0' && (at(1) == 'x' || at(1) == 'X') && std::isxdigit(static_cast<unsigned char>(at(2)))) {
            size_t k = i_ + 2;
            while (k < s_.size() && std::isxdigit(static_cast<unsigned char>(s_[k]))) ++k;
            std::string text(s_.substr(i_, k - i_));
            Token t = make(Token::Kind::Int, text, line);
            if (text.size() > 18) throw ScriptError(line, "number out of range: " + text);
            t.num = static_cast<int64_t>(std::stoull(text.substr(2), nullptr, 16));
            advance(k - i_);
            return t;
        }
        // Word (letters, digits, '_'), or a plain integer when all digits.
        size_t k = j;
        while (k < s_.size() && is_word_char(s_[k])) ++k;
        std::string text(s_.substr(i_, k - i_));
        advance(k - i_);
        if (k == j && j > digits_begin) {
            Token t = make(Token::Kind::Int, text, line);
            try {
                t.num = std::stoll(text);
            } catch (const std::out_of_range&) {
                throw ScriptError(line, "number out of range: " + text);
            }
            return t;
        }
        if (text.empty() || text[0] == '-') throw ScriptError(line, "unexpected character '-'");
        return make(Token::Kind::Word, std::move(text), line);
    }

    Token next() {
        char c = s_[i_];
        int line = line_;
        if (c == '%' && at(1) == '{') return delimited(Token::Kind::Code, "%{", "}%", "%{ }% block");
        if (c == '`') return delimited(Token::Kind::BackQuoted, "`", "`", "backquoted command");
        if (c == '"') {
            std::string text;
            size_t k = i_ + 1;
            while (k < s_.size() && s_[k] != '"') {
                if (s_[k] == '\\' && k + 1 < s_.size()) ++k;
                text += s_[k++];
            }
            if (k >= s_.size()) throw ScriptError(line, "unterminated string");
            advance(k + 1 - i_);
            return make(Token::Kind::String, std::move(text), line);
        }
        if (c == '.' && at(1) == '.' && at(2) == '.') {
            advance(3);
            return make(Token::Kind::Ellipsis, "...", line);
        }
        if (c == '-' && at(1) == '-' && is_word_char(at(2))) {
            size_t k = i_ + 2;
            while (k < s_.size() && is_word_char(s_[k])) ++k;
            std::string name(s_.substr(i_ + 2, k - i_ - 2));
            advance(k - i_);
            return make(Token::Kind::Option, std::move(name), line);
        }
        if (c == '.' && is_digit(at(1))) return number_or_word();
        if (c == '-' && (is_digit(at(1)) || (at(1) == '.' && is_digit(at(2))))) return number_or_word();
        if (is_word_char(c)) return number_or_word();
        advance(1);
        return make(Token::Kind::Punct, std::string(1, c), line);
    }
};

}  // namespace

std::vector<Token> lex(std::string_view source) { return Lexer(source).run(); }

int64_t seconds_text_to_usecs(const std::string& text, int line) {
    size_t dot = text.find('.');
    std::string whole = text.substr(0, dot);
    std::string frac = dot == std::string::npos ? "" : text.substr(dot + 1);
    if (!whole.empty() && whole[0] == '-') throw ScriptError(line, "negative time " + text);
    if (whole.size() > 7) throw ScriptError(line, "time " + text + " is too large (at most 9999999 s)");
    int64_t usecs = 0;
    try {
        usecs = whole.empty() ? 0 : std::stoll(whole) * 1000000;
    } catch (const std::exception&) {
        throw ScriptError(line, "bad time " + text);
    }
    if (frac.size() > 6) {
        if (frac.find_first_not_of('0', 6) != std::string::npos)
            throw ScriptError(line, "time " + text + " is finer than a microsecond");
        frac.resize(6);
    }
    while (frac.size() < 6) frac += '0';
    return usecs + std::stoll(frac);
}

}  // namespace ustack::script
