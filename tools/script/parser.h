// Parser for packet scripts in the packetdrill dialect (options, timed packet
// and system-call events). Unsupported constructs are errors, never skipped.
#pragma once

#include <string_view>

#include "tools/script/ast.h"

namespace ustack::script {

// Parses a whole script. Throws ScriptError(line, message) on a syntax error
// or on a construct ustack does not support (%{ }% code, `shell` commands,
// IPv6/UDP/ICMP packets, IP-level fields, fuzzing, TCP options it cannot carry).
Script parse_script(std::string_view source);

}  // namespace ustack::script
