#!/usr/bin/env bash
# 200 sequential connections from curl to `ustack serve`, each a new TCP
# connection, and TIME-WAIT on both sides:
#  - 100 where curl closes first: the kernel's side must hold them in
#    TIME-WAIT (ss -tan, Linux keeps TIME-WAIT 60 s) and ustack must pass
#    CLOSE-WAIT -> LAST-ACK -> CLOSED for each;
#  - 100 with "Connection: close", where ustack's server closes first: ustack
#    must enter TIME-WAIT for each (its -v trace) and leave it after 2*MSL.
# ustack runs with --msl 1 (TIME-WAIT = 2 s) so its TIME-WAIT table stays small;
# the RFC default of 120 s is what you get without --msl.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
e2e_require sequential curl ss
e2e_setup sequential

mkdir -p "$E2E_WORK/www"
echo 'small body' >"$E2E_WORK/www/small.txt"
start_serve "$E2E_WORK/serve.log" --root "$E2E_WORK/www" || { bad "ustack serve starts"; e2e_finish; }
LOG="$E2E_WORK/serve.log"
count() { grep -cE "$1" "$LOG"; }
kernel_time_wait() { ns_exec ss -Htan state time-wait '( dport = :80 )' | wc -l; }

# Phase 1: curl closes first.
good=0
for i in $(seq 100); do
  r=$(ns_exec curl -sS --max-time 10 -w ' %{http_code} %{num_connects}' http://10.0.0.2/small.txt 2>&1)
  [ "$r" = "small body
 200 1" ] && good=$((good + 1))
done
check "phase 1: 100 requests on 100 new connections answered 200 ($good)" [ "$good" -eq 100 ]
sleep 0.5
tw=$(kernel_time_wait)
check "phase 1: kernel side holds the 100 connections in TIME-WAIT ($tw)" [ "$tw" -ge 100 ]
n=$(count 'LAST-ACK -> CLOSED')
check "phase 1: ustack traced LAST-ACK -> CLOSED for each ($n)" [ "$n" -ge 100 ]

# Phase 2: ustack closes first.
good=0
for i in $(seq 100); do
  r=$(ns_exec curl -sS --max-time 10 -H 'Connection: close' -w ' %{http_code}' http://10.0.0.2/small.txt 2>&1)
  [ "$r" = "small body
 200" ] && good=$((good + 1))
done
check "phase 2: 100 Connection: close requests answered 200 ($good)" [ "$good" -eq 100 ]
sleep 0.5
n=$(count ' -> TIME-WAIT ')
check "phase 2: ustack entered TIME-WAIT for each ($n in -v trace)" [ "$n" -ge 100 ]
sleep 3   # 2*MSL = 2 s
n=$(count 'TIME-WAIT -> CLOSED')
check "phase 2: ustack left TIME-WAIT after 2*MSL for each ($n)" [ "$n" -ge 100 ]

check "ustack serve still running" ns_alive "$SERVE_PID"
ns_stop "$SERVE_PID"; rc=$?
check "ustack serve stops cleanly on SIGTERM (exit $rc)" [ "$rc" -eq 0 ]
summary=$(grep '^ustack: stopped' "$LOG")
echo "$summary"
accepted=$(sed -nE 's/.*stopped: ([0-9]+) connections accepted.*/\1/p' <<<"$summary")
check "ustack counted 200 accepted connections (${accepted:-none})" [ "${accepted:-0}" -eq 200 ]
e2e_finish
