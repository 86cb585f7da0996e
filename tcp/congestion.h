// The congestion controller seam (RFC 5681 §3; RFC 9293 §3.8.2, MUST-19).
// The connection reports ACK events and timeouts; the controller owns cwnd and
// ssthresh and says when to fast-retransmit. Reno is the first implementation;
// CUBIC (RFC 9438) plugs in here later.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "stack/wire/seq_num.h"

namespace ustack::tcp {

// What the connection should do after an ACK event.
enum class CongestionAction {
    None,
    RetransmitHead,  // send the segment at SND.UNA again now (fast retransmit / partial ACK)
};

struct AckEvent {
    wire::SeqNum ack;        // SEG.ACK (the new SND.UNA for new ACKs)
    uint32_t acked = 0;      // bytes newly acknowledged (0 for a duplicate)
    uint32_t flight = 0;     // FlightSize before this ACK (RFC 5681 §2)
    wire::SeqNum snd_max;    // highest sequence number sent so far
};

class CongestionControl {
public:
    virtual ~CongestionControl() = default;
    virtual std::string_view name() const = 0;
    // The sender's MSS is known (connection established): sets the initial window.
    virtual void init(uint32_t smss) = 0;
    // An ACK that advances SND.UNA.
    virtual CongestionAction on_new_ack(const AckEvent& e) = 0;
    // A duplicate ACK in the sense of RFC 5681 §2.
    virtual CongestionAction on_dup_ack(const AckEvent& e) = 0;
    // The retransmission timer expired (RFC 5681 §3.1 eq. 4, loss window).
    virtual void on_retransmit_timeout(uint32_t flight, wire::SeqNum snd_max) = 0;
    virtual uint32_t cwnd() const = 0;
    virtual uint32_t ssthresh() const = 0;
    virtual bool in_recovery() const = 0;
};

// RFC 5681 Reno with the RFC 6582 (NewReno) partial-ACK rule.
std::unique_ptr<CongestionControl> make_reno(uint32_t initial_window_segments);

}  // namespace ustack::tcp
