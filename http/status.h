// RFC 9110 §15 (status codes): reason phrases for the codes this server and parser produce.
#pragma once

#include <string_view>

namespace ustack::http {

// Reason phrase for a status code ("Not Found"); "Unknown" for codes outside the table.
std::string_view reason_phrase(int status);

}  // namespace ustack::http
