#!/usr/bin/env bash
# Malformed and ambiguous requests (tests/e2e/peer_malformed.py, python3 sockets over the kernel's TCP)
# against `ustack serve`: CL+TE, bad Content-Length and chunk sizes, bare CR/LF, obs-fold, bad field
# characters, 414, 431, 505, 501, missing Host; each gets its status, Connection: close and a FIN (no
# RST), and no request smuggled inside another is ever answered (nor logged).
set -uo pipefail
source "$(dirname "$0")/lib.sh"
e2e_require peer_malformed
e2e_setup peer-malformed

mkdir -p "$E2E_WORK/www"
echo 'SECRET-CONTENT' >"$E2E_WORK/www/secret"
echo 'index' >"$E2E_WORK/www/index.html"
start_serve "$E2E_WORK/serve.log" --root "$E2E_WORK/www" --access-log "$E2E_WORK/access.log" || { bad "ustack serve starts"; e2e_finish; }
ok "ustack serve starts and answers ping"
run_checks ns_exec timeout 55 "$PY" "$E2E_REPO/tests/e2e/peer_malformed.py" 10.0.0.2
n=$(grep -c '"GET /secret ' "$E2E_WORK/access.log")
check "access log: /secret requested only by the 2 control requests (got $n)" [ "$n" -eq 2 ]
check "ustack serve still running" ns_alive "$SERVE_PID"
ns_stop "$SERVE_PID"; rc=$?
check "ustack serve stops cleanly (exit $rc)" [ "$rc" -eq 0 ]
e2e_finish
