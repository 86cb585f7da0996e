#!/usr/bin/env bash
# SYN cookies end to end (RFC 4987 §3.6): `ustack serve --backlog 4` under a
# SYN flood from spoofed sources inside the namespace's 10.0.0.0/24 (scapy);
# the flood fills the SYN queue, so the kernel's curl connects through SYN
# cookies, and every fetch succeeds. The kernel is only the client here: its
# own SYN cookies (for its listeners) play no part.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
e2e_require syn_flood curl sha256sum
"$PY" -c 'import scapy.all' 2>/dev/null || { echo "SKIP syn_flood: python3-scapy not installed"; exit 77; }
e2e_setup syn-flood

mkdir -p "$E2E_WORK/www"
make_file "$E2E_WORK/www/f100k" 102400
start_serve "$E2E_WORK/serve.log" --root "$E2E_WORK/www" --backlog 4 --syn-cookies auto \
  || { bad "ustack serve starts"; e2e_finish; }
ok "ustack serve --backlog 4 --syn-cookies auto starts"

# 8 s of flood, ~2000 SYNs/s; fetches start once it runs.
ns_spawn "$E2E_WORK/flood.out" "$PY" "$(dirname "$0")/syn_flood.py" 10.0.0.2 80 8 2000
FLOOD_PID=$NS_LAST_PID
ns_wait_for "$E2E_WORK/flood.out" '^flooding' 20 "$FLOOD_PID" || { bad "the flood starts"; cat "$E2E_WORK/flood.out"; e2e_finish; }
sleep 0.5
good=0 fetches=10
for i in $(seq $fetches); do
  code=$(ns_exec curl -sS --max-time 10 -o "$E2E_WORK/got$i" -w '%{http_code}' "http://10.0.0.2/f100k")
  if [ "$code" = 200 ] && [ "$(sha "$E2E_WORK/www/f100k")" = "$(sha "$E2E_WORK/got$i")" ]; then
    good=$((good + 1))
  else
    echo "  fetch $i: status '$code'"
  fi
  sleep 0.3
done
check "$good of $fetches curl fetches during the flood: 200 and SHA-256 equal" [ "$good" -eq "$fetches" ]
wait "$FLOOD_PID" 2>/dev/null
flood=$(cat "$E2E_WORK/flood.out" 2>/dev/null | tail -1)
echo "  flood sent ${flood:-?} SYNs"
check "the flood sent SYNs" [ "${flood:-0}" -gt 1000 ] 2>/dev/null
check "ustack serve still running" ns_alive "$SERVE_PID"
ns_stop "$SERVE_PID"; rc=$?
check "ustack serve stops cleanly on SIGTERM (exit $rc)" [ "$rc" -eq 0 ]
line=$(grep 'listen queues:' "$E2E_WORK/serve.log")
echo "  $line"
sent=$(sed -n 's/.*queues: \([0-9]*\) SYN cookies sent.*/\1/p' <<<"$line")
valid=$(sed -n 's/.* \([0-9]*\) validated.*/\1/p' <<<"$line")
# Not every SYN need reach ustack (the TUN queue holds 500 on a loaded machine); a quarter must.
check "cookies sent (${sent:-none}) for the flood" [ "${sent:-0}" -gt $(( ${flood:-0} / 4 )) ]
check "cookies validated (${valid:-none}) for at least the $fetches fetches" [ "${valid:-0}" -ge "$fetches" ]

# The contrast: without cookies the same flood keeps the SYN queue full and a fetch cannot connect.
start_serve "$E2E_WORK/serve-off.log" --root "$E2E_WORK/www" --backlog 4 --syn-cookies off \
  || { bad "ustack serve --syn-cookies off starts"; e2e_finish; }
ns_spawn "$E2E_WORK/flood-off.out" "$PY" "$(dirname "$0")/syn_flood.py" 10.0.0.2 80 5 2000
FLOOD_PID=$NS_LAST_PID
ns_wait_for "$E2E_WORK/flood-off.out" '^flooding' 20 "$FLOOD_PID" || { bad "the second flood starts"; e2e_finish; }
sleep 0.5
code=$(ns_exec curl -sS --max-time 3 -o /dev/null -w '%{http_code}' "http://10.0.0.2/f100k" 2>/dev/null)
check "--syn-cookies off: a fetch during the flood does not connect (status '$code')" [ "$code" = 000 ]
wait "$FLOOD_PID" 2>/dev/null
ns_stop "$SERVE_PID"
line=$(grep 'listen queues:' "$E2E_WORK/serve-off.log")
echo "  $line"
drops=$(sed -n 's/.* \([0-9]*\) SYN queue drops.*/\1/p' <<<"$line")
check "--syn-cookies off: no cookies, SYN queue drops (${drops:-none})" \
  bash -c "[[ '$line' == *': 0 SYN cookies sent'* ]] && [ '${drops:-0}' -gt 1000 ]"
e2e_finish
