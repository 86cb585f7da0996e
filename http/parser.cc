// RFC 9112 §2.2 (message parsing), §3 (request line), §4 (status line), §5 (field lines), §6 (framing),
// §9.3 (persistence); RFC 9110 §2.5 (version). Rejections are strict where leniency enables smuggling.
#include "http/parser.h"

#include "http/syntax.h"

namespace ustack::http {

using namespace syntax;

MessageParser::MessageParser(const ParserLimits& limits, bool is_request)
    : limits_(limits), is_request_(is_request), body_(limits.max_chunk_line, limits.max_header_bytes) {
    head_.reserve(limits_.max_header_bytes);
    fields_.reserve(limits_.max_fields);
}

void MessageParser::reset() {
    state_ = ParseState::NeedMore;
    error_ = 0;
    reason_ = {};
    head_.clear();
    head_parsed_ = false;
    start_line_parsed_ = false;
    start_line_ended_ = false;
    lines_ = 0;
    leading_ = 0;
    fields_.clear();
    major_ = minor_ = 1;
    content_length_.reset();
    chunk_ = {};
    body_.start(Framing::None, 0, 0);
}

bool MessageParser::fail(int status, std::string_view reason) {
    state_ = ParseState::Error;
    error_ = status;
    reason_ = reason;
    return false;
}

size_t MessageParser::put(std::string_view in) {
    chunk_ = {};
    if (state_ == ParseState::Error || state_ == ParseState::Done) return 0;
    if (!head_parsed_) return put_head(in);
    std::string_view data;
    size_t consumed = 0;
    switch (body_.put(in, data, consumed)) {
        case BodyDecoder::Result::NeedMore: state_ = ParseState::NeedMore; break;
        case BodyDecoder::Result::Data:
            state_ = ParseState::BodyChunk;
            chunk_ = data;
            break;
        case BodyDecoder::Result::Done: state_ = ParseState::Done; break;
        case BodyDecoder::Result::Error: fail(body_.error(), body_.error_reason()); break;
    }
    return consumed;
}

bool MessageParser::put_eof() {
    if (state_ == ParseState::Done) return true;
    if (state_ == ParseState::Error || !head_parsed_) return false;
    if (!body_.finish_at_eof()) return false;
    state_ = ParseState::Done;
    return true;
}

// Copies head bytes until the empty line, checking limits and line endings as bytes arrive so that an
// attacker cannot make us buffer more than max_header_bytes.
size_t MessageParser::put_head(std::string_view in) {
    for (size_t i = 0; i < in.size(); ++i) {
        char c = in[i];
        // RFC 9112 §2.2: a server SHOULD ignore at least one empty line received before the request-line.
        if (is_request_ && head_.empty() && (c == '\r' || c == '\n')) {
            if (++leading_ > limits_.max_start_line) return fail(400, "too many empty lines"), i + 1;
            continue;
        }
        if (c == '\0') return fail(400, "NUL in head"), i + 1;
        bool after_cr = !head_.empty() && head_.back() == '\r';
        if (after_cr && c != '\n') return fail(400, "bare CR in head"), i + 1;
        if (c == '\n' && !after_cr) return fail(400, "bare LF in head"), i + 1;
        if (!start_line_ended_ && head_.size() >= limits_.max_start_line)
            return fail(is_request_ ? 414 : 400, "start line too long"), i + 1;
        if (head_.size() >= limits_.max_header_bytes) return fail(431, "header section too large"), i + 1;
        head_.push_back(c);
        if (c != '\n') continue;
        if (!start_line_ended_) {
            start_line_ended_ = true;
        } else if (head_.size() >= 4 && head_.compare(head_.size() - 4, 4, "\r\n\r\n") == 0) {
            parse_head();
            return i + 1;
        } else if (++lines_ > limits_.max_fields) {
            return fail(431, "too many header fields"), i + 1;
        }
    }
    state_ = ParseState::NeedMore;
    return in.size();
}

bool MessageParser::parse_head() {
    std::string_view h = head_;
    size_t eol = h.find("\r\n");
    if (!parse_start_line(h.substr(0, eol))) return false;
    start_line_parsed_ = true;
    size_t pos = eol + 2;
    while (true) {
        eol = h.find("\r\n", pos);
        std::string_view line = h.substr(pos, eol - pos);
        pos = eol + 2;
        if (line.empty()) break;
        // RFC 9112 §5.2: obs-fold is rejected (400); §2.2: whitespace before the first field is rejected.
        if (is_ows(line.front())) return fail(400, fields_.empty() ? "whitespace after start line" : "obs-fold");
        size_t colon = line.find(':');
        if (colon == std::string_view::npos) return fail(400, "field line without colon");
        std::string_view name = line.substr(0, colon);
        // RFC 9112 §5.1: no whitespace between field name and colon (400); names are tokens.
        if (!is_token(name)) return fail(400, "invalid field name");
        std::string_view value = trim_ows(line.substr(colon + 1));
        for (char c : value)
            if (!is_field_char(c)) return fail(400, "invalid character in field value");
        fields_.push_back({name, value});
    }
    if (!choose_framing()) return false;
    head_parsed_ = true;
    state_ = ParseState::HeaderDone;
    return true;
}

std::optional<std::string_view> MessageParser::field(std::string_view name) const {
    for (const Field& f : fields_)
        if (iequals(f.name, name)) return f.value;
    return std::nullopt;
}

bool MessageParser::keep_alive() const {
    if (!is_request_ && body_.framing() == Framing::UntilClose) return false;
    bool close = false, keep = false;
    for (const Field& f : fields_) {
        if (!iequals(f.name, "connection")) continue;
        close = close || list_has_token(f.value, "close");
        keep = keep || list_has_token(f.value, "keep-alive");
    }
    if (close) return false;
    if (major_ == 1 && minor_ >= 1) return true;
    return keep;
}

// HTTP-version = "HTTP/" DIGIT "." DIGIT (RFC 9112 §2.3). Another major version -> 505; a higher 1.x
// minor is processed as 1.1 (RFC 9110 §2.5: "SHOULD process the message as if ... highest minor").
bool MessageParser::parse_version(std::string_view v, int bad_status) {
    if (v.size() != 8 || v.substr(0, 5) != "HTTP/" || v[6] != '.' || v[5] < '0' || v[5] > '9' || v[7] < '0' ||
        v[7] > '9')
        return fail(bad_status, "malformed HTTP version");
    major_ = v[5] - '0';
    minor_ = v[7] - '0';
    if (major_ != 1) return fail(505, "HTTP version not supported");
    if (minor_ > 1) minor_ = 1;
    return true;
}

// RFC 9112 §6.1: transfer-coding names are tokens; chunked must be final and applied once.
bool MessageParser::read_transfer_encoding(Codings& out) {
    bool chunked_seen = false;
    bool chunked_not_last = false;
    bool any = false;
    bool ok = true;
    for (const Field& f : fields_) {
        if (!iequals(f.name, "transfer-encoding")) continue;
        out.present = true;
        for_each_element(f.value, [&](std::string_view e) {
            std::string_view name = trim_ows(e.substr(0, e.find(';')));
            if (!is_token(name)) return ok = false;
            any = true;
            if (chunked_seen) chunked_not_last = true;
            if (iequals(name, "chunked")) {
                if (chunked_seen) return ok = false;
                chunked_seen = true;
            } else {
                out.other = true;
            }
            return true;
        });
    }
    if (!ok) return fail(400, "malformed Transfer-Encoding");
    if (out.present && !any) return fail(400, "empty Transfer-Encoding");
    if (chunked_seen && chunked_not_last) return fail(400, "chunked is not the final transfer coding");
    out.chunked_last = chunked_seen;
    return true;
}

// RFC 9112 §6.3 rule 5: Content-Length = 1*DIGIT; a list of identical values may be accepted, differing
// values or anything else is unrecoverable (400).
bool MessageParser::read_content_length() {
    bool ok = true;
    for (const Field& f : fields_) {
        if (!iequals(f.name, "content-length")) continue;
        bool any = false;
        for_each_element(f.value, [&](std::string_view e) {
            uint64_t v = 0;
            for (char c : e) {
                if (c < '0' || c > '9' || v > (UINT64_MAX - 9) / 10) return ok = false;
                v = v * 10 + uint64_t(c - '0');
            }
            any = true;
            if (content_length_ && *content_length_ != v) return ok = false;
            content_length_ = v;
            return true;
        });
        if (!any) ok = false;
        if (!ok) break;
    }
    if (!ok) return fail(400, "invalid or conflicting Content-Length");
    return true;
}

RequestParser::RequestParser(const ParserLimits& limits) : MessageParser(limits, true) {}

// request-line = method SP request-target SP HTTP-version (RFC 9112 §3), exactly one SP each.
bool RequestParser::parse_start_line(std::string_view line) {
    size_t sp1 = line.find(' ');
    if (sp1 == std::string_view::npos) return fail(400, "malformed request line");
    size_t sp2 = line.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos) return fail(400, "malformed request line");
    method_ = line.substr(0, sp1);
    target_ = line.substr(sp1 + 1, sp2 - sp1 - 1);
    version_ = line.substr(sp2 + 1);
    if (!is_token(method_)) return fail(400, "invalid method");
    if (target_.empty()) return fail(400, "empty request target");
    for (char c : target_) {
        auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u >= 0x7f) return fail(400, "invalid character in request target");
    }
    return parse_version(version_, 400);
}

bool RequestParser::choose_framing() {
    // RFC 9112 §3.2: a 1.1 request without Host, or with more than one, gets 400.
    int hosts = 0;
    for (const Field& f : fields())
        if (iequals(f.name, "host")) ++hosts;
    if (hosts > 1 || (version_minor() >= 1 && hosts == 0)) return fail(400, "missing or duplicate Host");

    Codings te;
    if (!read_transfer_encoding(te) || !read_content_length()) return false;
    if (te.present) {
        // RFC 9112 §6.1/§6.3 rule 3: both fields is a smuggling signature; TE in 1.0 is faulty framing.
        if (content_length_) return fail(400, "both Content-Length and Transfer-Encoding");
        if (version_minor() == 0) return fail(400, "Transfer-Encoding in an HTTP/1.0 request");
        if (te.other) return fail(501, "unsupported transfer coding");  // RFC 9112 §6.1: 501
        body_start(Framing::Chunked, 0);
        return true;
    }
    if (content_length_) {
        if (*content_length_ > limits_.max_body) return fail(413, "Content-Length exceeds the limit");
        body_start(Framing::Length, *content_length_);
        return true;
    }
    body_start(Framing::None, 0);  // RFC 9112 §6.3 rule 6
    return true;
}

ResponseParser::ResponseParser(const ParserLimits& limits) : MessageParser(limits, false) {}

// status-line = HTTP-version SP status-code SP [ reason-phrase ] (RFC 9112 §4); the SP before an empty
// reason is tolerated when missing, as RFC 9112 §4 asks recipients to accept.
bool ResponseParser::parse_start_line(std::string_view line) {
    if (line.size() < 12 || line[8] != ' ') return fail(400, "malformed status line");
    if (!parse_version(line.substr(0, 8), 400)) return false;
    std::string_view code = line.substr(9, 3);
    status_ = 0;
    for (char c : code) {
        if (c < '0' || c > '9') return fail(400, "malformed status code");
        status_ = status_ * 10 + (c - '0');
    }
    if (status_ < 100) return fail(400, "status code out of range");
    reason_phrase_ = {};
    if (line.size() > 12) {
        if (line[12] != ' ') return fail(400, "malformed status line");
        reason_phrase_ = line.substr(13);
        for (char c : reason_phrase_)
            if (!is_field_char(c)) return fail(400, "invalid character in reason phrase");
    }
    return true;
}

// RFC 9112 §6.3 rules 1-7 for responses.
bool ResponseParser::choose_framing() {
    Codings te;
    if (!read_transfer_encoding(te) || !read_content_length()) return false;
    if (head_request_ || (status_ >= 100 && status_ < 200) || status_ == 204 || status_ == 304) {
        body_start(Framing::None, 0);
        return true;
    }
    if (te.present) {
        if (content_length_) return fail(400, "both Content-Length and Transfer-Encoding");
        if (version_minor() == 0) return fail(400, "Transfer-Encoding in an HTTP/1.0 response");
        body_start(te.chunked_last ? Framing::Chunked : Framing::UntilClose, 0);
        return true;
    }
    if (content_length_) {
        if (*content_length_ > limits_.max_body) return fail(413, "Content-Length exceeds the limit");
        body_start(Framing::Length, *content_length_);
        return true;
    }
    body_start(Framing::UntilClose, 0);
    return true;
}

}  // namespace ustack::http
