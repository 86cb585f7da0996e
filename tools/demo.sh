#!/usr/bin/env bash
# The ustack demo: installs dependencies, builds, then inside a private network
# namespace that it creates (and deletes on exit) shows ping, curl against
# `ustack serve`, and `ustack fetch` from a kernel-side HTTP server, printing
# every TCP state transition of those connections with its cause.
# Nothing leaves the namespace: the only addresses used are 10.0.0.1 (the
# kernel's side of tun0) and 10.0.0.2 (ustack).
#
# Usage: sudo bash tools/demo.sh        (USTACK=path/to/ustack skips the build)
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ "$(id -u)" -ne 0 ]; then
  echo "demo: needs root (TUN devices and network namespaces): sudo bash tools/demo.sh" >&2
  exit 1
fi

step() { printf '\n== %s\n' "$*"; }
fail() { echo "demo: FAILED: $*" >&2; exit 1; }

if [ -z "${USTACK:-}" ]; then
  step "Installing dependencies (tools/install-deps.sh)"
  bash "$REPO/tools/install-deps.sh"
  step "Building ustack (build/, RelWithDebInfo)"
  cmake -S "$REPO" -B "$REPO/build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$REPO/build" --target ustack -j2
  USTACK="$REPO/build/tools/ustack"
fi
[ -x "$USTACK" ] || fail "no ustack binary at $USTACK"
[ -c /dev/net/tun ] || fail "/dev/net/tun does not exist (modprobe tun)"
PY=/usr/bin/python3; [ -x "$PY" ] || PY="$(command -v python3)"

# shellcheck source=tools/netns.sh
source "$REPO/tools/netns.sh"
WORK="$(mktemp -d /tmp/ustack-demo.XXXXXX)"
ns_create ustack-demo
trap 'ns_cleanup; rm -rf "$WORK"' EXIT
chmod 755 "$WORK"
mkdir -p "$WORK/www" "$WORK/kernel-www"
cat >"$WORK/www/index.html" <<'HTML'
<!doctype html>
<html><head><title>ustack</title></head>
<body><p>Hello from ustack, a user-space TCP/IP stack on a TUN device.</p></body></html>
HTML
head -c 1048576 /dev/urandom >"$WORK/www/file-1MiB.bin"
head -c 1048576 /dev/urandom >"$WORK/kernel-www/file"
# The kernel-side server binds 10.0.0.1 while tun0 does not exist yet.
ns_exec sysctl -q -w net.ipv4.ip_nonlocal_bind=1

step "Namespace $NS: ustack serve --tun tun0 --addr 10.0.0.2 --host-addr 10.0.0.1/24 -v"
ns_spawn "$WORK/serve.log" "$USTACK" serve --tun tun0 --addr 10.0.0.2 --host-addr 10.0.0.1/24 \
  --root "$WORK/www" -v
SERVE=$NS_LAST_PID
ns_wait_for "$WORK/serve.log" '^ustack: serving' 10 "$SERVE" || { cat "$WORK/serve.log"; fail "ustack serve did not start"; }
ns_wait_ping 10.0.0.2 10 || { cat "$WORK/serve.log"; fail "10.0.0.2 does not answer ping"; }

step "ping -c 3 10.0.0.2 (answered by ustack's ICMP)"
ns_exec ping -c 3 10.0.0.2

step "curl -sS -H 'Connection: close' http://10.0.0.2/  (ustack closes first: FIN-WAIT-1, FIN-WAIT-2 or CLOSING, TIME-WAIT)"
ns_exec curl -sS --max-time 10 -H 'Connection: close' http://10.0.0.2/

step "curl the 1 MiB file and compare SHA-256"
ns_exec curl -sS --max-time 60 -o "$WORK/got-1MiB.bin" http://10.0.0.2/file-1MiB.bin
want=$(sha256sum <"$WORK/www/file-1MiB.bin" | cut -d' ' -f1)
got=$(sha256sum <"$WORK/got-1MiB.bin" | cut -d' ' -f1)
echo "sent     $want"
echo "received $got"
[ "$want" = "$got" ] || fail "SHA-256 mismatch on the 1 MiB file served by ustack"
SERVE_OK=yes
sleep 0.5
ns_stop "$SERVE" || true

step "Kernel-side server: python3 -m http.server 8000 --bind 10.0.0.1"
ns_spawn "$WORK/kernel-http.log" "$PY" -m http.server 8000 --bind 10.0.0.1 --directory "$WORK/kernel-www"
KHTTP=$NS_LAST_PID
# Wait until it listens: on a loaded machine python3 takes more than a second to start, and a SYN
# before that is answered with RST (fetch would exit 6, connection refused).
for _ in $(seq 100); do
  ns_exec ss -Htln 'sport = :8000' | grep -q 8000 && break
  ns_alive "$KHTTP" || break
  sleep 0.1
done
ns_exec ss -Htln 'sport = :8000' | grep -q 8000 || { cat "$WORK/kernel-http.log"; fail "python3 http.server did not start"; }

step "ustack fetch --tun tun0 --addr 10.0.0.2 --host-addr 10.0.0.1/24 http://10.0.0.1:8000/file -o out -v"
set +e
ns_exec "$USTACK" fetch --tun tun0 --addr 10.0.0.2 --host-addr 10.0.0.1/24 \
  http://10.0.0.1:8000/file -o "$WORK/fetched.bin" -v --timeout 20 2>"$WORK/fetch.log"
FETCH_RC=$?
set -e
want=$(sha256sum <"$WORK/kernel-www/file" | cut -d' ' -f1)
got=$(sha256sum <"$WORK/fetched.bin" 2>/dev/null | cut -d' ' -f1)
echo "exit status $FETCH_RC"
echo "sent     $want"
echo "received $got"
ns_stop "$KHTTP" || true

step "State transitions of ustack serve's connections (from -v; client > server)"
grep -E ' -> ' "$WORK/serve.log" || echo "(none)"
grep "^ustack: stopped" "$WORK/serve.log" || true
step "State transitions of ustack fetch's connection (from -v; client > server)"
grep -E ' -> ' "$WORK/fetch.log" || echo "(none)"
grep -vE ' -> ' "$WORK/fetch.log" || true

step "Summary"
echo "ping 10.0.0.2:               answered"
echo "curl from ustack serve:      index.html and 1 MiB, SHA-256 equal (${SERVE_OK})"
if [ "$FETCH_RC" -eq 0 ] && [ "$want" = "$got" ]; then
  echo "ustack fetch from kernel:    1 MiB, SHA-256 equal (yes)"
  echo "namespace $NS is deleted on exit"
  exit 0
fi
fail "ustack fetch (exit $FETCH_RC) or its SHA-256 check"
