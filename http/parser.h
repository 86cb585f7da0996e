// RFC 9112 §2-§7 (message syntax, request/status line, fields, body framing): sans-I/O HTTP/1.x parsers.
//
// Usage (like Beast's basic_parser): feed bytes with put(); it returns how many it consumed and leaves
// state() saying what happened. NeedMore: every byte was consumed, read more. HeaderDone: the head is
// parsed, fields are readable, call put() again. BodyChunk: body_chunk() views decoded body bytes inside
// the buffer just passed (valid until the caller changes that buffer). Done: the message ended; bytes
// after it were not consumed (a pipelined next message). Error: error() is the status code to answer.
// The head is copied into one buffer reserved at construction (bounded by the limits): no per-byte
// allocation, and the caller may discard consumed bytes at any time.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "http/body_decoder.h"

namespace ustack::http {

enum class ParseState { NeedMore, HeaderDone, BodyChunk, Done, Error };

struct ParserLimits {
    size_t max_start_line = 8 * 1024;     // request line longer -> 414 (RFC 9112 §3)
    size_t max_header_bytes = 16 * 1024;  // whole head (start line + fields) larger -> 431 (RFC 6585 §5)
    size_t max_fields = 100;              // more field lines -> 431
    uint64_t max_body = 8 * 1024 * 1024;  // decoded body larger -> 413
    size_t max_chunk_line = 4096;         // chunk-size line incl. extensions -> 400
};

struct Field {
    std::string_view name;
    std::string_view value;  // OWS trimmed
};

// Shared head + body machinery; RequestParser and ResponseParser add the start line and framing rules.
class MessageParser {
public:
    virtual ~MessageParser() = default;
    MessageParser(const MessageParser&) = delete;
    MessageParser& operator=(const MessageParser&) = delete;

    // Consumes bytes of the message; see the file comment for the states.
    size_t put(std::string_view bytes);
    template <class Bytes>
        requires(std::convertible_to<const Bytes&, std::span<const char>> &&
                 !std::convertible_to<const Bytes&, std::string_view>)
    size_t put(const Bytes& bytes) {
        std::span<const char> s = bytes;
        return put(std::string_view(s.data(), s.size()));
    }

    // The peer closed the connection. True when that completes the message (close-delimited body, or
    // already Done); false when the message is truncated (the state is left unchanged).
    bool put_eof();

    // Starts the next message on the same connection (buffers keep their capacity).
    void reset();

    ParseState state() const { return state_; }
    bool header_done() const { return head_parsed_; }
    // The start line was parsed (request/status accessors are meaningful), even if a field was bad.
    bool start_line_done() const { return start_line_parsed_; }
    bool done() const { return state_ == ParseState::Done; }
    // Status code to answer for a broken message (400, 413, 414, 431, 501, 505); 0 when none.
    int error() const { return error_; }
    std::string_view error_reason() const { return reason_; }

    // Valid after HeaderDone.
    int version_major() const { return major_; }
    int version_minor() const { return minor_; }
    const std::vector<Field>& fields() const { return fields_; }
    // First field with this name (case-insensitive).
    std::optional<std::string_view> field(std::string_view name) const;
    // Persistence (RFC 9112 §9.3): close token -> false; 1.1 -> true; 1.0 -> only with keep-alive.
    bool keep_alive() const;
    Framing framing() const { return body_.framing(); }
    std::optional<uint64_t> content_length() const { return content_length_; }
    bool chunked() const { return body_.framing() == Framing::Chunked; }

    std::string_view body_chunk() const { return chunk_; }
    uint64_t body_bytes() const { return body_.decoded(); }

protected:
    MessageParser(const ParserLimits& limits, bool is_request);

    // Parses the start line (without CRLF); returns false after calling fail().
    virtual bool parse_start_line(std::string_view line) = 0;
    // Chooses the framing once fields are known (RFC 9112 §6.3); returns false after calling fail().
    virtual bool choose_framing() = 0;

    bool fail(int status, std::string_view reason);
    bool parse_version(std::string_view v, int bad_status);
    // Transfer-Encoding and Content-Length analysis shared by both directions.
    struct Codings {
        bool present = false;
        bool chunked_last = false;
        bool other = false;  // a coding other than chunked
    };
    bool read_transfer_encoding(Codings& out);
    bool read_content_length();  // sets content_length_
    void body_start(Framing f, uint64_t length) { body_.start(f, length, limits_.max_body); }

    ParserLimits limits_;
    std::optional<uint64_t> content_length_;

private:
    size_t put_head(std::string_view bytes);
    bool parse_head();

    bool is_request_;
    ParseState state_ = ParseState::NeedMore;
    int error_ = 0;
    std::string_view reason_;
    std::string head_;  // raw head bytes, reserved to max_header_bytes
    bool head_parsed_ = false;
    bool start_line_parsed_ = false;
    bool start_line_ended_ = false;
    size_t lines_ = 0;    // field lines so far
    size_t leading_ = 0;  // empty lines skipped before a request line
    std::vector<Field> fields_;  // views into head_
    int major_ = 1;
    int minor_ = 1;
    BodyDecoder body_;
    std::string_view chunk_;
};

class RequestParser : public MessageParser {
public:
    explicit RequestParser(const ParserLimits& limits = {});
    std::string_view method() const { return method_; }
    std::string_view target() const { return target_; }
    // "HTTP/1.1" style, for logs.
    std::string_view version_text() const { return version_; }

protected:
    bool parse_start_line(std::string_view line) override;
    bool choose_framing() override;

private:
    std::string_view method_, target_, version_;
};

class ResponseParser : public MessageParser {
public:
    // The default limits do not cap the body size: the client streams bodies to a sink.
    explicit ResponseParser(const ParserLimits& limits = unlimited_body());
    static ParserLimits unlimited_body() {
        ParserLimits l;
        l.max_body = std::numeric_limits<uint64_t>::max();
        return l;
    }
    // The request was HEAD: the response has no body whatever its fields say (RFC 9112 §6.3 rule 1).
    void set_head_request(bool head) { head_request_ = head; }
    int status() const { return status_; }
    std::string_view reason() const { return reason_phrase_; }

protected:
    bool parse_start_line(std::string_view line) override;
    bool choose_framing() override;

private:
    bool head_request_ = false;
    int status_ = 0;
    std::string_view reason_phrase_;
};

}  // namespace ustack::http
