// RFC 9112 §6.3 (message body length) and §7.1 (chunked transfer coding, chunk extensions, trailer section).
#include "http/body_decoder.h"

#include <algorithm>

#include "http/syntax.h"

namespace ustack::http {

BodyDecoder::BodyDecoder(size_t max_line, size_t max_trailer) : max_line_(max_line), max_trailer_(max_trailer) {
    line_.reserve(max_line_);
}

void BodyDecoder::start(Framing framing, uint64_t length, uint64_t max_body) {
    framing_ = framing;
    max_body_ = max_body;
    decoded_ = 0;
    trailer_bytes_ = 0;
    saw_cr_ = false;
    line_.clear();
    error_ = 0;
    reason_ = {};
    remaining_ = 0;
    switch (framing) {
        case Framing::None: state_ = State::Done; break;
        case Framing::Length:
            remaining_ = length;
            state_ = length == 0 ? State::Done : State::Length;
            break;
        case Framing::Chunked: state_ = State::ChunkSize; break;
        case Framing::UntilClose: state_ = State::UntilClose; break;
    }
}

BodyDecoder::Result BodyDecoder::fail(int status, std::string_view reason) {
    state_ = State::Error;
    error_ = status;
    reason_ = reason;
    return Result::Error;
}

// chunk = chunk-size [ chunk-ext ] CRLF; chunk-size = 1*HEXDIG; chunk-ext = *( BWS ";" BWS name [ BWS "=" BWS value ] ).
// Extensions are ignored (RFC 9112 §7.1.1) but must not hold control characters.
bool BodyDecoder::parse_chunk_size_line() {
    std::string_view s = line_;
    uint64_t size = 0;
    size_t i = 0;
    for (; i < s.size(); ++i) {
        char c = s[i];
        int v;
        if (c >= '0' && c <= '9') v = c - '0';
        else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
        else break;
        if (size > (UINT64_MAX >> 4)) {
            fail(400, "chunk size overflows");
            return false;
        }
        size = (size << 4) | uint64_t(v);
    }
    if (i == 0) {
        fail(400, "chunk size is not hexadecimal");
        return false;
    }
    std::string_view ext = syntax::trim_ows(s.substr(i));
    if (!ext.empty()) {
        if (ext.front() != ';') {
            fail(400, "junk after chunk size");
            return false;
        }
        for (char c : ext)
            if (!syntax::is_field_char(c)) {
                fail(400, "control character in chunk extension");
                return false;
            }
    }
    if (size > max_body_ - decoded_) {
        fail(413, "chunked body exceeds the limit");
        return false;
    }
    remaining_ = size;
    state_ = size == 0 ? State::Trailer : State::ChunkData;
    return true;
}

BodyDecoder::Result BodyDecoder::put(std::string_view in, std::string_view& data, size_t& consumed) {
    data = {};
    consumed = 0;
    while (true) {
        switch (state_) {
            case State::Idle: return fail(400, "body decoder not started");
            case State::Error: return Result::Error;
            case State::Done: return Result::Done;
            case State::UntilClose:
                if (in.size() - consumed == 0) return Result::NeedMore;
                data = in.substr(consumed);
                decoded_ += data.size();
                consumed = in.size();
                if (decoded_ > max_body_) return fail(413, "body exceeds the limit");
                return Result::Data;
            case State::Length:
            case State::ChunkData: {
                if (in.size() == consumed) return Result::NeedMore;
                size_t n = size_t(std::min<uint64_t>(remaining_, in.size() - consumed));
                data = in.substr(consumed, n);
                consumed += n;
                remaining_ -= n;
                decoded_ += n;
                if (remaining_ == 0) state_ = state_ == State::Length ? State::Done : State::ChunkDataCr;
                return Result::Data;
            }
            case State::ChunkDataCr:
            case State::ChunkDataLf: {
                if (in.size() == consumed) return Result::NeedMore;
                char c = in[consumed++];
                if (state_ == State::ChunkDataCr) {
                    if (c != '\r') return fail(400, "chunk data not followed by CRLF");
                    state_ = State::ChunkDataLf;
                } else {
                    if (c != '\n') return fail(400, "chunk data not followed by CRLF");
                    state_ = State::ChunkSize;
                }
                break;
            }
            case State::ChunkSize:
            case State::Trailer: {
                if (in.size() == consumed) return Result::NeedMore;
                // Line reader: CRLF only; a bare CR or bare LF is a framing error (RFC 9112 §2.2, smuggling).
                while (consumed < in.size()) {
                    char c = in[consumed++];
                    if (c == '\0') return fail(400, "NUL in chunk framing");
                    if (saw_cr_) {
                        if (c != '\n') return fail(400, "bare CR in chunk framing");
                        saw_cr_ = false;
                        if (state_ == State::ChunkSize) {
                            if (!parse_chunk_size_line()) return Result::Error;
                        } else if (line_.empty()) {
                            state_ = State::Done;  // end of trailer section: fields are discarded
                        }
                        line_.clear();
                        break;
                    }
                    if (c == '\r') {
                        saw_cr_ = true;
                        continue;
                    }
                    if (c == '\n') return fail(400, "bare LF in chunk framing");
                    if (line_.size() >= max_line_) return fail(400, "chunk line too long");
                    if (state_ == State::Trailer && ++trailer_bytes_ > max_trailer_)
                        return fail(400, "trailer section too large");
                    line_.push_back(c);
                }
                break;
            }
        }
    }
}

bool BodyDecoder::finish_at_eof() {
    if (state_ == State::UntilClose) {
        state_ = State::Done;
        return true;
    }
    return state_ == State::Done;
}

}  // namespace ustack::http
