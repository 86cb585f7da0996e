// RACK loss detection (RFC 8985 §6): a segment is lost when one sent later
// was delivered and more than an RTT plus a reordering window has passed
// since it was sent. Time-based, so reordering within the window costs no
// retransmission and a lost retransmission is found without a timeout.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "base/time.h"
#include "stack/wire/seq_num.h"
#include "tcp/scoreboard.h"

namespace ustack::tcp {

class Rack {
public:
    // `capacity` segment records, allocated once (per connection).
    explicit Rack(size_t capacity) : segs_(capacity) {}

    // A segment [start, end) went out at `now` (new data or a retransmission),
    // `size` octets beyond the TCP and IP headers the MSS allows for (RFC 1191 §6.4).
    void on_sent(SeqNum start, SeqNum end, uint16_t size, bool retransmission, Instant now);
    // Forgets everything (a new connection; the peer reneged).
    void clear() { head_ = count_ = 0; }
    // Bytes of the record array (allocated with the connection, freed in TIME-WAIT and CLOSED).
    size_t memory() const { return segs_.capacity() * sizeof(Seg); }

    // RFC 8985 §6.2 steps 1-3 for an ACK: every segment at or below `una`
    // or wholly SACKed is delivered; RACK.xmit_ts/end_seq/rtt, min_RTT and
    // reordering_seen follow. `dsack`: the ACK carried a D-SACK block
    // (RFC 2883), which widens the reordering window (§6.2 step 4).
    void on_ack(SeqNum una, const SackScoreboard& sb, bool dsack, SeqNum snd_nxt, Instant now);

    // §6.2 step 5: marks lost each outstanding segment sent before the most
    // recently delivered one by more than RACK.rtt + reo_wnd. `recovering`:
    // fast or timeout recovery is in progress (reo_wnd may be 0); `srtt`
    // caps reo_wnd. Returns when to look again (the reordering timer, §6.3),
    // if a segment may still become lost.
    std::optional<Instant> detect_loss(bool recovering, Duration srtt, Instant now);
    // After a retransmission timeout (RFC 6675 §5.1, as Linux): every
    // outstanding segment not SACKed is lost; `reneged`: nor are SACKed ones kept.
    void mark_all_lost(bool reneged);
    // Recovery ended: the D-SACK-widened window decays after 16 recoveries (§6.2 step 4).
    void on_recovery_end();

    // The first segment marked lost and not yet retransmitted, as [start, end).
    bool first_lost(SeqNum& start, SeqNum& end) const;
    bool any_lost() const;
    // A spurious retransmission was undone: nothing is presumed lost.
    void unmark_all_lost() {
        for (size_t i = 0; i < count_; ++i) at(i).lost = false;
    }
    // A lost segment has nothing left to resend (all of it SACKed meanwhile).
    void unmark_lost(SeqNum start);
    // Octets presumed in the network (RFC 6675 pipe with RACK's marks, as
    // Linux's in_flight): outstanding segments above `una` neither SACKed
    // nor marked lost; a lost one counts again once retransmitted.
    uint32_t pipe(SeqNum una) const;
    // Segments tracked (outstanding).
    size_t size() const { return count_; }
    // RFC 1191 §6.4: calls f(start, end) for each record whose octets last
    // went out in units of at most `mss` octets (they passed a path with that
    // MSS), in sequence order.
    template <class F>
    void each_fitting(uint16_t mss, F&& f) const {
        for (size_t i = 0; i < count_; ++i) {
            if (at(i).size <= mss) f(at(i).start, at(i).end);
        }
    }

    // The reordering window of §6.2 step 4.
    Duration reo_wnd(bool recovering, Duration srtt) const;
    Duration min_rtt() const { return min_rtt_; }
    Duration rtt() const { return rtt_; }
    bool reordering_seen() const { return reordering_seen_; }

private:
    struct Seg {
        SeqNum start, end;
        Instant xmit{};
        // The largest unit that last carried any of its octets (payload plus
        // options beyond the MSS's; 0: a bare FIN). Fits the padding: a record stays 24 octets.
        uint16_t size = 0;
        bool retransmitted = false;
        bool lost = false;
        bool delivered = false;  // SACKed (cumulatively ACKed ones are removed)
    };
    static_assert(sizeof(Seg) <= 24, "memory accounting (docs/architecture.md) counts 24-octet records");
    Seg& at(size_t i) { return segs_[(head_ + i) % segs_.size()]; }
    const Seg& at(size_t i) const { return segs_[(head_ + i) % segs_.size()]; }
    // RFC 8985 §6.2 step 2: the later of two transmissions (time, then sequence).
    static bool sent_after(Instant t1, SeqNum s1, Instant t2, SeqNum s2) { return t1 > t2 || (t1 == t2 && s1 > s2); }
    void delivered(const Seg& s, Instant now);

    std::vector<Seg> segs_;
    size_t head_ = 0, count_ = 0;
    bool have_xmit_ = false;       // RACK.xmit_ts / end_seq are set
    Instant xmit_ts_{};            // RACK.xmit_ts
    SeqNum end_seq_;               // RACK.end_seq
    SeqNum fack_;                  // RACK.fack: highest end delivered
    bool have_fack_ = false;
    Duration rtt_{};               // RACK.rtt
    Duration min_rtt_{};           // RACK.min_RTT (0: no sample yet)
    uint32_t segs_sacked_ = 0;     // outstanding segments SACKed
    bool reordering_seen_ = false;
    uint32_t reo_wnd_mult_ = 1;
    uint32_t reo_wnd_persist_ = 0;
    std::optional<SeqNum> dsack_round_;
};

}  // namespace ustack::tcp
