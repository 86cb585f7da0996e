#!/usr/bin/env bash
# `ustack fetch` to a kernel port where nothing listens: the kernel answers the
# SYN with RST (RFC 9293 §3.10.7.3), fetch exits 6 with one line saying so.
# To an address nobody answers (10.0.0.3; the namespace does not forward): exit 7.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
e2e_require refused
e2e_setup refused

rc=$(fetch http://10.0.0.1:9/ "$E2E_WORK/refused" --timeout 10)
cat "$E2E_WORK/refused.log"
check "refused: exit status 6 (got $rc)" [ "$rc" = 6 ]
check "refused: one line on stderr says 'connection refused'" \
  bash -c "[ \$(grep -vc '^[*<>] ' '$E2E_WORK/refused.log') -eq 1 ] && grep -q '^ustack: connection refused by 10.0.0.1:9' '$E2E_WORK/refused.log'"
check "refused: -v traced SYN-SENT -> CLOSED" grep -q 'SYN-SENT -> CLOSED' "$E2E_WORK/refused.log"

start=$(date +%s)
rc=$(fetch http://10.0.0.3:80/ "$E2E_WORK/timeout" --timeout 2)
took=$(( $(date +%s) - start ))
cat "$E2E_WORK/timeout.log"
check "no answer: exit status 7 (got $rc)" [ "$rc" = 7 ]
check "no answer: gave up within 2..10 s (${took} s)" [ "$took" -ge 2 ] && [ "$took" -le 10 ]
check "no answer: message says 'timed out'" grep -q '^ustack: timed out' "$E2E_WORK/timeout.log"
e2e_finish
