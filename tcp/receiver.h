// The receive sequence space (RFC 9293 §3.3.1 Figure 4: RCV.NXT, RCV.WND, IRS),
// the receive buffer, the segment acceptability test (§3.10.7.4 table) and
// receiver-side silly window avoidance (§3.8.6.2.2, MUST-39).
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "stack/wire/seq_num.h"
#include "tcp/byte_ring.h"
#include "tcp/reassembler.h"
#include "tcp/segment.h"

namespace ustack::tcp {

// RFC 7323 §2.3: the smallest shift (0..14) that lets a receive buffer of
// `buffer` octets be advertised in the 16-bit window field.
uint8_t window_scale_for(size_t buffer);

class Receiver {
public:
    // `mss` is the segment size the peer is expected to send (for SWS avoidance).
    // The buffer allocates nothing until data arrives; it grows up to `capacity`,
    // and with auto-tuning (grow()) up to `ceiling` when that is larger.
    Receiver(size_t capacity, uint16_t mss, size_t ceiling = 0)
        : ring_(ByteRing::lazy(std::max(capacity, ceiling))), mss_(mss), clamp_(capacity) {}

    // A SYN arrived with SEG.SEQ = irs: RCV.NXT = IRS + 1; opens the window.
    void start(SeqNum irs);

    SeqNum irs() const { return irs_; }
    SeqNum nxt() const { return nxt_; }
    // RCV.WND as the peer knows it: up to the right edge last advertised.
    uint32_t wnd() const { return adv_ > nxt_ ? uint32_t(adv_ - nxt_) : 0; }
    // Computes the window field for an outgoing segment and records the right
    // edge advertised. The edge never moves left (MUST/SHLD-14), and moves
    // right only by a worthwhile amount (SWS avoidance). A SYN's window is
    // never scaled (RFC 7323 §2.2); other segments carry RCV.WND >> shift.
    uint16_t advertise(bool syn = false);
    // RFC 7323 §2: both SYNs carried Window Scale; our windows are shifted
    // right by `shift` from now on (0..14).
    void set_scale(uint8_t shift) { shift_ = shift; }
    uint8_t scale() const { return shift_; }
    // A window update is worth sending: the edge could move right by at least
    // min(buffer/2, MSS) (§3.8.6.2.2) and the window is below that amount now.
    bool window_update_due() const;

    // §3.10.7.4 acceptability test on SEG.SEQ / SEG.LEN against RCV.NXT / RCV.WND.
    bool acceptable(const Segment& seg) const;

    struct Accepted {
        uint32_t bytes = 0;   // new in-order bytes
        bool fin = false;     // the FIN became in order (RCV.NXT advanced past it)
    };
    // Seventh and eighth steps: takes the segment text (and FIN) within the window.
    Accepted accept(const Segment& seg);

    // RFC 2018 §4 SACK blocks for the next ACK, at most out.size(): a D-SACK
    // block first when a duplicate arrived since the last ACK (RFC 2883 §4,
    // followed by the held block containing it, if any), then the block
    // holding the most recently received out-of-order segment, then the
    // blocks reported most recently, then any others. Returns the count.
    size_t sack_blocks(std::span<SackBlock> out) const;
    // Duplicate octets [left, right) arrived (RFC 2883): reported once by the
    // next ACK; clear_dsack() after sending it.
    void note_duplicate(SeqNum left, SeqNum right) { dsack_ = SackBlock{left, right}; }
    void clear_dsack() { dsack_.reset(); }

    size_t readable() const { return ring_.size(); }
    size_t out_of_order() const { return reasm_.held_bytes(); }
    bool fin_received() const { return fin_received_; }
    // Copies in-order bytes out; never reads past the urgent mark in one call,
    // so the application can tell where urgent data ends (MUST-33).
    size_t read(std::span<uint8_t> out);
    void release() { ring_.release(); reasm_.clear(); up_.reset(); }

    // Sixth step, URG (§3.10.7.4, §3.8.5, RFC 6093 §4): RCV.UP = max(RCV.UP,
    // SEG.SEQ + SEG.UP), one past the last urgent octet; it may lie beyond the
    // data received so far (MUST-31). Returns true when RCV.UP moved ahead of
    // the data the application has read: the user is to be signalled, once per advance.
    bool note_urgent(SeqNum up);
    // Sequence number of the next octet receive() returns.
    SeqNum read_seq() const { return nxt_ - uint32_t(ring_.size()) - (fin_received_ ? 1u : 0u); }
    // Urgent octets not yet read, from the read position up to RCV.UP,
    // including those that have not arrived yet (MUST-33).
    uint32_t urgent_remaining() const { return up_ && *up_ > read_seq() ? uint32_t(*up_ - read_seq()) : 0; }
    // The read position is at the urgent mark: all urgent data has been read
    // and the next octet is the first non-urgent one (RFC 6093 §4).
    bool at_urgent_mark() const { return up_ && *up_ == read_seq(); }
    size_t capacity() const { return clamp_; }              // the buffer size now (configured, or tuned)
    size_t ceiling() const { return ring_.limit(); }        // the most auto-tuning may grow it to
    size_t allocated() const { return ring_.capacity(); }   // storage allocated now
    // Bytes of storage the buffer may still allocate to open the window
    // (the pool's room, tcp/memory.h; 0 under pressure: the window then opens
    // only within the storage already allocated). An edge already advertised
    // never moves left (SHLD-14), and data within it is always taken.
    void set_growth_budget(size_t bytes) { budget_ = bytes; }
    // Auto-tuning (tcp/rcv_space.h): the buffer may hold `bytes` (at most
    // ceiling()) from now on. The window still opens only within the storage
    // the growth budget reaches, so memory pressure stops it growing. It never
    // shrinks: the window is never retracted (SHLD-14). True if it grew.
    bool grow(size_t bytes);

private:
    uint32_t potential_window() const;
    uint32_t max_window() const { return uint32_t(65535) << shift_; }

    ByteRing ring_;
    Reassembler reasm_;
    uint16_t mss_;
    uint8_t shift_ = 0;
    SeqNum irs_, nxt_;
    SeqNum edge_;  // right edge committed to: never moves left (SHLD-14)
    SeqNum adv_;   // right edge shown to the peer by the last window field (edge_ rounded up to the scale unit)
    bool fin_received_ = false;
    size_t budget_ = SIZE_MAX;
    size_t clamp_;  // the buffer size the window may use (Linux's window_clamp)
    std::optional<SeqNum> up_;  // RCV.UP while at or ahead of the read position
    // Left edges of the out-of-order segments received most recently, newest
    // first, each in a different held block (RFC 2018 §4 block order).
    std::array<SeqNum, 4> recent_{};
    size_t recent_count_ = 0;
    std::optional<SackBlock> dsack_;
    void remember_recent(SeqNum seq);
};

}  // namespace ustack::tcp
