#!/usr/bin/env bash
# ApacheBench against `ustack serve`: `ab -n 2000 -c 8`, once with a new connection per request
# (HTTP/1.0, the server closes) and once with -k (HTTP/1.0 keep-alive); 0 failed, 0 non-2xx, every
# request complete, and with -k every request kept alive.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
e2e_require peer_ab ab
e2e_setup peer-ab

mkdir -p "$E2E_WORK/www"
make_file "$E2E_WORK/www/f4k" 4096
start_serve "$E2E_WORK/serve.log" --root "$E2E_WORK/www" || { bad "ustack serve starts"; e2e_finish; }
ok "ustack serve starts and answers ping"

run_ab() {  # run_ab NAME ARGS...: checks ab's summary
  local name="$1" out="$E2E_WORK/ab-$1.txt"; shift
  ns_exec timeout 50 ab -q -r -s 10 "$@" -n 2000 -c 8 http://10.0.0.2/f4k >"$out" 2>&1
  local rc=$? field
  check "ab $name exits 0 (got $rc)" [ "$rc" -eq 0 ]
  field() { sed -n "s/^$1: *\([0-9]*\).*/\1/p" "$out"; }
  check "ab $name: 2000 complete requests (got '$(field 'Complete requests')')" [ "$(field 'Complete requests')" = 2000 ]
  check "ab $name: 0 failed (got '$(field 'Failed requests')')" [ "$(field 'Failed requests')" = 0 ]
  check "ab $name: no non-2xx responses" bash -c "! grep -q 'Non-2xx responses' '$out'"
  check "ab $name: document length 4096" grep -qE '^Document Length: +4096 bytes' "$out"
  grep -E '^(Requests per second|Time taken|Keep-Alive requests)' "$out" | sed "s/^/  ab $name | /"
}
run_ab close
run_ab keepalive -k
check "ab keepalive: all 2000 requests kept alive" grep -qE '^Keep-Alive requests: +2000$' "$E2E_WORK/ab-keepalive.txt"
check "ustack serve still running" ns_alive "$SERVE_PID"
ns_stop "$SERVE_PID"; rc=$?
check "ustack serve stops cleanly (exit $rc)" [ "$rc" -eq 0 ]
e2e_finish
