// The congestion controller seam: RFC 6928 initial window, RFC 5681 §3.1 slow start, and the factory.
#include "tcp/congestion.h"

#include <algorithm>

#include "tcp/cubic.h"
#include "tcp/reno.h"

namespace ustack::tcp {

uint32_t initial_window(uint32_t segments, uint32_t smss) {
    segments = std::max<uint32_t>(segments, 1);
    return std::min(segments * smss, std::max(2 * smss, segments * 1460));
}

void CongestionControl::init(uint32_t smss, Instant) {
    smss_ = std::max<uint32_t>(smss, 1);
    cwnd_ = std::max(initial_window(iw_segments_, smss_), smss_);
}

void CongestionControl::slow_start(uint32_t acked) {
    cwnd_ += std::min(acked, smss_);
}

std::unique_ptr<CongestionControl> make_reno(uint32_t initial_window_segments) {
    return std::make_unique<Reno>(initial_window_segments);
}

std::unique_ptr<CongestionControl> make_cubic(uint32_t initial_window_segments) {
    return std::make_unique<Cubic>(initial_window_segments);
}

std::unique_ptr<CongestionControl> make_congestion_control(CongestionAlgorithm algo, uint32_t iw_segments) {
    if (algo == CongestionAlgorithm::Reno) return make_reno(iw_segments);
    return make_cubic(iw_segments);
}

std::string_view to_string(CongestionAlgorithm algo) {
    return algo == CongestionAlgorithm::Reno ? "reno" : "cubic";
}

std::optional<CongestionAlgorithm> parse_congestion(std::string_view name) {
    if (name == "reno") return CongestionAlgorithm::Reno;
    if (name == "cubic") return CongestionAlgorithm::Cubic;
    return std::nullopt;
}

}  // namespace ustack::tcp
