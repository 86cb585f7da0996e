#!/usr/bin/env bash
# Graceful close, checked on the wire: a client pipelines requests after one that ends the connection
# (Connection: close, HTTP/1.0, a rejected request) and keeps sending while a 1 MiB response streams
# in (tests/e2e/peer_close.py). With tcpdump capturing tun0 inside the namespace: the response arrives
# whole, ends with ustack's FIN, and ustack sends no RST (RFC 9112 §9.6). Control: `--linger 0` (close at
# once) must show the RST on the same capture, so the check can fail.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
e2e_require peer_graceful_close tcpdump
e2e_setup peer-close

www="$E2E_WORK/www"
mkdir -p "$www"
make_file "$www/big" 1048576
echo small >"$www/small"

capture() {  # capture NAME: starts tcpdump on tun0; sets CAP_PID
  # --immediate-mode: without it libpcap hands packets over in blocks, and the segments of the
  # last block (the final FINs, the control's RST) were lost when tcpdump was stopped.
  ns_spawn "$E2E_WORK/$1.tcpdump.log" tcpdump -Z root -i tun0 -n -U --immediate-mode -s 128 \
    -w "$E2E_WORK/$1.pcap" tcp port 80
  CAP_PID=$NS_LAST_PID
  ns_wait_for "$E2E_WORK/$1.tcpdump.log" 'listening on' 10 "$CAP_PID"
}
rsts_from_ustack() {  # rsts_from_ustack NAME: RST segments sent by 10.0.0.2 in the capture
  tcpdump -r "$E2E_WORK/$1.pcap" -n 'src host 10.0.0.2 and tcp[tcpflags] & tcp-rst != 0' 2>/dev/null | wc -l
}

start_serve "$E2E_WORK/serve.log" --root "$www" || { bad "ustack serve starts"; e2e_finish; }
ok "ustack serve starts and answers ping"
capture linger || bad "tcpdump starts"
run_checks ns_exec timeout 50 "$PY" "$E2E_REPO/tests/e2e/peer_close.py" 10.0.0.2 1048576 3
sleep 0.5
ns_stop "$CAP_PID"
n=$(rsts_from_ustack linger)
check "capture: ustack sent no RST (got $n)" [ "$n" -eq 0 ]
fins=$(tcpdump -r "$E2E_WORK/linger.pcap" -n 'src host 10.0.0.2 and tcp[tcpflags] & tcp-fin != 0' 2>/dev/null | wc -l)
check "capture: ustack sent a FIN on each of the 9 connections (got $fins)" [ "$fins" -ge 9 ]
ns_stop "$SERVE_PID"; rc=$?
check "ustack serve stops cleanly (exit $rc)" [ "$rc" -eq 0 ]

# Control: without lingering the pipelined bytes meet a closed socket and ustack answers with RST.
start_serve "$E2E_WORK/serve0.log" --root "$www" --linger 0 || { bad "ustack serve --linger 0 starts"; e2e_finish; }
capture nolinger || bad "tcpdump starts"
# Three rounds (9 connections): whether a pipelined write meets the closed socket is a race (unread
# data at close(), or data arriving after it, both get a RST now, SHLD-3), so a single round may
# show no RST.
ns_exec timeout 50 "$PY" "$E2E_REPO/tests/e2e/peer_close.py" 10.0.0.2 1048576 3 >"$E2E_WORK/nolinger.txt" 2>&1
sed 's/^/  control | /' "$E2E_WORK/nolinger.txt"
sleep 0.5
ns_stop "$CAP_PID"
n=$(rsts_from_ustack nolinger)
check "control (--linger 0): the capture shows ustack's RST (got $n), so the check above can fail" [ "$n" -gt 0 ]
ns_stop "$SERVE_PID"
e2e_finish
