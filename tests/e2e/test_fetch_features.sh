#!/usr/bin/env bash
# `ustack fetch` features against kernel-side servers in a private namespace: nginx-light on
# 10.0.0.1:8080 (large file, -I, 304 with If-None-Match, redirects, keep-alive across URLs counted in
# its access log) and a python3 helper on 10.0.0.1:8081 (chunked and close-delimited bodies, POST -d
# and --data-binary echo, a stalled body for --max-time, a truncated body for exit 9); the -v shape; the
# progress meter only on a tty.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
e2e_require fetch_features nginx ss sha256sum cmp
e2e_setup fetch-features
W="$E2E_WORK"
F=(fetch --tun tun0 --addr 10.0.0.2 --host-addr 10.0.0.1/24 --msl 1)
# uf LOG ARGS...: `ustack fetch` with stderr to LOG; prints the exit status.
uf() { local log="$1"; shift; ns_exec "$USTACK" "${F[@]}" "$@" 2>"$log"; echo $?; }
show() { sed 's/^/  | /' "$1" | tail -"${2:-15}"; }
# CONDITION; r DESCRIPTION [LOG]: ok when CONDITION (any shell list) succeeded, else FAIL and LOG's tail.
r() { local rc=$?; if [ "$rc" = 0 ]; then ok "$1"; else bad "$1"; [ -n "${2:-}" ] && show "$2"; fi; return 0; }

mkdir -p "$W/www"
make_file "$W/www/big" 33554432
make_file "$W/www/f1" 1000
make_file "$W/www/f2" 2000
start_nginx "$W/www" "
    location = /r1 { return 302 /r2; }
    location = /r2 { return 301 /f1; }
    location = /loop { return 301 /loop; }" || { bad "nginx starts"; e2e_finish; }
ns_spawn "$W/py.log" "$PY" "$E2E_REPO/tests/e2e/fetch_echo_server.py" 10.0.0.1 8081
ns_wait_for "$W/py.log" '^listening' 10 "$NS_LAST_PID" || { bad "python3 helper starts"; show "$W/py.log"; e2e_finish; }
ok "nginx-light on 10.0.0.1:8080 and the python3 helper on :8081 listen"
python3 -c 'import sys; sys.stdout.buffer.write(bytes(i % 251 for i in range(int(sys.argv[1]))))' 300000 >"$W/pattern300k"
python3 -c 'import sys; sys.stdout.buffer.write(bytes(i % 251 for i in range(int(sys.argv[1]))))' 100000 >"$W/pattern100k"

# 1. A large file (Content-Length), saved with -O; no meter on a non-tty stderr.
rc=$(cd "$W" && uf "$W/big.log" -O http://10.0.0.1:8080/big --timeout 60)
[ "$rc" = 0 -a "$(sha "$W/www/big")" = "$(sha "$W/big" 2>/dev/null)" ]
r "32 MiB with -O: exit 0 (got $rc), SHA-256 equal"
[ ! -s "$W/big.log" ]
r "... stderr is empty when it is not a terminal (no progress meter)" "$W/big.log"

# 2. Chunked and close-delimited bodies.
rc=$(uf "$W/chunked.log" -v -o "$W/chunked" 'http://10.0.0.1:8081/chunked?size=300000')
[ "$rc" = 0 ] && cmp -s "$W/chunked" "$W/pattern300k"
r "chunked 300000 bytes: exit 0 (got $rc), bytes equal"
grep -qi '^< Transfer-Encoding: chunked' "$W/chunked.log"
r "... the response was chunked"
rc=$(uf "$W/close.log" -v -o "$W/close" 'http://10.0.0.1:8081/close?size=100000')
[ "$rc" = 0 ] && cmp -s "$W/close" "$W/pattern100k"
r "close-delimited 100000 bytes: exit 0 (got $rc), bytes equal"

# 3. Two URLs over one connection: nginx's access log shows one connection number for both.
: >"$W/nginx/access.log"
rc=$(uf "$W/two.log" -v http://10.0.0.1:8080/f1 http://10.0.0.1:8080/f2 -o "$W/two1" -o "$W/two2")
conns=$(awk '{print $1}' "$W/nginx/access.log" | sort -u | wc -l)
reqs=$(wc -l <"$W/nginx/access.log")
[ "$rc" = 0 ] && cmp -s "$W/two1" "$W/www/f1" && cmp -s "$W/two2" "$W/www/f2"
r "two URLs: exit 0 (got $rc), both files equal"
[ "$reqs" = 2 -a "$conns" = 1 ]
r "... $reqs requests over $conns connection(s) in nginx's access log (want 2 over 1)" "$W/nginx/access.log"
grep -q '^\* Re-using existing connection with host 10.0.0.1:8080' "$W/two.log"
r "... -v says the connection was reused"
[ "$(grep -c 'CLOSED -> SYN-SENT' "$W/two.log")" = 1 ]
r "... one SYN-SENT in the TCP trace"

# 4. The -v shape (curl's): '* ' info, '> ' request head ending in '> ', '< ' response head ending in '< '.
v="$W/two.log"
grep -q '^\* Trying 10.0.0.1:8080\.\.\.' "$v" && grep -q '^\* Connected to 10.0.0.1:8080' "$v"
r "-v: '* Trying' and '* Connected to' lines"
grep -q '^> GET /f1 HTTP/1.1$' "$v" && grep -q '^> Host: 10.0.0.1:8080$' "$v" && grep -q '^> $' "$v"
r "-v: request head lines"
grep -q '^< HTTP/1.1 200 OK$' "$v" && grep -q '^< Content-Length: 1000$' "$v" && grep -q '^< $' "$v"
r "-v: response head lines"
[ "$(grep -vc '^[*<>] ' "$v")" = 0 ]
r "-v: every line is '* ', '> ' or '< '" "$v"

# 5. -I prints the head; the ETag then gives a 304 with If-None-Match.
rc=$(uf "$W/head.log" -I http://10.0.0.1:8080/f1 -o "$W/head")
etag=$(tr -d '\r' <"$W/head" | sed -n 's/^ETag: //Ip')
[ "$rc" = 0 -a -n "$etag" ] && head -1 "$W/head" | grep -q '^HTTP/1.1 200 OK'
r "-I: exit 0 (got $rc), output starts with the status line and has an ETag ($etag)"
rc=$(uf "$W/304.log" -v -H "If-None-Match: $etag" http://10.0.0.1:8080/f1 -o "$W/304")
[ "$rc" = 0 ] && grep -q '^< HTTP/1.1 304 Not Modified' "$W/304.log" && [ ! -s "$W/304" ]
r "If-None-Match: exit 0 (got $rc), 304, empty body"
grep -qF "> If-None-Match: $etag" "$W/304.log"
r "... the -H field was sent"

# 6. POST -d and --data-binary to the echo server.
rc=$(uf "$W/post.log" -v -d 'a=1' -d 'b=two words' http://10.0.0.1:8081/echo -o "$W/post")
[ "$rc" = 0 ] && [ "$(cat "$W/post")" = "a=1&b=two words" ]
r "POST -d: exit 0 (got $rc), body echoed joined with '&'"
grep -q '^< X-Method: POST' "$W/post.log" && grep -q '^< X-Content-Type: application/x-www-form-urlencoded' "$W/post.log"
r "... as POST, application/x-www-form-urlencoded"
make_file "$W/upload" 1048576
rc=$(uf "$W/bin.log" -v --data-binary "@$W/upload" -X PUT -H 'Content-Type: application/octet-stream' \
  http://10.0.0.1:8081/echo -o "$W/bin")
[ "$rc" = 0 ] && [ "$(sha "$W/upload")" = "$(sha "$W/bin")" ]
r "PUT --data-binary @file (1 MiB): exit 0 (got $rc), echoed SHA-256 equal"
grep -q '^< X-Content-Type: application/octet-stream' "$W/bin.log"
r "... with our Content-Type"

# 7. Redirects: -L follows 302 then 301; without -L the 302 body is the output; a loop exits 10.
rc=$(uf "$W/redir.log" -v -L http://10.0.0.1:8080/r1 -o "$W/redir")
[ "$rc" = 0 ] && cmp -s "$W/redir" "$W/www/f1"
r "-L /r1 -> /r2 -> /f1: exit 0 (got $rc), final body equal"
grep -q '^< HTTP/1.1 302' "$W/redir.log" && grep -q '^< HTTP/1.1 301' "$W/redir.log"
r "... both redirects traced"
rc=$(uf "$W/noredir.log" http://10.0.0.1:8080/r1 -o "$W/noredir")
[ "$rc" = 0 ] && grep -q '302' "$W/noredir"
r "no -L: exit 0 (got $rc), the 302 page is the output"
rc=$(uf "$W/loop.log" -L --max-redirs 3 http://10.0.0.1:8080/loop -o "$W/loop")
[ "$rc" = 10 ] && grep -q '^ustack: maximum (3) redirects' "$W/loop.log"
r "redirect loop with --max-redirs 3: exit 10 (got $rc)"

# A body cut short (Content-Length 100000, 50000 bytes, then the server closes): exit 9, one line.
rc=$(uf "$W/short.log" 'http://10.0.0.1:8081/truncated?size=100000' -o "$W/short")
[ "$rc" = 9 ] && [ "$(wc -l <"$W/short.log")" -eq 1 ] && grep -q '^ustack: transfer of .* incomplete after 50000 body bytes' "$W/short.log"
r "a body cut short by the server's close: exit 9 (got $rc), one line" "$W/short.log"

# 8. Time limits, -s, and the meter on a terminal.
start=$(date +%s)
rc=$(uf "$W/slow.log" --max-time 2 http://10.0.0.1:8081/slow -o "$W/slow")
took=$(( $(date +%s) - start ))
[ "$rc" = 7 ] && [ "$took" -le 6 ] && grep -q 'max-time' "$W/slow.log"
r "--max-time 2 on a stalled body: exit 7 (got $rc) after ${took} s"
rc=$(uf "$W/ct.log" --connect-timeout 1 http://10.0.0.3:80/ -o "$W/ct")
[ "$rc" = 7 ] && grep -q 'connect-timeout' "$W/ct.log"
r "--connect-timeout 1 to a silent address: exit 7 (got $rc)"
rc=$(uf "$W/ct2.log" --connect-timeout 1 http://10.0.0.3:80/ http://10.0.0.1:8080/f1 -o "$W/ct2a" -o "$W/ct2b")
[ "$rc" = 7 ] && cmp -s "$W/ct2b" "$W/www/f1"
r "a connect timeout ends only its URL: exit 7 (got $rc), the next URL still fetched" "$W/ct2.log"
rc=$(uf "$W/silent.log" -s http://10.0.0.1:8080/missing -o "$W/silent")
[ "$rc" = 8 ] && [ ! -s "$W/silent.log" ]
r "-s on a 404: exit 8 (got $rc), nothing on stderr"
rc=$(uf "$W/forced.log" --progress http://10.0.0.1:8080/f2 -o "$W/forced")
[ "$rc" = 0 ] && grep -q 'elapsed' "$W/forced.log"
r "--progress on a non-tty: exit 0 (got $rc), the meter is drawn"
ns_exec "$PY" - "$USTACK" "$W/tty" "$W/tty.err" "${F[@]:1}" <<'PYEOF'
import os, subprocess, sys
ustack, out, err, args = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
master, slave = os.openpty()
p = subprocess.Popen([ustack, "fetch", *args, "http://10.0.0.1:8080/big", "-o", out], stderr=slave)
os.close(slave)
data = b""
while True:
    try:
        chunk = os.read(master, 4096)
    except OSError:
        break
    if not chunk:
        break
    data += chunk
open(err, "wb").write(data)
sys.exit(p.wait())
PYEOF
rc=$?
[ "$rc" = 0 ] && grep -q '32.0 MiB / 32.0 MiB  100%' "$W/tty.err" && grep -q 'left' "$W/tty.err"
r "stderr on a pty: exit 0 (got $rc), meter with size, rate and time left" "$W/tty.err"
e2e_finish
