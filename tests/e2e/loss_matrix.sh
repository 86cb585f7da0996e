#!/usr/bin/env bash
# Transfers under loss, ustack against the Linux kernel, in a private namespace
# that this script creates and deletes (tools/netns.sh, EXIT trap):
#   down   kernel curl GETs a file from `ustack serve`        (ustack sends the data)
#   fetch  `ustack fetch` GETs a file from kernel nginx-light  (ustack receives the data)
#   up     kernel curl PUTs a file to `ustack serve --upload-dir` (only when serve offers it)
#   kernel the control: kernel curl GETs the same file from a kernel nginx in a second namespace
#          over a veth pair with the same loss each way (Linux at both ends; ustack not involved)
# A ustack row that reaches its time limit (SLOW) or stops moving for STALL seconds is a failure of
# the matrix unless the kernel control of the same size and loss, run just before it, did not finish
# either (limit or stall): then the row is "path-bound" (no stack finishes there in that time),
# reported and counted apart, not as a pass. Wrong bytes or tshark errors always fail.
# Random loss each way is real wire loss made with nftables (docs/testing.md, "Loss matrix"):
# ustack -> kernel dropped in prerouting, kernel -> ustack forwarded by a netdev egress hook
# into a veth that is down. Delay, reordering and duplication come from ustack's own
# fault injector (--fault), since this kernel has no netem.
# Every run: SHA-256 of the bytes equal, a tcpdump capture (-s 128) judged by tshark with
# checksum checks on; any Error-severity expert item fails the run. Prints one table row per run.
#
#   sudo bash tests/e2e/loss_matrix.sh build/tools/ustack            # the full matrix
# Environment (defaults = the full matrix):
#   SIZES="1 1024 1048576 16777216 268435456"   LOSSES="0 1 5 10 20"   DIRS="kernel down fetch up"
#   FAULTS="delay=10ms,jitter=2ms,reorder=5,dup=1,seed=7,slots=8192"  (';'-separated specs, "" for none)
#   FAULT_SIZES=$SIZES   FAULT_DIRS=$DIRS
#   STALL=  (seconds without any progress: a stall; the run fails. Unset: 130 s below 20 % loss and
#              330 s at 20 %, from the silence RFC 6298 backoff reaches: see stall_limit below)
#   MAX_SECS=0  (if > 0, cap each transfer's time limit at this many seconds)
#   CTL_SECS=300  (the kernel control's own cap: at 20 % loss Linux<->Linux moves ~20 KB/s, so an
#              uncapped 256 MiB control would take hours; an unfinished control still gives its rate,
#              and the ustack rows of that size and loss are compared with it by rate)
#   TIME_SCALE=1  (integer factor on every time limit; the short ctest uses 2: 5 % loss varies a lot)
# A transfer that reaches its time limit while still moving is reported SLOW (not passed: the
# stack is slow there, it did not stall); one that stops moving for STALL seconds fails.
#   KEEP=DIR  (copy every capture and log there)
#   KERNEL_CC=  (the kernel's congestion control in the namespaces, one the host allows in its
#              net.ipv4.tcp_allowed_congestion_control (e.g. reno); unset: the host's
#              default, which a new namespace inherits. Printed before the table either way.)
#   SS_LOG=1  (sample `ss -tin` of the kernel's TCP sockets in the namespace each second into
#              logs/ss-<run>.log: the kernel sender's cwnd, RTO and backoff, for diagnosing stalls)
# Exit 0 when every run passed, 1 otherwise, 77 when it cannot run here.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
e2e_require loss_matrix curl nft tcpdump tshark nginx ss sha256sum timeout

SIZES="${SIZES-1 1024 1048576 16777216 268435456}"
LOSSES="${LOSSES-0 1 5 10 20}"
DIRS="${DIRS-kernel down fetch up}"
FAULTS="${FAULTS-delay=10ms,jitter=2ms,reorder=5,dup=1,seed=7,slots=8192}"
FAULT_SIZES="${FAULT_SIZES-$SIZES}"
FAULT_DIRS="${FAULT_DIRS-${DIRS//kernel/}}"
STALL="${STALL-}"
MAX_SECS="${MAX_SECS-0}"
CTL_SECS="${CTL_SECS-300}"
TIME_SCALE="${TIME_SCALE-1}"
KEEP="${KEEP-}"
SS_LOG="${SS_LOG-0}"
KERNEL_CC="${KERNEL_CC-}"

e2e_setup loss
NS2="$NS-kpeer"   # the control's server side (DIRS=kernel), deleted with the namespace
if [ -n "$KEEP" ]; then
  mkdir -p "$KEEP"
  trap 'ns_cleanup; ip netns del "$NS2" 2>/dev/null; cp -r "$E2E_WORK"/caps "$E2E_WORK"/logs "$KEEP"/ 2>/dev/null; rm -rf "$E2E_WORK"' EXIT
else
  trap 'ns_cleanup; ip netns del "$NS2" 2>/dev/null; rm -rf "$E2E_WORK"' EXIT
fi
mkdir -p "$E2E_WORK/www" "$E2E_WORK/up" "$E2E_WORK/caps" "$E2E_WORK/logs"
chmod 777 "$E2E_WORK/up"

# ---- the link: a persistent tun0 (so captures and nft hooks outlive each ustack process) ----
ns_exec ip tuntap add dev tun0 mode tun
ns_exec ip addr add 10.0.0.1/24 dev tun0
ns_exec ip link set tun0 up
ns_exec ip link set tun0 gso_max_segs 1   # one drop = one segment, not a 64 KB GSO burst
ns_exec ip link add wiredrop type veth peer name wiredrop-peer   # left down: swallows what it is given
ns_exec nft -f - <<'NFT'
table inet uloss {
  chain from_ustack { type filter hook prerouting priority -300; policy accept; }
}
table netdev ulossout {
  chain to_ustack { type filter hook egress device "tun0" priority 0; policy accept; }
}
NFT

# ---- the control link (DIRS=kernel): namespace NS2 holds a kernel nginx at 10.1.0.2, reached from
# NS over the veth pair kc0 (NS, 10.1.0.1) - kc1 (NS2). Each side drops the chosen share of the TCP
# packets it receives in prerouting, so neither sender's stack learns of a drop.
KCTL=0
case " $DIRS " in *" kernel "*) KCTL=1 ;; esac
ns2_exec() { ip netns exec "$NS2" "$@"; }
if [ -n "$KERNEL_CC" ]; then ns_exec sysctl -qw net.ipv4.tcp_congestion_control="$KERNEL_CC" || exit 1; fi
if [ "$KCTL" -eq 1 ]; then
  ip netns add "$NS2"
  ip -n "$NS2" link set lo up
  if [ -n "$KERNEL_CC" ]; then ns2_exec sysctl -qw net.ipv4.tcp_congestion_control="$KERNEL_CC" || exit 1; fi
  ip link add kc0 netns "$NS" type veth peer name kc1 netns "$NS2"
  ns_exec ip addr add 10.1.0.1/24 dev kc0
  ns2_exec ip addr add 10.1.0.2/24 dev kc1
  ns_exec ip link set kc0 gso_max_segs 1   # as tun0: one drop = one segment
  ns2_exec ip link set kc1 gso_max_segs 1
  ns_exec ip link set kc0 up
  ns2_exec ip link set kc1 up
  for side in ns_exec ns2_exec; do
    $side nft -f - <<'NFT'
table inet kloss {
  chain rx { type filter hook prerouting priority -300; policy accept; }
}
NFT
  done
fi

# set_loss N: N % of TCP packets dropped each way (0: none), on the ustack link and the control link.
set_loss() {
  ns_exec nft flush chain inet uloss from_ustack
  ns_exec nft flush chain netdev ulossout to_ustack
  if [ "$KCTL" -eq 1 ]; then ns_exec nft flush chain inet kloss rx; ns2_exec nft flush chain inet kloss rx; fi
  [ "$1" -eq 0 ] && return 0
  ns_exec nft add rule inet uloss from_ustack iifname tun0 meta l4proto tcp numgen random mod 100 '<' "$1" counter drop
  ns_exec nft add rule netdev ulossout to_ustack ip protocol tcp numgen random mod 100 '<' "$1" counter fwd to wiredrop
  if [ "$KCTL" -eq 1 ]; then
    ns_exec nft add rule inet kloss rx iifname kc0 meta l4proto tcp numgen random mod 100 '<' "$1" counter drop
    ns2_exec nft add rule inet kloss rx iifname kc1 meta l4proto tcp numgen random mod 100 '<' "$1" counter drop
  fi
}
# nft_drops [kernel]: "A/B" packets dropped so far: ustack->kernel / kernel->ustack, or for the
# control, client->server / server->client.
nft_drops() {
  local a b
  if [ "${1:-}" = kernel ]; then
    a=$(ns2_exec nft list chain inet kloss rx | sed -nE 's/.*counter packets ([0-9]+).*/\1/p')
    b=$(ns_exec nft list chain inet kloss rx | sed -nE 's/.*counter packets ([0-9]+).*/\1/p')
  else
    a=$(ns_exec nft list chain inet uloss from_ustack | sed -nE 's/.*counter packets ([0-9]+).*/\1/p')
    b=$(ns_exec nft list chain netdev ulossout to_ustack | sed -nE 's/.*counter packets ([0-9]+).*/\1/p')
  fi
  echo "${a:-0}/${b:-0}"
}

# ---- peers ----
ALL_SIZES=$(echo "$SIZES $FAULT_SIZES" | tr ' ' '\n' | sort -nu)
for s in $ALL_SIZES; do make_file "$E2E_WORK/www/f$s" "$s"; done
# nginx gives up on a client after send_timeout (60 s) without progress of one write; at 20 % loss
# each way the kernel's backed-off RTO gets there, and the reset would end a run that the STALL
# check (curl --speed-time, fetch --timeout) is meant to judge. So both nginx wait an hour.
start_nginx "$E2E_WORK/www" "send_timeout 3600s;" || { bad "nginx starts"; e2e_finish; }
if [ "$KCTL" -eq 1 ]; then   # the control's server: same files, same settings, in NS2
  sed -e "s#$E2E_WORK/nginx/#$E2E_WORK/nginx2/#g" -e 's/listen 10.0.0.1:8080;/listen 10.1.0.2:8080;/' \
    -e "s#$E2E_WORK/nginx\([/;]\)#$E2E_WORK/nginx2\1#g" "$E2E_WORK/nginx/nginx.conf" >"$E2E_WORK/nginx2.conf"
  mkdir -p "$E2E_WORK/nginx2/tmp"
  ip netns exec "$NS2" nginx -p "$E2E_WORK/nginx2" -e "$E2E_WORK/nginx2/error.log" -c "$E2E_WORK/nginx2.conf" \
    >"$E2E_WORK/nginx2/stdout.log" 2>&1 &
  NS_PIDS+=("$!")
  for i in $(seq 50); do ns2_exec ss -Htln 'sport = :8080' | grep -q 8080 && break; sleep 0.1; done
  ns2_exec ss -Htln 'sport = :8080' | grep -q 8080 || { bad "control nginx starts"; cat "$E2E_WORK/nginx2/"*.log; e2e_finish; }
fi

UPLOAD_ARGS=()
UP_MAX=1048576   # http::ServerConfig::max_body: larger uploads get 413
# The help text is read once into a variable: `serve --help | grep -q` under pipefail fails
# whenever grep exits before serve has written all its help (SIGPIPE), which a longer help made common.
SERVE_HELP=$("$USTACK" serve --help 2>&1)
serve_offers() { grep -q -- "$1" <<<"$SERVE_HELP"; }
if serve_offers '--upload-dir'; then
  UPLOAD_ARGS=(--upload-dir "$E2E_WORK/up")
  if serve_offers '--max-body'; then UPLOAD_ARGS+=(--max-body 1073741824); UP_MAX=1073741824; fi
  # As for nginx's send_timeout: a Linux sender's backed-off RTO at 20 % loss can pause a body for
  # over a minute; the STALL check (curl --speed-time) judges stalls, not the server's 408.
  if serve_offers '--body-timeout'; then UPLOAD_ARGS+=(--body-timeout 3600); fi
fi
# And the send side, for the down rows: serve closes a connection when one 64 KiB write of a response
# takes over 60 s (a 256 MiB down at 20 % loss ended so after 2059 s with 105 MB moved).
SERVE_ARGS=()
if serve_offers '--send-timeout'; then SERVE_ARGS+=(--send-timeout 3600); fi

SERVE_PID=""
SERVE_FAULT="none"
# serve_with FAULT: (re)starts `ustack serve` on tun0 with --fault FAULT ("" for none).
serve_with() {
  local fault="$1" args=()
  [ -n "$SERVE_PID" ] && [ "$SERVE_FAULT" = "$fault" ] && ns_alive "$SERVE_PID" && return 0
  if [ -n "$SERVE_PID" ]; then ns_stop "$SERVE_PID" >/dev/null 2>&1; SERVE_PID=""; fi
  [ -n "$fault" ] && args=(--fault "$fault")
  local log="$E2E_WORK/logs/serve-$((++SERVE_N)).log"
  ns_spawn "$log" "$USTACK" serve --tun tun0 --addr 10.0.0.2 --msl 1 --root "$E2E_WORK/www" \
    "${UPLOAD_ARGS[@]}" "${SERVE_ARGS[@]}" "${args[@]}"
  SERVE_PID=$NS_LAST_PID
  SERVE_FAULT="$fault"
  ns_wait_for "$log" '^ustack: serving' 10 "$SERVE_PID" || { echo "ustack serve did not start:"; sed 's/^/  | /' "$log"; return 1; }
}
SERVE_N=0
stop_serve() { if [ -n "$SERVE_PID" ]; then ns_stop "$SERVE_PID" >/dev/null 2>&1; SERVE_PID=""; fi; }

# total_timeout BYTES LOSS: the time limit of one transfer (seconds), from rates measured here:
# without SACK, a lost retransmission waits for the RTO (RFC 6298 minimum 1 s), so ustack's
# sender needs ~6 s per MiB at 5 % loss each way and far more at 20 %.
total_timeout() {
  local mib=$(( ($1 + 1048575) / 1048576 )) per
  case "$2" in 0) per=1 ;; 1) per=2 ;; 5) per=8 ;; 10) per=16 ;; *) per=40 ;; esac
  echo $(( (30 + mib * per) * TIME_SCALE ))
}

# stall_limit LOSS: the no-progress limit (seconds) at LOSS % each way, unless STALL is set.
# A sender that backs off as RFC 6298 §5.5 asks is silent 0.2 s * (2^n - 1) after n unanswered
# retransmissions of one segment (then its ceiling per step: ustack 60 s, Linux 120 s), and each
# fails with probability 1 - (1 - loss)^2: 36 % at 20 % each way. A 256 MiB row at 20 % has
# ~11 000 timeouts. 130 s of silence needs 10 failures in a row: 0.36^10 * 11 000 ~ 0.4, so at
# 20 % a 130 s limit fails a correct sender about one run in three; 330 s needs 13 (ustack) or
# 12 (Linux) failures: ~2 % and ~5 % of such runs. Below 20 % (10 %: 19 % per retransmission)
# 130 s needs 10 failures, 0.19^10 ~ 6e-8 a timeout. ustack's R2 (522 s) and Linux's
# tcp_retries2 (~925 s) are longer still: the connection is alive all that time.
stall_limit() {
  if [ -n "$STALL" ]; then echo "$STALL"; elif [ "$1" -ge 20 ]; then echo 330; else echo 130; fi
}

# judge PCAP: "ERRORS RETRANS" from tshark's expert info (checksums verified). Payloads are
# decoded as plain data, not HTTP: with 128-byte snapshots the bodies are cut and random body
# bytes would be read as broken HTTP messages (false "Malformed" errors; heuristic dissectors
# such as Thrift likewise). IP and TCP are judged in full.
# JUDGE_CSUM=FALSE for the control: on a veth the kernel leaves TCP checksums to an offload that
# never runs (CHECKSUM_PARTIAL), so its captured segments carry partial sums; ustack's never do.
judge() {
  local csum="${JUDGE_CSUM:-TRUE}"
  ns_exec tshark -r "$1" -o tcp.check_checksum:$csum -o ip.check_checksum:TRUE \
    -d tcp.port==80,data -d tcp.port==8080,data -q -z expert \
    >"$1.expert" 2>&1
  awk '
    /^[A-Z][a-z]+ \([0-9]+\)/ { sect = $1; next }   # Errors, Warns, Notes, Chats, Comments
    /^ *[0-9]+ +/ { if (sect == "Errors") err += $1; if (tolower($0) ~ /retransmission/) rt += $1 }
    END { printf "%d %d\n", err, rt }' "$1.expert"
}

# The judge must be able to fail: a one-packet capture with a wrong TCP checksum has to give one Error.
"$PY" - "$E2E_WORK/bad.pcap" <<'PYEOF'
import struct, sys
def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b)); s = (s >> 16) + (s & 0xffff); s += s >> 16
    return ~s & 0xffff
tcp = struct.pack("!HHIIBBHHH", 40000, 80, 1, 0, 5 << 4, 0x02, 65535, 0x0bad, 0)
ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40, 1, 0, 64, 6, 0, bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]))
ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
hdr = struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 101)  # LINKTYPE_RAW
open(sys.argv[1], "wb").write(hdr + struct.pack("<IIII", 1, 0, 40, 40) + ip + tcp)
PYEOF
read -r selftest_errors _ < <(judge "$E2E_WORK/bad.pcap")
if [ "$selftest_errors" -ne 1 ]; then
  echo "FAIL the tshark judge found $selftest_errors errors in a capture with one bad TCP checksum"; exit 1
fi

PASS=0
FAIL=0
CUT=0
BOUND=0   # ustack rows at their limit where the kernel control was too
KOK=0     # control rows finished / unfinished
KBAD=0
declare -A KSECS   # "BYTES-LOSS" -> the control's seconds ("" when it did not finish)
declare -A KRATE   # "BYTES-LOSS" -> the control's bytes per second (finished or not)
ROWS=()
echo "kernel congestion control: $(ns_exec sysctl -n net.ipv4.tcp_congestion_control) (ustack: CUBIC, its default)"
printf '%-10s %-5s %-7s %-44s %8s %12s %8s %-11s %s\n' size dir loss impairment seconds rate retrans nft_drops result
# run DIR BYTES LOSS FAULT [TIME_LOSS]: one transfer, judged; appends a table row. TIME_LOSS
# (default LOSS) picks the time limit.
run() {
  local dir="$1" bytes="$2" loss="$3" fault="$4"
  local tag="$dir-$bytes-l$loss${fault:+-f}" out="$E2E_WORK/got" cap="$E2E_WORK/caps/$dir-$bytes-l$loss${fault:+-fault}.pcap"
  local limit rc=0 why="" t0 t1 secs
  limit=$(total_timeout "$bytes" "${5:-$loss}")
  local stall; stall=$(stall_limit "$loss")
  local capped=0
  if [ "$MAX_SECS" -gt 0 ] && [ "$limit" -gt "$MAX_SECS" ]; then limit=$MAX_SECS; capped=1; fi
  if [ "$dir" = kernel ] && [ "$CTL_SECS" -gt 0 ] && [ "$limit" -gt "$CTL_SECS" ]; then limit=$CTL_SECS; capped=1; fi
  rm -f "$out" "$E2E_WORK/up/f$bytes"
  set_loss "$loss"
  case "$dir" in down|up) serve_with "$fault" || { why="serve did not start"; rc=1; } ;; *) stop_serve ;; esac
  local before; before=$(nft_drops "$dir")
  local ifc=tun0; [ "$dir" = kernel ] && ifc=kc0
  ns_spawn "$E2E_WORK/logs/tcpdump-$tag.log" tcpdump -i "$ifc" -s 128 -U --immediate-mode -w "$cap" tcp
  local ss_pid=""
  if [ "$SS_LOG" = 1 ]; then
    ns_spawn "$E2E_WORK/logs/ss-$tag.log" sh -c 'while :; do date +%s.%N; ss -tin; sleep 1; done'
    ss_pid=$NS_LAST_PID
  fi
  local dump_pid=$NS_LAST_PID
  ns_wait_for "$E2E_WORK/logs/tcpdump-$tag.log" 'listening on' 10 "$dump_pid"
  t0=$(date +%s.%N)
  if [ "$rc" -eq 0 ]; then
    case "$dir" in
      down)
        ns_exec timeout "$limit" curl -sS --max-time "$limit" --speed-limit 1 --speed-time "$stall" \
          -o "$out" "http://10.0.0.2/f$bytes" 2>"$E2E_WORK/logs/$tag.log" || rc=$?
        ;;
      up)
        ns_exec timeout "$limit" curl -sS --max-time "$limit" --speed-limit 1 --speed-time "$stall" \
          -T "$E2E_WORK/www/f$bytes" -o /dev/null -w '%{http_code}' "http://10.0.0.2/upload/f$bytes" \
          >"$E2E_WORK/logs/$tag.code" 2>"$E2E_WORK/logs/$tag.log" || rc=$?
        cp "$E2E_WORK/up/f$bytes" "$out" 2>/dev/null
        ;;
      kernel)
        ns_exec timeout "$limit" curl -sS --max-time "$limit" --speed-limit 1 --speed-time "$stall" \
          -o "$out" "http://10.1.0.2:8080/f$bytes" 2>"$E2E_WORK/logs/$tag.log" || rc=$?
        ;;
      fetch)
        local fargs=()
        [ -n "$fault" ] && fargs=(--fault "$fault")
        ns_exec timeout "$limit" "$USTACK" fetch --tun tun0 --addr 10.0.0.2 --msl 1 -v --timeout "$stall" \
          "${fargs[@]}" "http://10.0.0.1:8080/f$bytes" -o "$out" 2>"$E2E_WORK/logs/$tag.log" || rc=$?
        ;;
    esac
  fi
  t1=$(date +%s.%N)
  sleep 0.3   # the closing segments into the capture
  ns_stop "$dump_pid" >/dev/null 2>&1
  [ -n "$ss_pid" ] && ns_stop "$ss_pid" >/dev/null 2>&1
  secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
  local after; after=$(nft_drops "$dir")
  local drops="$(( ${after%/*} - ${before%/*} ))/$(( ${after#*/} - ${before#*/} ))"
  local errors retrans
  if [ "$dir" = kernel ]; then read -r errors retrans < <(JUDGE_CSUM=FALSE judge "$cap")
  else read -r errors retrans < <(judge "$cap"); fi
  local got_bytes; got_bytes=$(stat -c %s "$out" 2>/dev/null || echo 0)
  # serve stores an upload only once it is complete: an unfinished PUT shows no bytes moved.
  local moved="$got_bytes of $bytes bytes moved"
  [ "$dir" = up ] && [ "$rc" -ne 0 ] && moved="upload unfinished"
  local cut=0
  if [ "$rc" -ne 0 ] && awk -v s="$secs" -v l="$limit" 'BEGIN { exit !(s >= l - 1) }'; then
    cut=1; why="SLOW: $limit s limit$([ "$capped" -eq 1 ] && echo ' (a cap)') reached, $moved"
  elif [ "$rc" -ne 0 ] && { { [ "$dir" = fetch ] && [ "$rc" -eq 7 ]; } || { [ "$dir" != fetch ] && [ "$rc" -eq 28 ]; }; }; then
    cut=2; why="STALL: no progress for $stall s, $moved"
  elif [ "$rc" -ne 0 ]; then
    why="exit $rc$([ "$rc" = 124 ] && echo ' (timeout '"$limit"' s)'), $moved"
  elif [ "$dir" = up ] && ! grep -qE '^20[14]$' "$E2E_WORK/logs/$tag.code"; then
    why="HTTP $(cat "$E2E_WORK/logs/$tag.code") to the PUT"
  elif [ "$(sha "$E2E_WORK/www/f$bytes")" != "$(sha "$out" 2>/dev/null)" ]; then
    why="SHA-256 differs ($(stat -c %s "$out" 2>/dev/null || echo 0) bytes)"
  elif [ "$errors" -ne 0 ]; then
    why="$errors tshark errors"
  fi
  local rate
  rate=$(awk -v b="$got_bytes" -v s="$secs" 'BEGIN { r = s > 0 ? b * 8 / s : 0;
    if (r >= 1e6) printf "%.1f Mbit/s", r / 1e6; else printf "%.1f kbit/s", r / 1e3 }')
  local result=ok key="$bytes-$loss"
  if [ "$dir" = kernel ]; then
    # The control: its outcome is the kernel's, never a failure of ustack's matrix.
    KRATE[$key]=$(awk -v b="$got_bytes" -v s="$secs" 'BEGIN { printf "%.0f", (s > 0 ? b / s : 0) }')
    if [ -z "$why" ]; then KSECS[$key]=$secs; KOK=$((KOK + 1)); result="ok (control)"
    else KSECS[$key]=""; KBAD=$((KBAD + 1)); result="control unfinished: $why"; fi
  elif [ "$cut" -ge 1 ] && [ -z "$fault" ] && [ "${KSECS[$key]+set}" = set ] && [ -z "${KSECS[$key]}" ]; then
    result="PATH-BOUND: $why; the kernel control did not finish either"; BOUND=$((BOUND + 1))
  elif [ "$cut" -eq 1 ]; then result="$why"; CUT=$((CUT + 1))
  elif [ "$cut" -eq 2 ]; then result="FAIL: $why"; FAIL=$((FAIL + 1))
  elif [ -n "$why" ]; then result="FAIL: $why"; FAIL=$((FAIL + 1))
  else
    PASS=$((PASS + 1))
    if [ -z "$fault" ] && [ -n "${KSECS[$key]:-}" ]; then
      result="ok ($(awk -v u="$secs" -v k="${KSECS[$key]}" 'BEGIN { printf "%.1fx", u / (k > 0.01 ? k : 0.01) }') the kernel's time)"
    elif [ -z "$fault" ] && [ "${KSECS[$key]+set}" = set ] && [ "${KRATE[$key]:-0}" -gt 0 ]; then
      # The control did not finish: compare rates (bytes/s); > 1x means ustack moved data faster.
      result="ok ($(awk -v b="$got_bytes" -v s="$secs" -v k="${KRATE[$key]}" 'BEGIN { printf "%.1fx", (b / (s > 0.01 ? s : 0.01)) / k }') the unfinished kernel control's rate)"
    fi
  fi
  local row
  row=$(printf '%-10s %-5s %-7s %-44s %8s %12s %8s %-11s %s' "$bytes" "$dir" "$loss%" "${fault:-none}" "$secs" \
    "$rate" "$retrans" "$drops" "$result")
  echo "$row"
  ROWS+=("$row")
  if [ -n "$why" ]; then
    sed 's/^/  | /' "$E2E_WORK/logs/$tag.log" 2>/dev/null | tail -5
    grep -A8 '^Errors' "$cap.expert" | sed 's/^/  | /'
  elif [ -z "$KEEP" ]; then
    rm -f "$cap"   # without KEEP=DIR only the captures of failed runs stay (until the work dir goes)
  fi
}

dir_ok() {
  [ "$1" != up ] || [ "${#UPLOAD_ARGS[@]}" -gt 0 ] && return 0
  echo "(skipping 'up': this ustack serve has no --upload-dir)" >&2
  return 1
}

# fault_time_loss SPEC: the loss bucket whose time limit a fault run gets: its loss= rounded up
# to 5, 10 or 20, and at least 5 (delay and reordering alone slow a transfer down as much).
fault_time_loss() {
  local l; l=$(sed -nE 's/(^|.*,)loss=([0-9.]+).*/\2/p' <<<"$1")
  awk -v l="${l:-0}" 'BEGIN { print (l <= 5 ? 5 : l <= 10 ? 10 : 20) }'
}

# size_ok DIR BYTES: uploads only up to serve's body limit (1 GiB with --max-body, else 1 MiB).
size_ok() { [ "$1" != up ] || [ "$2" -le "$UP_MAX" ]; }

# The control runs first at each loss rate, so the ustack rows after it can be judged against it.
ORDERED_DIRS="$(for d in $DIRS; do [ "$d" = kernel ] && echo "$d"; done) $(for d in $DIRS; do [ "$d" != kernel ] && echo "$d"; done)"
for loss in $LOSSES; do
  for dir in $ORDERED_DIRS; do
    dir_ok "$dir" 2>/dev/null || continue
    for bytes in $SIZES; do size_ok "$dir" "$bytes" && run "$dir" "$bytes" "$loss" ""; done
  done
done
IFS=';' read -r -a FAULT_LIST <<<"$FAULTS"
for fault in "${FAULT_LIST[@]}"; do
  [ -n "$fault" ] || continue
  for dir in $FAULT_DIRS; do
    [ "$dir" != kernel ] || continue   # the fault injector lives in ustack: no kernel control for it
    dir_ok "$dir" 2>/dev/null || continue
    for bytes in $FAULT_SIZES; do size_ok "$dir" "$bytes" && run "$dir" "$bytes" 0 "$fault" "$(fault_time_loss "$fault")"; done
  done
done
stop_serve
for dir in $DIRS; do dir_ok "$dir" || true; done
for bytes in $SIZES; do size_ok up "$bytes" || echo "(skipped 'up' of $bytes bytes: over serve's $UP_MAX-byte body limit)"; done
grep -h '^ustack: fault injector' "$E2E_WORK"/logs/*.log 2>/dev/null | sort | uniq -c | sed 's/^/  /'

echo "$PASS runs passed, $FAIL failed, $CUT slow (time limit reached while moving), $BOUND path-bound (slow or stalled where the kernel control was too)"
[ "$KCTL" -eq 1 ] && echo "kernel control: $KOK finished, $KBAD did not"
[ "$FAIL" -eq 0 ] && [ "$CUT" -eq 0 ]
