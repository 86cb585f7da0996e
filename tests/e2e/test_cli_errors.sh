#!/usr/bin/env bash
# Failures of the ustack CLI are one clear line on stderr and a distinct exit
# status (see `ustack --help`): malformed address, prefix and URL (2), not
# permitted (3, run as an unprivileged user, and as root without CAP_NET_ADMIN),
# no /dev/net/tun (4, hidden in a private mount namespace), device busy (5, a
# second process on the same TUN). Refused (6) and timed out (7): test_refused.sh.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
e2e_require cli_errors unshare setpriv
e2e_setup cli-errors

# expect STATUS PATTERN CMD...: CMD exits STATUS and its stderr is one line matching PATTERN.
expect() {
  local want="$1" pattern="$2"; shift 2
  local err rc
  err=$("$@" 2>&1 >/dev/null); rc=$?
  if [ "$rc" -eq "$want" ] && [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] && grep -qE "$pattern" <<<"$err"; then
    ok "exit $want: $err"
  else
    bad "wanted exit $want and one line /$pattern/, got exit $rc: $err"
  fi
}
U="$USTACK"
out=$("$U" --help); check "ustack --help lists the exit statuses" grep -q 'Exit status' <<<"$out"
out=$("$U" fetch --help); check "ustack fetch --help exits 0 and shows --timeout" grep -q -- '--timeout' <<<"$out"
out=$("$U" serve --help); check "ustack serve --help exits 0 and shows --root" grep -q -- '--root' <<<"$out"

expect 2 'malformed --addr' ns_exec "$U" serve --tun tun0 --addr 10.0.0.256
expect 2 'malformed --addr' ns_exec "$U" fetch --tun tun0 --addr 10.0.0 http://10.0.0.1/
expect 2 'prefix' ns_exec "$U" serve --tun tun0 --addr 10.0.0.2 --host-addr 10.0.0.1/33
expect 2 'malformed --host-addr' ns_exec "$U" serve --tun tun0 --addr 10.0.0.2 --host-addr 10.0.0.1
expect 2 'not in the subnet' ns_exec "$U" serve --tun tun0 --addr 10.0.1.2 --host-addr 10.0.0.1/24
expect 2 'malformed URL' ns_exec "$U" fetch --tun tun0 --addr 10.0.0.2 ftp://10.0.0.1/
expect 2 'malformed URL' ns_exec "$U" fetch --tun tun0 --addr 10.0.0.2 'http://10.0.0.1:99999/'
expect 2 'not an IPv4 address' ns_exec "$U" fetch --tun tun0 --addr 10.0.0.2 http://example.com/
expect 2 'see: ustack serve --help' ns_exec "$U" serve --tun tun0 --addr 10.0.0.2 --no-such-option
expect 2 'required' ns_exec "$U" serve --addr 10.0.0.2
expect 2 'max-body' ns_exec "$U" serve --tun tun0 --addr 10.0.0.2 --max-body 12Q
expect 2 'body-timeout' ns_exec "$U" serve --tun tun0 --addr 10.0.0.2 --body-timeout 0
expect 2 'send-timeout' ns_exec "$U" serve --tun tun0 --addr 10.0.0.2 --send-timeout -1
expect 2 'memory-limit' ns_exec "$U" serve --tun tun0 --addr 10.0.0.2 --memory-limit lots

# Not permitted: the same command as an unprivileged user without capabilities, from a copy
# of the binary in the world-readable work dir (the build tree may be private, e.g. under /root).
cp "$U" "$E2E_WORK/ustack" && chmod 755 "$E2E_WORK/ustack"
expect 3 'not permitted' ns_exec setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
  "$E2E_WORK/ustack" serve --tun tun0 --addr 10.0.0.2
expect 3 'not permitted' ns_exec setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
  "$E2E_WORK/ustack" fetch --tun tun0 --addr 10.0.0.2 http://10.0.0.1/
# Root without CAP_NET_ADMIN (dropped from the bounding set, hence from every set on exec).
expect 3 'CAP_NET_ADMIN' ns_exec setpriv --inh-caps=-net_admin --bounding-set=-net_admin \
  "$U" serve --tun tun0 --addr 10.0.0.2 --host-addr 10.0.0.1/24

# No /dev/net/tun: hide /dev/net behind an empty tmpfs in a private mount namespace.
expect 4 '/dev/net/tun' ns_exec unshare --mount sh -c 'mount -t tmpfs none /dev/net && exec "$0" "$@"' \
  "$U" serve --tun tun0 --addr 10.0.0.2

# Device busy: a second ustack on the TUN device the first one holds.
mkdir -p "$E2E_WORK/www"
start_serve "$E2E_WORK/serve.log" --root "$E2E_WORK/www" || bad "ustack serve starts"
expect 5 'busy' ns_exec "$U" serve --tun tun0 --addr 10.0.0.3 --root "$E2E_WORK/www"
check "the first ustack still answers ping" ns_wait_ping 10.0.0.2 3
ns_stop "$SERVE_PID"
e2e_finish
