# Shared helpers of the end-to-end tests (sourced). Each test runs the real
# ustack binary ($1) against the Linux kernel inside a private network
# namespace that it creates and deletes (tools/netns.sh); exit 77 = skipped.

E2E_REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=tools/netns.sh
source "$E2E_REPO/tools/netns.sh"

USTACK="${1:-}"
E2E_PASS=0
E2E_FAIL=0
E2E_WORK=""
PY=/usr/bin/python3; [ -x "$PY" ] || PY="$(command -v python3)"

# Skip (exit 77, one line) when the test cannot run here.
e2e_require() {
  local name="$1" tool
  if [ -z "$USTACK" ] || [ ! -x "$USTACK" ]; then echo "SKIP $name: no ustack binary given as \$1"; exit 77; fi
  if [ "$(id -u)" -ne 0 ]; then echo "SKIP $name: needs root (network namespaces and TUN devices)"; exit 77; fi
  if [ ! -c /dev/net/tun ]; then echo "SKIP $name: /dev/net/tun does not exist"; exit 77; fi
  shift
  for tool in ip "$@"; do
    command -v "$tool" >/dev/null || { echo "SKIP $name: $tool not installed (tools/install-deps.sh)"; exit 77; }
  done
}

# e2e_setup NAME: namespace + work dir, both removed on exit.
e2e_setup() {
  E2E_WORK="$(mktemp -d "/tmp/ustack-e2e-$1.XXXXXX")"
  chmod 755 "$E2E_WORK"
  ns_create "ue2e-$1"
  trap 'ns_cleanup; rm -rf "$E2E_WORK"' EXIT
  echo "namespace $NS, work dir $E2E_WORK"
}

ok()  { E2E_PASS=$((E2E_PASS + 1)); echo "ok   $*"; }
bad() { E2E_FAIL=$((E2E_FAIL + 1)); echo "FAIL $*"; }
# check DESCRIPTION CMD...: ok when CMD succeeds.
check() { local d="$1"; shift; if "$@"; then ok "$d"; else bad "$d"; fi; }

sha() { sha256sum <"$1" | cut -d' ' -f1; }

# make_file PATH BYTES: random content of exactly BYTES bytes.
make_file() { head -c "$2" /dev/urandom >"$1"; }

# start_serve LOG ARGS...: `ustack serve` on tun0 at 10.0.0.2 (kernel 10.0.0.1/24), -v, MSL 1 s so
# TIME-WAIT lasts 2 s and does not pile up across the test; waits until ping answers. Sets SERVE_PID.
start_serve() {
  local log="$1"; shift
  ns_spawn "$log" "$USTACK" serve --tun tun0 --addr 10.0.0.2 --host-addr 10.0.0.1/24 --msl 1 -v "$@"
  SERVE_PID=$NS_LAST_PID
  if ! ns_wait_for "$log" '^ustack: serving' 10 "$SERVE_PID" || ! ns_wait_ping 10.0.0.2 10; then
    echo "ustack serve did not come up:"; sed 's/^/  | /' "$log"
    return 1
  fi
}

# e2e_finish: prints the tally and exits 0 only when nothing failed.
e2e_finish() {
  echo "$E2E_PASS checks passed, $E2E_FAIL failed"
  [ "$E2E_FAIL" -eq 0 ]
  exit $?
}

# start_nginx ROOT [DIRECTIVES]: nginx-light as the kernel-side server on 10.0.0.1:8080 with a
# private config, pid and log files in the work dir; DIRECTIVES go into its server block.
# The access log ($E2E_WORK/nginx/access.log) lines start with nginx's connection serial number.
# The namespace allows binding 10.0.0.1 before tun0 exists (ip_nonlocal_bind). Sets NGINX_PID.
start_nginx() {
  local root="$1" extra="${2:-}" d="$E2E_WORK/nginx"
  mkdir -p "$d/tmp"
  cat >"$d/nginx.conf" <<CONF
daemon off;
master_process off;
worker_processes 1;
pid $d/nginx.pid;
error_log $d/error.log;
events { worker_connections 256; }
http {
  log_format conn '\$connection \$request \$status \$body_bytes_sent';
  access_log $d/access.log conn;
  client_body_temp_path $d/tmp;
  default_type application/octet-stream;
  sendfile on;
  server {
    listen 10.0.0.1:8080;
    root $root;
$extra
  }
}
CONF
  ns_exec sysctl -q -w net.ipv4.ip_nonlocal_bind=1
  ns_spawn "$d/stdout.log" nginx -p "$d" -e "$d/error.log" -c "$d/nginx.conf"
  NGINX_PID=$NS_LAST_PID
  local i
  for i in $(seq 50); do
    ns_exec ss -Htln 'sport = :8080' | grep -q 8080 && return 0
    ns_alive "$NGINX_PID" || break
    sleep 0.1
  done
  echo "nginx did not start:"; cat "$d/stdout.log" "$d/error.log" 2>/dev/null | sed 's/^/  | /'
  return 1
}

# fetch URL OUT [ARGS...]: `ustack fetch` on tun0 at 10.0.0.2; prints its exit status;
# stderr (with -v) goes to OUT.log.
fetch() {
  local url="$1" out="$2"; shift 2
  ns_exec "$USTACK" fetch --tun tun0 --addr 10.0.0.2 --host-addr 10.0.0.1/24 --msl 1 -v "$@" \
    "$url" -o "$out" 2>"$out.log"
  echo $?
}

# run_checks CMD...: runs a client script that prints one "ok ..." or "FAIL ..." line per check (the
# peer_*.py / peer_*.js helpers), shows its output and adds its lines to the tally; a crash (no exit 0
# without FAIL lines) counts as a failure.
run_checks() {
  local out="$E2E_WORK/checks.$$.$RANDOM.txt" rc
  "$@" >"$out" 2>&1
  rc=$?
  sed 's/^/  /' "$out"
  E2E_PASS=$((E2E_PASS + $(grep -c '^ok ' "$out")))
  E2E_FAIL=$((E2E_FAIL + $(grep -c '^FAIL ' "$out")))
  if [ "$rc" -ne 0 ] && ! grep -q '^FAIL ' "$out"; then bad "client script exited $rc without a FAIL line: $*"; fi
}
