// TCP header view and option walker (RFC 9293 §3.1 format, §3.2 option
// rules: MUST-64 any alignment, MUST-7 illegal lengths).
#include "stack/wire/tcp_header.h"

#include "stack/wire/bytes.h"

namespace ustack::wire {
namespace {
// Field offsets (RFC 9293 §3.1, figure 1).
constexpr size_t SRC_PORT = 0;
constexpr size_t DST_PORT = 2;
constexpr size_t SEQ = 4;
constexpr size_t ACK = 8;
constexpr size_t DATA_OFFSET = 12;  // high 4 bits
constexpr size_t FLAGS = 13;
constexpr size_t WINDOW = 14;
constexpr size_t CHECKSUM = 16;
constexpr size_t URGENT = 18;
}  // namespace

const char* to_string(TcpHeaderError e) {
    switch (e) {
        case TcpHeaderError::None: return "ok";
        case TcpHeaderError::Truncated: return "truncated";
        case TcpHeaderError::BadDataOffset: return "bad data offset";
    }
    return "?";
}

TcpHeaderError TcpView::check() const {
    if (b_.size() < TCP_MIN_HEADER_LEN) return TcpHeaderError::Truncated;
    size_t hlen = header_len();
    if (hlen < TCP_MIN_HEADER_LEN || hlen > b_.size()) return TcpHeaderError::BadDataOffset;
    return TcpHeaderError::None;
}

uint16_t TcpView::src_port() const { return load_be16(&b_[SRC_PORT]); }
uint16_t TcpView::dst_port() const { return load_be16(&b_[DST_PORT]); }
uint32_t TcpView::seq() const { return load_be32(&b_[SEQ]); }
uint32_t TcpView::ack() const { return load_be32(&b_[ACK]); }
size_t TcpView::header_len() const { return size_t(b_[DATA_OFFSET] >> 4) * 4; }
uint8_t TcpView::flags() const { return b_[FLAGS]; }
uint16_t TcpView::window() const { return load_be16(&b_[WINDOW]); }
uint16_t TcpView::checksum() const { return load_be16(&b_[CHECKSUM]); }
uint16_t TcpView::urgent_ptr() const { return load_be16(&b_[URGENT]); }
std::span<const uint8_t> TcpView::options() const {
    return b_.subspan(TCP_MIN_HEADER_LEN, header_len() - TCP_MIN_HEADER_LEN);
}
std::span<const uint8_t> TcpView::payload() const { return b_.subspan(header_len()); }

bool TcpOptionIterator::next(TcpOptionView& out) {
    if (done_ || pos_ >= b_.size()) {
        done_ = true;
        return false;
    }
    uint8_t kind = b_[pos_];
    if (kind == TCP_OPT_EOL) {
        done_ = true;
        return false;
    }
    if (kind == TCP_OPT_NOP) {
        ++pos_;
        out = TcpOptionView{kind, {}};
        return true;
    }
    // Every other option carries a length counting kind and length (MUST-68).
    if (pos_ + 1 >= b_.size()) {
        done_ = error_ = true;  // kind with no room for its length byte
        return false;
    }
    size_t len = b_[pos_ + 1];
    if (len < 2 || len > b_.size() - pos_) {
        done_ = error_ = true;  // zero/one length would loop; longer runs past the header
        return false;
    }
    out = TcpOptionView{kind, b_.subspan(pos_ + 2, len - 2)};
    pos_ += len;
    return true;
}

}  // namespace ustack::wire
