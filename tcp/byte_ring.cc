// Fixed-capacity byte ring used by the send and receive buffers (RFC 9293 §3.3.1).
#include "tcp/byte_ring.h"

#include <algorithm>
#include <cassert>
#include <cstring>

namespace ustack::tcp {

ByteRing::ByteRing(size_t capacity)
    : buf_(capacity ? std::make_unique<uint8_t[]>(capacity) : nullptr), capacity_(capacity), limit_(capacity) {}

ByteRing ByteRing::lazy(size_t limit) {
    ByteRing r;
    r.limit_ = limit;
    return r;
}

bool ByteRing::reserve(size_t n, size_t ceiling) {
    if (n <= capacity_) return true;
    if (n > limit_) return false;
    size_t next = std::min({limit_, std::max(n, ceiling), std::max({n, 2 * capacity_, kFirstStep})});
    auto grown = std::make_unique_for_overwrite<uint8_t[]>(next);
    // Linearize the whole old storage from head_: held bytes, then whatever
    // the reassembler wrote beyond them, each at the same logical offset.
    if (capacity_ > 0) {
        size_t first = capacity_ - head_;
        std::memcpy(grown.get(), buf_.get() + head_, first);
        std::memcpy(grown.get() + first, buf_.get(), head_);
    }
    buf_ = std::move(grown);
    capacity_ = next;
    head_ = 0;
    return true;
}

void ByteRing::copy_in(size_t pos, std::span<const uint8_t> data) {
    // pos is a logical index from head_; the copy may wrap once.
    size_t start = (head_ + pos) % capacity_;
    size_t first = std::min(data.size(), capacity_ - start);
    std::memcpy(buf_.get() + start, data.data(), first);
    if (first < data.size()) std::memcpy(buf_.get(), data.data() + first, data.size() - first);
}

size_t ByteRing::push(std::span<const uint8_t> data) {
    size_t n = std::min(data.size(), free());
    if (n == 0) return 0;
    copy_in(size_, data.first(n));
    size_ += n;
    return n;
}

size_t ByteRing::peek(size_t offset, std::span<uint8_t> out) const {
    if (offset >= size_) return 0;
    size_t n = std::min(out.size(), size_ - offset);
    size_t start = (head_ + offset) % capacity_;
    size_t first = std::min(n, capacity_ - start);
    std::memcpy(out.data(), buf_.get() + start, first);
    if (first < n) std::memcpy(out.data() + first, buf_.get(), n - first);
    return n;
}

void ByteRing::pop(size_t n) {
    assert(n <= size_);
    n = std::min(n, size_);
    if (n == 0) return;
    head_ = (head_ + n) % capacity_;
    size_ -= n;
}

size_t ByteRing::read(std::span<uint8_t> out) {
    size_t n = peek(0, out);
    pop(n);
    return n;
}

void ByteRing::write_beyond(size_t offset, std::span<const uint8_t> data) {
    assert(offset + data.size() <= free());
    if (data.empty()) return;
    copy_in(size_ + offset, data);
}

void ByteRing::commit(size_t n) {
    assert(n <= free());
    size_ += std::min(n, free());
}

void ByteRing::release() {
    buf_.reset();
    capacity_ = 0;
    limit_ = 0;
    head_ = 0;
    size_ = 0;
}

}  // namespace ustack::tcp
