#!/usr/bin/env bash
# Node's http client (Debian package nodejs) against `ustack serve` (tests/e2e/peer_node.js): GETs and
# a HEAD through a keep-alive Agent on one reused socket, parsed by llhttp in strict mode.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
e2e_require peer_node_http node
e2e_setup peer-node

www="$E2E_WORK/www"
mkdir -p "$www/dir"
make_file "$www/big.bin" 500000
echo 'small' >"$www/small.txt"
echo 'inner' >"$www/dir/inner.txt"
start_serve "$E2E_WORK/serve.log" --root "$www" || { bad "ustack serve starts"; e2e_finish; }
ok "ustack serve starts and answers ping"
run_checks ns_exec timeout 50 node "$E2E_REPO/tests/e2e/peer_node.js" 10.0.0.2 "$www"
n=$(grep -c 'SYN-RECEIVED -> ESTABLISHED' "$E2E_WORK/serve.log")
check "one connection for every request (got $n)" [ "$n" -eq 1 ]
ns_stop "$SERVE_PID"; rc=$?
check "ustack serve stops cleanly (exit $rc)" [ "$rc" -eq 0 ]
e2e_finish
