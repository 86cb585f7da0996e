#!/usr/bin/env bash
# curl (the kernel's TCP) downloads files of 0 B, 1 B, 1 MiB and 64 MiB from
# `ustack serve`; SHA-256 of sent and received bytes must match.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
e2e_require serve_curl curl sha256sum
e2e_setup serve-curl

mkdir -p "$E2E_WORK/www"
for size in 0 1 1048576 67108864; do make_file "$E2E_WORK/www/f$size" "$size"; done
echo '<p>index</p>' >"$E2E_WORK/www/index.html"
start_serve "$E2E_WORK/serve.log" --root "$E2E_WORK/www" || { bad "ustack serve starts"; e2e_finish; }
ok "ustack serve starts and answers ping"

for size in 0 1 1048576 67108864; do
  code=$(ns_exec curl -sS --max-time 300 -o "$E2E_WORK/got$size" -w '%{http_code}' "http://10.0.0.2/f$size")
  if [ "$code" = 200 ] && [ "$(sha "$E2E_WORK/www/f$size")" = "$(sha "$E2E_WORK/got$size")" ]; then
    ok "GET /f$size: 200, $size bytes, SHA-256 equal"
  else
    bad "GET /f$size: status '$code', got $(stat -c %s "$E2E_WORK/got$size" 2>/dev/null || echo none) bytes"
  fi
done

check "GET / returns index.html" bash -c "[ \"\$(ip netns exec $NS curl -sS --max-time 10 http://10.0.0.2/)\" = '<p>index</p>' ]"
code=$(ns_exec curl -sS --max-time 10 -o /dev/null -w '%{http_code}' http://10.0.0.2/no-such-file)
check "GET /no-such-file returns 404 (got $code)" [ "$code" = 404 ]
check "ustack serve still running" ns_alive "$SERVE_PID"
ns_stop "$SERVE_PID"; rc=$?
check "ustack serve stops cleanly on SIGTERM (exit $rc)" [ "$rc" -eq 0 ]
grep -q 'SYN-RECEIVED -> ESTABLISHED' "$E2E_WORK/serve.log" && ok "-v traced SYN-RECEIVED -> ESTABLISHED" || bad "-v trace lacks SYN-RECEIVED -> ESTABLISHED"
e2e_finish
