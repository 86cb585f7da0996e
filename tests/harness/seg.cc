// Test harness: segment specs and their one-line descriptions (tcpdump-like).
#include "tests/harness/seg.h"

#include <sstream>

namespace ustack::testing {

Seg& Seg::data_len(size_t n) {
    std::string s(n, 'a');
    for (size_t i = 0; i < n; ++i) s[i] = char('a' + i % 26);
    data_ = std::move(s);
    return *this;
}

std::string flag_letters(uint8_t f) {
    std::string s;
    if (f & tcp::flags::SYN) s += 'S';
    if (f & tcp::flags::FIN) s += 'F';
    if (f & tcp::flags::RST) s += 'R';
    if (f & tcp::flags::PSH) s += 'P';
    if (f & tcp::flags::URG) s += 'U';
    if (f & tcp::flags::ECE) s += 'E';
    if (f & tcp::flags::CWR) s += 'W';
    if (f & tcp::flags::ACK) s += '.';
    return s.empty() ? std::string("none") : s;
}

std::string describe_options(const tcp::TcpOptions& o) {
    std::ostringstream os;
    const char* sep = "";
    if (o.mss) { os << sep << "mss " << *o.mss; sep = ","; }
    if (o.window_scale) { os << sep << "wscale " << int(*o.window_scale); sep = ","; }
    if (o.sack_permitted) { os << sep << "sackOK"; sep = ","; }
    if (o.timestamps) { os << sep << "TS val " << o.timestamps->val << " ecr " << o.timestamps->ecr; sep = ","; }
    for (uint8_t i = 0; i < o.sack_count && i < o.sack.size(); ++i) {
        os << sep << "sack " << o.sack[i].left.raw() << ":" << o.sack[i].right.raw();
        sep = ",";
    }
    std::string s = os.str();
    return s.empty() ? s : "<" + s + ">";
}

std::string Seg::describe() const {
    std::ostringstream os;
    os << "[" << (flags_given_ ? flag_letters(flags_) : std::string("*"));
    if (psh_ == Psh::Forbidden) os << " noPSH";
    os << "] seq ";
    if (seq_rel_) os << *seq_rel_; else if (seq_abs_) os << "abs " << *seq_abs_; else os << "*";
    if (ack_rel_ || ack_abs_) {
        os << " ack ";
        if (ack_rel_) os << *ack_rel_; else os << "abs " << *ack_abs_;
    }
    os << " win ";
    if (win_) os << *win_; else os << "*";
    os << " len ";
    if (data_) os << data_->size(); else if (len_) os << *len_; else os << "*";
    tcp::TcpOptions o;
    o.mss = mss_;
    o.window_scale = ws_;
    o.sack_permitted = sack_perm_;
    o.timestamps = ts_;
    std::string opts = describe_options(o);
    if (!opts.empty()) os << " " << opts;
    if (!sack_.empty()) {
        os << " <sack";
        for (const auto& [l, r] : sack_) os << " " << l << ":" << r;
        os << ">";
    }
    if (no_sack_) os << " <no sack>";
    if (no_mss_) os << " <no mss>";
    if (no_options_) os << " <no options>";
    if (our_port_) os << " our port " << *our_port_;
    if (peer_port_) os << " peer port " << *peer_port_;
    return os.str();
}

}  // namespace ustack::testing
