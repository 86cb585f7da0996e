// RFC 9293 §3.3.2: every state is reachable by real segments (the fixtures
// the other state tests start from), for active and passive opens.
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
