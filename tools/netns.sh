# Private network namespaces and the processes started inside them.
# Sourced by tools/demo.sh and tests/e2e/*.sh. Every TUN device, address and
# packet stays inside the namespace this file creates; ns_cleanup (installed
# as an EXIT trap by ns_create) stops only the PIDs started through ns_spawn,
# then deletes the namespace.

NS=""
NS_PIDS=()
NS_LAST_PID=""

# ns_create PREFIX: creates namespace "PREFIX-$$" with lo up; sets $NS.
ns_create() {
  NS="$1-$$"
  ip netns add "$NS"
  trap ns_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  ip -n "$NS" link set lo up
}

# ns_exec CMD...: runs CMD inside the namespace.
ns_exec() { ip netns exec "$NS" "$@"; }

# ns_spawn LOGFILE CMD...: starts CMD inside the namespace in the background,
# stdout and stderr to LOGFILE; its PID is in $NS_LAST_PID. (`ip netns exec`
# execs the command, so the PID is the command's own.)
ns_spawn() {
  local log="$1"; shift
  ip netns exec "$NS" "$@" >"$log" 2>&1 &
  NS_LAST_PID=$!
  NS_PIDS+=("$NS_LAST_PID")
}

# ns_stop PID: SIGTERM, then SIGKILL after 5 s; returns the process's exit status.
ns_stop() {
  local pid="$1" i rc=0
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || rc=$?
  local keep=() p
  for p in "${NS_PIDS[@]}"; do [ "$p" = "$pid" ] || keep+=("$p"); done
  NS_PIDS=("${keep[@]}")
  return "$rc"
}

# ns_alive PID: true while the process runs.
ns_alive() { kill -0 "$1" 2>/dev/null; }

# ns_wait_for LOGFILE PATTERN SECONDS PID: waits until LOGFILE matches PATTERN
# (grep -E); fails when PID exits first or the time runs out.
ns_wait_for() {
  local log="$1" pattern="$2" secs="$3" pid="$4" i
  for i in $(seq $((secs * 10))); do
    grep -qE "$pattern" "$log" 2>/dev/null && return 0
    ns_alive "$pid" || return 1
    sleep 0.1
  done
  return 1
}

# ns_wait_ping ADDR SECONDS: waits until ADDR answers one ping from inside the namespace.
ns_wait_ping() {
  local addr="$1" secs="$2" i
  for i in $(seq "$secs"); do
    ns_exec ping -c 1 -W 1 "$addr" >/dev/null 2>&1 && return 0
  done
  return 1
}

ns_cleanup() {
  local rc=$? pid
  for pid in "${NS_PIDS[@]}"; do ns_stop "$pid" || true; done
  if [ -n "$NS" ]; then ip netns del "$NS" 2>/dev/null || true; fi
  return "$rc"
}
