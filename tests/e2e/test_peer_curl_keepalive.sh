#!/usr/bin/env bash
# curl fetches 3 URLs on one command line from `ustack serve`: the first transfer connects, the other
# two reuse that connection (%{num_connects} = 1, 0, 0; one handshake in the -v trace); bodies equal.
# Also checks --access-log: one Common Log Format line per request, in request order, to a file and to
# stdout ('-'). Uploads with curl -T: 100-continue then 201, and 413 for a body over the limit,
# with and without Expect, without a transfer error.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
e2e_require peer_curl_keepalive curl cmp
e2e_setup peer-curl-ka

www="$E2E_WORK/www"
mkdir -p "$www/d" "$E2E_WORK/up"
make_file "$www/a.bin" 100000
make_file "$www/d/b.bin" 7
echo 'third' >"$www/c.txt"
start_serve "$E2E_WORK/serve.log" --root "$www" --access-log "$E2E_WORK/access.log" --upload-dir "$E2E_WORK/up" || { bad "ustack serve starts"; e2e_finish; }
ok "ustack serve starts and answers ping"

connects=$(ns_exec curl -sS --max-time 30 -w '%{num_connects}\n' \
  -o "$E2E_WORK/1" http://10.0.0.2/a.bin -o "$E2E_WORK/2" http://10.0.0.2/d/b.bin -o "$E2E_WORK/3" http://10.0.0.2/c.txt)
rc=$?
check "curl exits 0 (got $rc)" [ "$rc" -eq 0 ]
check "num_connects per transfer is 1 0 0 (got $(echo $connects))" [ "$(echo $connects)" = "1 0 0" ]
check "body 1 equal" cmp -s "$www/a.bin" "$E2E_WORK/1"
check "body 2 equal" cmp -s "$www/d/b.bin" "$E2E_WORK/2"
check "body 3 equal" cmp -s "$www/c.txt" "$E2E_WORK/3"
sleep 0.3
n=$(grep -c 'SYN-RECEIVED -> ESTABLISHED' "$E2E_WORK/serve.log")
check "ustack saw exactly one handshake (got $n)" [ "$n" -eq 1 ]

# Common Log Format: host ident authuser [date] "request" status bytes
clf='^10\.0\.0\.1 - - \[[0-9]{2}/[A-Z][a-z]{2}/[0-9]{4}:[0-9]{2}:[0-9]{2}:[0-9]{2} \+0000\] "[^"]*" [0-9]{3} ([0-9]+|-)$'
log="$E2E_WORK/access.log"
check "access log has 3 lines (got $(wc -l <"$log"))" [ "$(wc -l <"$log")" -eq 3 ]
check "every access log line is Common Log Format" bash -c "! grep -vqE '$clf' '$log'"
check "access log line 1: GET /a.bin 200 100000" grep -qE '"GET /a\.bin HTTP/1\.1" 200 100000$' <(sed -n 1p "$log")
check "access log line 2: GET /d/b.bin 200 7" grep -qE '"GET /d/b\.bin HTTP/1\.1" 200 7$' <(sed -n 2p "$log")
check "access log line 3: GET /c.txt 200 6" grep -qE '"GET /c\.txt HTTP/1\.1" 200 6$' <(sed -n 3p "$log")
ns_exec curl -sS --max-time 10 -o /dev/null 'http://10.0.0.2/no-such'
sleep 0.3
check "404 logged as line 4" grep -qE '"GET /no-such HTTP/1\.1" 404 [0-9]+$' <(sed -n 4p "$log")

# Uploads with curl -T: Expect: 100-continue (the server says 100, then 201), and bodies over the 1 MiB
# limit: 413 before the body (with Expect) or while curl is sending it (without); either way curl
# gets the 413 response, not a reset.
make_file "$E2E_WORK/put.bin" 300000
code=$(ns_exec curl -sS --max-time 20 -T "$E2E_WORK/put.bin" -H 'Expect: 100-continue' -o /dev/null -w '%{http_code}' \
  http://10.0.0.2/upload/put.bin 2>"$E2E_WORK/put.err")
check "curl -T with Expect: 100-continue: 201 (got $code)" [ "$code" = 201 ]
check "uploaded file equal" cmp -s "$E2E_WORK/put.bin" "$E2E_WORK/up/put.bin"
make_file "$E2E_WORK/huge.bin" 3000000
for expect in 'Expect: 100-continue' 'Expect:'; do
  code=$(ns_exec curl -sS --max-time 20 -T "$E2E_WORK/huge.bin" -H "$expect" -o /dev/null -w '%{http_code}' \
    http://10.0.0.2/upload/huge.bin 2>"$E2E_WORK/huge.err")
  check "curl -T 3 MB ($expect): 413, no transfer error (got $code; $(head -c 120 "$E2E_WORK/huge.err"))" \
    bash -c "[ '$code' = 413 ] && [ ! -s '$E2E_WORK/huge.err' ]"
done
check "nothing stored for the refused upload" [ ! -e "$E2E_WORK/up/huge.bin" ]
ns_stop "$SERVE_PID"; rc=$?
check "ustack serve stops cleanly (exit $rc)" [ "$rc" -eq 0 ]

# --access-log -: the lines go to stdout (the banner and -v trace go to stderr).
ns_spawn "$E2E_WORK/serve2.out" bash -c 'exec "$0" "$@" 2>"'"$E2E_WORK/serve2.err"'"' "$USTACK" serve --tun tun0 \
  --addr 10.0.0.2 --host-addr 10.0.0.1/24 --msl 1 --root "$www" --access-log -
SERVE_PID=$NS_LAST_PID
if ns_wait_for "$E2E_WORK/serve2.err" '^ustack: serving' 10 "$SERVE_PID" && ns_wait_ping 10.0.0.2 10; then
  ns_exec curl -sS --max-time 10 -o /dev/null http://10.0.0.2/c.txt
  sleep 0.3
  check "--access-log - writes the line to stdout" grep -qE "$clf" "$E2E_WORK/serve2.out"
  check "... and only there (not on stderr)" bash -c "! grep -q 'GET /c.txt' '$E2E_WORK/serve2.err'"
else
  bad "ustack serve --access-log - starts"
fi
ns_stop "$SERVE_PID"
e2e_finish
