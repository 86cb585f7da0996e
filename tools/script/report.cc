// Reporting helpers of the script runner (JSON, messages, --diff classes).
#include "tools/script/report.h"

#include <cstdio>

namespace ustack::script {

std::string json_escape(const std::string& s) {
    std::string out;
    for (char ch : s) {
        if (ch == '"' || ch == '\\') {
            out += '\\';
            out += ch;
        } else if (static_cast<unsigned char>(ch) < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", ch);
            out += buf;
        } else {
            out += ch;
        }
    }
    return out;
}

std::string first_line(const std::string& message) { return message.substr(0, message.find('\n')); }

DiffClass classify(bool ustack_passed, bool linux_passed) {
    if (ustack_passed && linux_passed) return DiffClass::BothPass;
    if (ustack_passed) return DiffClass::UstackOnly;
    if (linux_passed) return DiffClass::LinuxOnly;
    return DiffClass::BothFail;
}

const char* to_string(DiffClass c) {
    switch (c) {
    case DiffClass::BothPass: return "both pass";
    case DiffClass::UstackOnly: return "ustack only";
    case DiffClass::LinuxOnly: return "Linux only";
    case DiffClass::BothFail: return "both fail";
    }
    return "?";
}

}  // namespace ustack::script
