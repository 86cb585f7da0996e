// The corpus in tests/scripts/ is well-formed: every script parses, names its
// RFC 9293 requirements with IDs from the requirement list, and uses only
// supported options. (Whether ustack passes them is the script.corpus ctest.)
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "tools/script/parser.h"
#include "tools/script/runner.h"

namespace ustack::script {
namespace {

std::string slurp(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

std::set<std::string> requirement_ids() {
    std::set<std::string> ids;
    std::istringstream csv(slurp(std::filesystem::path(USTACK_SOURCE_DIR) / "../shared/conformance/rfc9293-requirements.csv"));
    std::string line;
    while (std::getline(csv, line)) ids.insert(line.substr(0, line.find(',')));
    return ids;
}

TEST(ScriptCorpus, EveryScriptParsesWithKnownTagsAndOptions) {
    const auto dir = std::filesystem::path(USTACK_SOURCE_DIR) / "tests/scripts";
    const std::set<std::string> ids = requirement_ids();
    size_t count = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        if (entry.path().extension() != ".pkt") continue;
        ++count;
        SCOPED_TRACE(entry.path().filename().string());
        Script s;
        try {
            s = parse_script(slurp(entry.path()));
        } catch (const ScriptError& e) {
            ADD_FAILURE() << "line " << e.line << ": " << e.what();
            continue;
        }
        EXPECT_FALSE(s.events.empty());
        RunConfig cfg;
        for (const ScriptOption& o : s.options) EXPECT_NO_THROW(apply_option(cfg, o));
        for (const std::string& id : s.rfc9293) {
            if (ids.size() > 1) {
                EXPECT_TRUE(ids.count(id)) << "unknown requirement " << id;
            }
        }
    }
    EXPECT_GE(count, 40u);
}

}  // namespace
}  // namespace ustack::script
