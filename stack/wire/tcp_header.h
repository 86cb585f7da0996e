// TCP header format (RFC 9293 §3.1): a checked view and an option iterator.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace ustack::wire {

inline constexpr size_t TCP_MIN_HEADER_LEN = 20;
inline constexpr size_t TCP_MAX_HEADER_LEN = 60;
inline constexpr size_t TCP_MAX_OPTIONS_LEN = 40;

// Option kinds (RFC 9293 §3.2, RFC 7323, RFC 2018).
inline constexpr uint8_t TCP_OPT_EOL = 0;
inline constexpr uint8_t TCP_OPT_NOP = 1;
inline constexpr uint8_t TCP_OPT_MSS = 2;
inline constexpr uint8_t TCP_OPT_WINDOW_SCALE = 3;
inline constexpr uint8_t TCP_OPT_SACK_PERMITTED = 4;
inline constexpr uint8_t TCP_OPT_SACK = 5;
inline constexpr uint8_t TCP_OPT_TIMESTAMPS = 8;

enum class TcpHeaderError { None, Truncated, BadDataOffset };

const char* to_string(TcpHeaderError e);

// A view over one TCP segment (header, options, payload). Call check() first:
// only when it returns None are the getters guaranteed to stay in bounds.
class TcpView {
public:
    explicit TcpView(std::span<const uint8_t> bytes) : b_(bytes) {}

    // Truncated: fewer than 20 bytes. BadDataOffset: data offset < 5 or the
    // header it announces runs past the buffer (RFC 9293 §3.1).
    TcpHeaderError check() const;

    uint16_t src_port() const;
    uint16_t dst_port() const;
    uint32_t seq() const;
    uint32_t ack() const;
    size_t header_len() const;  // data offset * 4
    uint8_t flags() const;      // CWR ECE URG ACK PSH RST SYN FIN (low 8 bits)
    uint16_t window() const;    // unsigned (MUST-1)
    uint16_t checksum() const;
    uint16_t urgent_ptr() const;
    std::span<const uint8_t> options() const;  // bytes 20 .. header_len
    std::span<const uint8_t> payload() const;  // bytes header_len .. end of buffer

private:
    std::span<const uint8_t> b_;
};

// One option as found on the wire: kind and the bytes after kind and length.
// NOP is yielded with empty data; EOL ends the iteration and is not yielded.
struct TcpOptionView {
    uint8_t kind = 0;
    std::span<const uint8_t> data;
};

// Walks an option list at any byte alignment (MUST-64). A length below 2 or
// one running past the end is illegal (MUST-7): next() returns false and
// has_error() becomes true; the options read before stay valid.
class TcpOptionIterator {
public:
    explicit TcpOptionIterator(std::span<const uint8_t> options) : b_(options) {}

    // Stores the next option in `out` and returns true, or returns false at
    // the end of the list, at EOL, or on an illegal length.
    bool next(TcpOptionView& out);
    bool has_error() const { return error_; }

private:
    std::span<const uint8_t> b_;
    size_t pos_ = 0;
    bool done_ = false;
    bool error_ = false;
};

}  // namespace ustack::wire
