#!/usr/bin/env bash
# python3's http.client against `ustack serve` (tests/e2e/peer_httpclient.py): keep-alive on one
# socket, HEAD, Range (206/416/If-Range), conditional GET (304), chunked PUT with --upload-dir.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
e2e_require peer_python_httpclient
e2e_setup peer-py

www="$E2E_WORK/www"
mkdir -p "$www/upload"
make_file "$www/big.bin" 200000
echo 'small' >"$www/small.txt"
start_serve "$E2E_WORK/serve.log" --root "$www" --upload-dir "$www/upload" || { bad "ustack serve starts"; e2e_finish; }
ok "ustack serve starts and answers ping"

run_checks ns_exec timeout 50 "$PY" "$E2E_REPO/tests/e2e/peer_httpclient.py" 10.0.0.2 "$www"
n=$(grep -c 'SYN-RECEIVED -> ESTABLISHED' "$E2E_WORK/serve.log")
check "two connections in all (keep-alive one, HTTP/1.0 one; got $n)" [ "$n" -eq 2 ]
ns_stop "$SERVE_PID"; rc=$?
check "ustack serve stops cleanly (exit $rc)" [ "$rc" -eq 0 ]
e2e_finish
