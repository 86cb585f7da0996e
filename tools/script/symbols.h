// Symbolic constants of the socket API as packet scripts name them (Linux
// values, as packetdrill scripts expect), and errno names.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "tcp/error.h"
#include "tools/script/ast.h"

namespace ustack::script {

// AF_INET, SOCK_STREAM, SOL_SOCKET, SO_REUSEADDR, O_NONBLOCK, POLLIN, ... and errno names.
std::optional<int64_t> symbol_value(std::string_view name);

// The integer value of a system-call argument: a number, a symbol, `A|B`, a
// one-element list `[x]`, or `htons(x)`. nullopt with *error set otherwise.
std::optional<int64_t> eval_int(const Expr& e, std::string* error);

// ECONNREFUSED -> 111 (EWOULDBLOCK and EAGAIN are the same number).
std::optional<int> errno_number(std::string_view name);
// 111 -> "ECONNREFUSED"; unknown numbers print as "errno N".
std::string errno_name(int number);

// The errno a socket reports for a TCP core error (RFC 9293 §3.9.1.8 reasons).
int errno_of(tcp::TcpError e);

}  // namespace ustack::script
