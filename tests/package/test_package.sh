#!/usr/bin/env bash
# The packaging test: installs this build into a temporary prefix, builds
# examples/ against it as an outside project (find_package(ustack)), runs each
# example in its --in-process mode (two stacks in one process, no root) and,
# as root, the echo example on a TUN device in a private network namespace
# against the kernel's socat. Usage: test_package.sh BUILD_DIR SOURCE_DIR SANITIZE
set -uo pipefail
BUILD="$1"
SRC="$2"
SANITIZE="${3:-OFF}"

case "$SANITIZE" in
  ON|1|TRUE|true|on)
    # The installed libraries would carry ASan+UBSan (ustackConfig.cmake says so and examples/
    # links the runtime), but building the Beast examples again under ASan costs minutes; the
    # release tree runs this test.
    echo "SKIP package: sanitizer build (the release build runs the packaging test)"
    exit 77 ;;
esac

source "$SRC/tools/netns.sh"
WORK="$(mktemp -d /tmp/ustack-package.XXXXXX)"
trap 'ns_cleanup; rm -rf "$WORK"' EXIT
PASS=0
FAIL=0
ok()  { PASS=$((PASS + 1)); echo "ok   $*"; }
bad() { FAIL=$((FAIL + 1)); echo "FAIL $*"; }
finish() { echo "$PASS checks passed, $FAIL failed"; [ "$FAIL" -eq 0 ]; exit $?; }

PREFIX="$WORK/prefix"
if cmake --install "$BUILD" --prefix "$PREFIX" >"$WORK/install.log" 2>&1; then
  ok "cmake --install $BUILD --prefix <tmp>"
else
  bad "cmake --install failed:"; sed 's/^/  | /' "$WORK/install.log"; finish
fi
for f in include/ustack/tcp/asio/tcp_stream.h include/ustack/tcp/asio/tcp_acceptor.h \
         include/ustack/stack/asio/event_loop.h include/ustack/stack/wire/seq_num.h \
         include/ustack/stack/link/tun_device.h include/ustack/base/time.h include/ustack/http/client.h \
         lib/libustack_tcp.a lib/libustack_asio.a lib/libustack_http.a bin/ustack \
         lib/cmake/ustack/ustackConfig.cmake lib/cmake/ustack/ustackConfigVersion.cmake \
         lib/cmake/ustack/ustackTargets.cmake; do
  [ -e "$PREFIX/$f" ] && ok "installed $f" || bad "not installed: $f"
done
if "$PREFIX/bin/ustack" --help >"$WORK/help.log" 2>&1; then ok "installed ustack --help exits 0"
else bad "installed ustack --help failed"; sed 's/^/  | /' "$WORK/help.log"; fi

# Configure and build examples/ as an outside project: only the prefix is known.
# With ccache, a fixed base dir and no cwd in the hash let a rerun from another temp dir hit the cache.
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
export CCACHE_BASEDIR="$WORK" CCACHE_NOHASHDIR=1
if cmake -S "$SRC/examples" -B "$WORK/examples" -G Ninja -DCMAKE_PREFIX_PATH="$PREFIX" \
     -DEXAMPLES_WERROR=ON "${launcher[@]}" >"$WORK/configure.log" 2>&1; then
  ok "examples/ configures with find_package(ustack)"
else
  bad "examples/ does not configure:"; sed 's/^/  | /' "$WORK/configure.log"; finish
fi
if cmake --build "$WORK/examples" -j"${JOBS:-2}" >"$WORK/build.log" 2>&1; then
  ok "examples/ builds against the installed package"
else
  bad "examples/ does not build:"; tail -40 "$WORK/build.log" | sed 's/^/  | /'; finish
fi

# run_expect NAME PATTERN CMD...: CMD exits 0 within 60 s and its output matches PATTERN.
run_expect() {
  local name="$1" pattern="$2"; shift 2
  local out rc
  out="$(timeout 60 "$@" 2>&1)"; rc=$?
  if [ "$rc" -eq 0 ] && grep -qE "$pattern" <<<"$out"; then ok "$name"
  else bad "$name (exit $rc)"; sed 's/^/  | /' <<<"$out"; fi
}
EX="$WORK/examples"
for ex in echo_server coro_fetch beast_client beast_server; do
  run_expect "$ex --help" "usage: $ex" "$EX/$ex" --help
done
run_expect "echo_server --in-process echoes a line" '^in-process echo: ok$' "$EX/echo_server" --in-process
run_expect "coro_fetch --in-process fetches a body" '^fetched with co_await, ok$' "$EX/coro_fetch" --in-process
run_expect "beast_client --in-process reads a chunked response" '^you asked for /from-beast$' \
  "$EX/beast_client" --in-process
run_expect "beast_server --in-process answers two requests on one connection" \
  '^in-process Beast server: ok$' "$EX/beast_server" --in-process

# As root: the echo example on tun0 in a private namespace, the kernel's socat as the client.
if [ "$(id -u)" -ne 0 ] || [ ! -c /dev/net/tun ] || ! command -v socat >/dev/null || ! command -v ip >/dev/null; then
  echo "skipped the TUN part: needs root, /dev/net/tun, ip and socat"
  finish
fi
ns_create upkg
trap 'ns_cleanup; rm -rf "$WORK"' EXIT  # ns_create installed ns_cleanup alone
ns_spawn "$WORK/echo.log" "$EX/echo_server" --tun tun0 --addr 10.0.0.2 --host-addr 10.0.0.1
ECHO_PID=$NS_LAST_PID
if ns_wait_for "$WORK/echo.log" '^echo server on' 10 "$ECHO_PID" && ns_wait_ping 10.0.0.2 10; then
  ok "echo_server comes up on tun0 in namespace $NS and answers ping"
  head -c 100000 /dev/urandom | base64 >"$WORK/sent"
  ns_exec timeout 30 socat -t 5 - TCP:10.0.0.2:7,shut-down <"$WORK/sent" >"$WORK/got" 2>"$WORK/socat.log"
  if cmp -s "$WORK/sent" "$WORK/got"; then ok "socat sends $(stat -c %s "$WORK/sent") bytes, gets them echoed"
  else bad "socat echo differs: sent $(stat -c %s "$WORK/sent"), got $(stat -c %s "$WORK/got")"; cat "$WORK/socat.log"; fi
  grep -q '^connection from 10.0.0.1:' "$WORK/echo.log" && ok "echo_server logged the connection" \
    || bad "echo_server did not log the connection"
else
  bad "echo_server did not come up:"; sed 's/^/  | /' "$WORK/echo.log"
fi
ns_stop "$ECHO_PID" || true
finish
