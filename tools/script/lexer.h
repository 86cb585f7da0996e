// Tokens of the packetdrill script language (whitespace-insensitive, C and
// C++ comments), with the line each token starts on.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ustack::script {

struct Token {
    enum class Kind { Word, Int, Float, String, BackQuoted, Code, Option, Ellipsis, Ipv4, Punct, End };
    Kind kind = Kind::End;
    std::string text;  // the source text (without quotes for strings, without "--" for options)
    int64_t num = 0;   // Int value
    int line = 0;

    bool is(char c) const { return kind == Kind::Punct && text.size() == 1 && text[0] == c; }
    bool is_word(std::string_view w) const { return kind == Kind::Word && text == w; }
};

// Splits a script into tokens; the last one is End. Throws ScriptError on an
// unterminated comment, string or %{ }% block.
std::vector<Token> lex(std::string_view source);

// Seconds written as "1", "0.25" or ".1" to microseconds, exactly (no float rounding).
// Throws ScriptError(line) when the text has more than 6 fractional digits that are not zero.
int64_t seconds_text_to_usecs(const std::string& text, int line);

}  // namespace ustack::script
