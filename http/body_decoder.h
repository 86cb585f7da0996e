// RFC 9112 §6.3 (message body length) and §7.1 (chunked transfer coding): the body half of the sans-I/O parsers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace ustack::http {

// How the end of a body is found (RFC 9112 §6.3).
enum class Framing { None, Length, Chunked, UntilClose };

class BodyDecoder {
public:
    enum class Result { NeedMore, Data, Done, Error };

    // max_line bounds a chunk-size line (with extensions) and each trailer line; max_trailer the trailer block.
    BodyDecoder(size_t max_line, size_t max_trailer);

    // Starts a body. `length` is used for Framing::Length; max_body caps the decoded size (-> 413).
    void start(Framing framing, uint64_t length, uint64_t max_body);

    // Consumes bytes of `in`. On Result::Data, `data` views the decoded bytes (inside `in`).
    // NeedMore means every byte of `in` was consumed. Error sets error() to 400 or 413.
    Result put(std::string_view in, std::string_view& data, size_t& consumed);

    // The peer closed: true when that ends the body (close-delimited, or already done).
    bool finish_at_eof();

    bool done() const { return state_ == State::Done; }
    int error() const { return error_; }
    std::string_view error_reason() const { return reason_; }
    uint64_t decoded() const { return decoded_; }
    Framing framing() const { return framing_; }

private:
    enum class State { Idle, Length, ChunkSize, ChunkData, ChunkDataCr, ChunkDataLf, Trailer, UntilClose, Done, Error };

    Result fail(int status, std::string_view reason);
    bool parse_chunk_size_line();  // line_ holds the line without CRLF

    size_t max_line_;
    size_t max_trailer_;
    Framing framing_ = Framing::None;
    State state_ = State::Idle;
    uint64_t remaining_ = 0;  // of the current Length body or chunk
    uint64_t decoded_ = 0;
    uint64_t max_body_ = 0;
    size_t trailer_bytes_ = 0;
    bool saw_cr_ = false;     // line reader: previous byte was CR
    std::string line_;        // reserved once to max_line_: no allocation per byte
    int error_ = 0;
    std::string_view reason_;
};

}  // namespace ustack::http
