// A fixed-capacity byte ring: the storage behind the send and receive buffers
// (RFC 9293 §3.3.1 "send/receive buffer"). Storage grows on demand in a few
// doubling steps up to a limit (tcp/memory.h), never per segment.
#pragma once

#include <cstddef>
#include <algorithm>
#include <cstdint>
#include <memory>
#include <span>

namespace ustack::tcp {

class ByteRing {
public:
    // A ring of `capacity` bytes, allocated at once (limit() == capacity).
    explicit ByteRing(size_t capacity = 0);
    // A ring that allocates nothing yet and grows by reserve() up to `limit`.
    static ByteRing lazy(size_t limit);

    // Bytes of storage allocated now (what tcp/memory.h charges).
    size_t capacity() const { return capacity_; }
    // The most the storage may grow to (the configured buffer size).
    size_t limit() const { return limit_; }
    size_t size() const { return size_; }
    size_t free() const { return capacity_ - size_; }
    bool empty() const { return size_ == 0; }

    // Appends up to free() bytes; returns how many were taken.
    size_t push(std::span<const uint8_t> data);
    // Copies bytes [offset, offset + out.size()) of the held data into out;
    // returns how many were copied (stops at size()).
    size_t peek(size_t offset, std::span<uint8_t> out) const;
    // Drops n bytes from the front (n <= size()).
    void pop(size_t n);
    // Keeps the first n held bytes and forgets the rest (n <= size()).
    void truncate(size_t n) { size_ = n < size_ ? n : size_; }
    // Copies out and pops; returns the count.
    size_t read(std::span<uint8_t> out);

    // Writes bytes into the free space `offset` bytes past the end of the held
    // data without making them part of it (the reassembler's out-of-order
    // store). offset + data.size() must be <= free().
    void write_beyond(size_t offset, std::span<const uint8_t> data);
    // Makes the next n bytes of the free space (written by write_beyond) held data.
    void commit(size_t n);

    // Grows the storage to at least n bytes (doubling from kFirstStep, capped
    // at limit() and at `ceiling` when that is above n), keeping the held
    // bytes and those written beyond them at their offsets. False (nothing
    // changed) when n > limit().
    bool reserve(size_t n, size_t ceiling = SIZE_MAX);
    // The storage reachable by allocating at most `budget` more bytes.
    size_t reachable(size_t budget) const { return capacity_ + std::min(budget, limit_ - capacity_); }
    static constexpr size_t kFirstStep = 4096;

    // Frees the storage (TIME-WAIT keeps no buffers); capacity and limit become 0.
    void release();

private:
    void copy_in(size_t pos, std::span<const uint8_t> data);

    std::unique_ptr<uint8_t[]> buf_;
    size_t capacity_ = 0;
    size_t limit_ = 0;
    size_t head_ = 0;  // index of the first held byte
    size_t size_ = 0;
};

}  // namespace ustack::tcp
