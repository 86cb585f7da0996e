// Shared reporting helpers of the script runner: JSON escaping, first lines of
// failure messages, and the ustack-vs-Linux classification of --diff.
#pragma once

#include <string>

namespace ustack::script {

std::string json_escape(const std::string& s);

// The first line of a multi-line failure message ("FILE:LINE: what").
std::string first_line(const std::string& message);

// --diff: how one script fared on ustack (in-process) and on the Linux kernel.
enum class DiffClass { BothPass, UstackOnly, LinuxOnly, BothFail };

// ustack_passed/linux_passed -> the class; "UstackOnly" means only ustack passed.
DiffClass classify(bool ustack_passed, bool linux_passed);
// "both pass", "ustack only", "Linux only", "both fail".
const char* to_string(DiffClass c);

}  // namespace ustack::script
