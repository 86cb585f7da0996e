#!/usr/bin/env bash
# ping from the kernel gets echo replies from ustack (RFC 792), small and large.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
e2e_require ping ping
e2e_setup ping

mkdir -p "$E2E_WORK/www"
start_serve "$E2E_WORK/serve.log" --root "$E2E_WORK/www" || { bad "ustack serve starts"; e2e_finish; }
out=$(ns_exec ping -c 5 -i 0.2 -W 2 10.0.0.2)
echo "$out" | tail -2
check "ping -c 5: 5 replies" grep -q ' 5 received' <<<"$out"
out=$(ns_exec ping -c 3 -i 0.2 -W 2 -s 1400 10.0.0.2)
check "ping -s 1400 (1428-byte packets): 3 replies" grep -q ' 3 received' <<<"$out"
out=$(ns_exec ping -c 3 -i 0.2 -W 1 10.0.0.3)
check "ping to 10.0.0.3 (nobody) gets no reply" grep -q ' 0 received' <<<"$out"
ns_stop "$SERVE_PID"; rc=$?
check "ustack serve stops cleanly on SIGTERM (exit $rc)" [ "$rc" -eq 0 ]
e2e_finish
