// RFC 9293 §3.3.2: every state is reachable by real segments (the fixtures
// the other state tests start from), for active and passive opens.
#include <gtest/gtest-spi.h>
#include <tins/ip.h>
#include <tins/rawpdu.h>
#include <tins/sniffer.h>
#include <tins/tcp.h>

#include <cstdio>
#include <fstream>

#include "tests/harness/harness.h"
#include "tests/harness/req.h"

namespace ustack::testing {
namespace {

struct Case { State state; Open how; };

class Fixture_Reaches : public ::testing::TestWithParam<Case>, public Harness {};

TEST_P(Fixture_Reaches, State) {
    in_state(GetParam().state, GetParam().how);
    expect_state(GetParam().state);
    expect_silence();
}

std::string name(const ::testing::TestParamInfo<Case>& info) {
    std::string s(tcp::to_string(info.param.state));
    std::erase(s, '-');
    return s + (info.param.how == Open::Active ? "_Active" : "_Passive");
}

INSTANTIATE_TEST_SUITE_P(AllStates, Fixture_Reaches, ::testing::Values(
    Case{State::Closed, Open::Active}, Case{State::Closed, Open::Passive},
    Case{State::Listen, Open::Passive}, Case{State::SynSent, Open::Active},
    Case{State::SynReceived, Open::Passive}, Case{State::SynReceived, Open::Active},
    Case{State::Established, Open::Active}, Case{State::Established, Open::Passive},
    Case{State::FinWait1, Open::Active}, Case{State::FinWait1, Open::Passive},
    Case{State::FinWait2, Open::Active}, Case{State::FinWait2, Open::Passive},
    Case{State::CloseWait, Open::Active}, Case{State::CloseWait, Open::Passive},
    Case{State::Closing, Open::Active}, Case{State::Closing, Open::Passive},
    Case{State::LastAck, Open::Active}, Case{State::LastAck, Open::Passive},
    Case{State::TimeWait, Open::Active}, Case{State::TimeWait, Open::Passive}), name);

}  // namespace
}  // namespace ustack::testing

// ---- The harness itself: its checks can fail, and its pcap is readable. ----

namespace ustack::testing {
namespace {

// Runs `step` and returns the failures it reported, without failing this test.
template <class F>
std::vector<std::string> failures_of(F step) {
    ::testing::TestPartResultArray results;
    {
        ::testing::ScopedFakeTestPartResultReporter reporter(
            ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD, &results);
        step();
    }
    std::vector<std::string> out;
    for (int i = 0; i < results.size(); ++i) out.push_back(results.GetTestPartResult(i).message());
    return out;
}

TEST(Harness, ExpectReportsEachMismatchedField) {
    Harness h;
    h.connect();
    auto f = failures_of([&] { h.expect(seg().syn().ack_flag().seq(3).mss(536).data("x")); });
    ASSERT_EQ(f.size(), 1u);
    for (const char* what : {"flags", "seq (relative)", "mss option", "payload length"})
        EXPECT_NE(f[0].find(what), std::string::npos) << what << " not in: " << f[0];
}

TEST(Harness, ExpectSilenceReportsSegmentsSentMeanwhile) {
    Harness h;
    h.in_state(State::SynSent);
    auto f = failures_of([&] { h.expect_silence(1s); });  // the SYN is retransmitted at 1 s
    ASSERT_EQ(f.size(), 1u);
    EXPECT_NE(f[0].find("[S]"), std::string::npos) << f[0];
}

TEST(Harness, ExpectAfterReportsEarlySegment) {
    Harness h;
    h.in_state(State::SynSent);
    auto f = failures_of([&] { h.expect_after(2s, seg().syn()); });  // it comes after 1 s
    EXPECT_FALSE(f.empty());
}

TEST(Harness, ExpectStateAndEventReportMismatch) {
    Harness h;
    h.in_state(State::SynSent);
    EXPECT_EQ(failures_of([&] { h.expect_state(State::Established); }).size(), 1u);
    EXPECT_EQ(failures_of([&] { h.expect_event(Event::Readable); }).size(), 1u);
}

TEST(Harness, PcapHoldsEveryPacketAsRawIpv4) {
    Harness h;
    h.in_state(State::Established);
    h.send("hello");
    h.expect(seg().ack_flag().data("hello"));
    std::string path = ::testing::TempDir() + "/ustack-harness-selftest.pcap";
    ASSERT_TRUE(h.write_pcap(path));
    std::ifstream file(path, std::ios::binary);
    unsigned char header[24] = {};
    file.read(reinterpret_cast<char*>(header), sizeof header);
    EXPECT_EQ(header[20] | header[21] << 8, 101);  // LINKTYPE_RAW in the pcap file header
    Tins::FileSniffer sniffer(path);
    std::vector<uint8_t> flags;
    std::string last_payload;
    for (Tins::Packet p = sniffer.next_packet(); p; p = sniffer.next_packet()) {
        const Tins::TCP& tcp = p.pdu()->rfind_pdu<Tins::TCP>();
        flags.push_back(uint8_t(tcp.flags()));
        if (const auto* raw = tcp.find_pdu<Tins::RawPDU>())
            last_payload.assign(raw->payload().begin(), raw->payload().end());
    }
    ASSERT_EQ(flags.size(), 4u);  // SYN, SYN-ACK, ACK, data
    EXPECT_EQ(flags[0], tcp::flags::SYN);
    EXPECT_EQ(flags[1], tcp::flags::SYN | tcp::flags::ACK);
    EXPECT_EQ(last_payload, "hello");
    std::remove(path.c_str());
}

// Sequence numbers that wrap past 2^32 during the exchange (RFC 9293 §3.4).
TEST(Harness, SequenceSpaceWrapsOnBothSides) {
    HarnessOptions o;
    o.our_isn = 0xfffffffd;
    o.peer_isn = 0xfffffffe;
    Harness h(o);
    h.in_state(State::Established);
    h.inject(seg().ack_flag().seq(1).ack(1).data("abcdef"));
    h.expect_within(500ms, seg().flags(tcp::flags::ACK).ack(7));
    h.send("uvwxyz");
    h.expect(seg().ack_flag().seq(1).data("uvwxyz"));
    h.inject(seg().ack_flag().seq(7).ack(7));
    EXPECT_EQ(h.receive(), "abcdef");
    EXPECT_EQ(h.snap().snd_una.raw(), 0xfffffffdu + 7);
    EXPECT_FALSE(h.snap().retransmit_deadline.has_value());
}

}  // namespace
}  // namespace ustack::testing
