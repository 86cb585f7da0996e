#!/usr/bin/env bash
# wrk with tests/e2e/pipeline.lua: 6 GETs pipelined in each write, 2 connections for 3 s against
# `ustack serve`. No socket errors, no non-2xx, and every response body matches the request in its
# position (responses come back complete and in order).
set -uo pipefail
source "$(dirname "$0")/lib.sh"
e2e_require peer_wrk_pipeline wrk
e2e_setup peer-wrk

mkdir -p "$E2E_WORK/www/p"
for i in 1 2 3 4 5 6; do echo "/p/$i" >"$E2E_WORK/www/p/$i"; done
start_serve "$E2E_WORK/serve.log" --root "$E2E_WORK/www" || { bad "ustack serve starts"; e2e_finish; }
ok "ustack serve starts and answers ping"

out="$E2E_WORK/wrk.txt"
ns_exec timeout 40 wrk -t 2 -c 2 -d 3s --timeout 5s -s "$E2E_REPO/tests/e2e/pipeline.lua" http://10.0.0.2/ >"$out" 2>&1
rc=$?
sed 's/^/  wrk | /' "$out"
check "wrk exits 0 (got $rc)" [ "$rc" -eq 0 ]
check "wrk: no socket errors" bash -c "! grep -q 'Socket errors' '$out'"
check "wrk: no non-2xx/3xx responses" bash -c "! grep -q 'Non-2xx' '$out'"
total=$(sed -n 's/^pipeline: responses \([0-9]*\) mismatched.*/\1/p' "$out")
wrong=$(sed -n 's/^pipeline: responses [0-9]* mismatched \([0-9]*\)/\1/p' "$out")
check "wrk: at least 100 pipelined responses (got '${total}')" [ "${total:-0}" -ge 100 ]
check "wrk: every response in order with its own body (mismatched '${wrong}')" [ "${wrong:-x}" = 0 ]
requests=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$out")
check "wrk's request count equals the responses checked ($requests vs $total)" [ "${requests:-x}" = "${total:-y}" ]
check "ustack serve still running" ns_alive "$SERVE_PID"
ns_stop "$SERVE_PID"; rc=$?
check "ustack serve stops cleanly (exit $rc)" [ "$rc" -eq 0 ]
e2e_finish
