// The send sequence space (RFC 9293 §3.3.1 Figure 3: SND.UNA, SND.NXT, SND.WND,
// SND.WL1, SND.WL2, ISS) and the send buffer. The unacknowledged part of the
// buffer is the retransmission queue (§3.8.1).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "stack/wire/seq_num.h"
#include "tcp/byte_ring.h"
#include "tcp/segment.h"

namespace ustack::tcp {

class Sender {
public:
    // The buffer allocates nothing until data is queued; it grows up to `capacity`.
    explicit Sender(size_t capacity) : ring_(ByteRing::lazy(capacity)) {}

    // Picks the ISS: SND.UNA = SND.NXT = SND.MAX = ISS; data starts at ISS+1.
    void start(SeqNum iss);

    SeqNum iss() const { return iss_; }
    SeqNum una() const { return una_; }
    SeqNum nxt() const { return nxt_; }
    // Highest sequence number sent so far (SND.NXT can be pulled back to
    // SND.UNA after a timeout; SND.MAX keeps what was really sent).
    SeqNum max() const { return max_; }
    uint32_t wnd() const { return wnd_; }
    uint32_t max_wnd() const { return max_wnd_; }
    SeqNum wl1() const { return wl1_; }
    SeqNum wl2() const { return wl2_; }
    uint16_t mss() const { return mss_; }
    void set_mss(uint16_t mss) { mss_ = mss; }

    // Sequence number of the first byte in the buffer, and one past the last.
    SeqNum data_seq() const { return iss_ + 1 + uint32_t(popped_); }
    SeqNum data_end() const { return data_seq() + uint32_t(ring_.size()); }
    bool syn_acked() const { return una_ > iss_; }
    bool fin_queued() const { return fin_queued_; }
    SeqNum fin_seq() const { return data_end(); }  // valid when fin_queued()
    bool fin_sent() const { return fin_queued_ && max_ > data_end(); }
    bool fin_acked() const { return fin_queued_ && una_ > data_end(); }

    // SEG.SEQ for a segment without data (an ACK, a window update, a RST on
    // timeout): the RFC's SND.NXT, which is our SND.MAX, since a timeout pulls
    // SND.NXT back to resend. A peer drops a zero-length segment left of its
    // RCV.NXT without reading its ACK field (§3.10.7.4), so an ACK sent from a
    // pulled-back SND.NXT is never heard, and two such peers ACK each other
    // forever. Kept within the peer's window, as Linux's tcp_acceptable_seq().
    SeqNum ack_seq() const {
        SeqNum wnd_end = una_ + wnd_;
        return wire::max(nxt_, max_ <= wnd_end ? max_ : wnd_end);
    }
    // Bytes queued but not yet sent from SND.NXT on.
    uint32_t unsent() const { return nxt_ < data_end() ? uint32_t(data_end() - nxt_) : 0; }
    // The FIN is due at SND.NXT (all data before it sent).
    bool fin_due() const { return fin_queued_ && nxt_ == data_end(); }
    // Sent and not yet acknowledged, counted from SND.NXT (what the window limits now).
    uint32_t in_flight() const { return uint32_t(nxt_ - una_); }
    // RFC 5681 FlightSize: everything sent and not acknowledged.
    uint32_t flight_size() const { return uint32_t(max_ - una_); }
    size_t buffered() const { return ring_.size(); }
    // Room for SEND: up to the configured size, as far as the growth budget
    // (tcp/memory.h) lets the storage grow; none of it under memory pressure.
    size_t free_space() const { return fin_queued_ ? 0 : ring_.reachable(budget_) - ring_.size(); }

    // SEND: appends to the buffer (growing it within budget); returns bytes taken.
    size_t queue(std::span<const uint8_t> data);
    // Bytes of storage the buffer may still allocate (the pool's room; 0 under pressure).
    void set_growth_budget(size_t bytes) { budget_ = bytes; }
    size_t capacity() const { return ring_.capacity(); }  // storage allocated now
    void queue_fin() { fin_queued_ = true; }
    // FLUSH (RFC 9293 §3.9.1.7): forgets queued octets never sent (past
    // SND.MAX and any zero-window probe octet); returns how many.
    size_t drop_unsent();

    // Urgent data (§3.8.5, RFC 6093 §4): SND.UP becomes one past the last
    // octet queued so far (the first non-urgent octet, MUST-62). Urgent mode
    // lasts while SND.UNA < SND.UP; a later mark moves SND.UP further out.
    void mark_urgent() {
        up_ = data_end();
        urgent_ = una_ < up_;
    }
    bool urgent_mode() const { return urgent_; }
    SeqNum up() const { return up_; }  // SND.UP, meaningful in urgent_mode()

    // Records that [seq, seq+len) was sent (len counts SYN/FIN).
    void on_sent(SeqNum seq, uint32_t len);
    // SND.NXT back to SND.UNA: go back and resend from the oldest byte (RFC 6298 §5.4).
    void rewind() { nxt_ = una_; }

    // SEG.ACK acceptable for the fifth step: SND.UNA < ack <= SND.MAX.
    // A zero-window probe byte past SND.MAX may be acknowledged too (§3.8.6.1).
    bool acks_new(SeqNum ack) const { return una_ < ack && ack <= ack_limit(); }
    SeqNum ack_limit() const { return wire::max(max_, probe_end_); }
    // A zero-window probe carried the byte at SND.NXT without advancing SND.NXT.
    void on_probe_sent(SeqNum end) { probe_end_ = wire::max(probe_end_, end); }
    // Moves SND.UNA to `ack` and drops acknowledged bytes; returns bytes
    // freed from the buffer.
    size_t acknowledge(SeqNum ack);
    // §3.10.7.4 fifth step: update SND.WND when the segment is newer (WL1/WL2 rule).
    // Returns true when the window was updated.
    bool update_window(const Segment& seg);
    // Window from a SYN or SYN-ACK (§3.10.7.3): SND.WND, WL1 = SEG.SEQ, WL2 = SEG.ACK.
    // A SYN's window is never scaled (RFC 7323 §2.2).
    void set_window(uint32_t wnd, SeqNum wl1, SeqNum wl2);
    // RFC 7323 §2.3: the peer's Snd.Wind.Shift (both SYNs carried Window
    // Scale); SEG.WND of non-SYN segments is shifted left by it.
    void set_scale(uint8_t shift) { shift_ = shift; }
    uint8_t scale() const { return shift_; }
    // SEG.WND << Snd.Wind.Shift for a non-SYN segment.
    uint32_t scaled(uint16_t window) const { return uint32_t(window) << shift_; }

    // Copies buffered data starting at sequence number `seq` into out; returns bytes.
    size_t copy(SeqNum seq, std::span<uint8_t> out) const;

    // Frees the buffer (all data acknowledged, e.g. TIME-WAIT).
    void release() { ring_.release(); }

private:
    ByteRing ring_;
    SeqNum iss_, una_, nxt_, max_;
    SeqNum wl1_, wl2_;
    SeqNum probe_end_;
    SeqNum up_;            // SND.UP
    bool urgent_ = false;  // SND.UNA < SND.UP (Linux: tcp_urg_mode)
    uint32_t wnd_ = 0;
    uint32_t max_wnd_ = 0;
    uint16_t mss_ = 536;
    uint8_t shift_ = 0;
    uint64_t popped_ = 0;  // data bytes acknowledged so far (ring offset 0 = ISS+1+popped_)
    bool fin_queued_ = false;
    size_t budget_ = SIZE_MAX;
};

}  // namespace ustack::tcp
