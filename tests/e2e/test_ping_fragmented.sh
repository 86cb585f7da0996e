#!/usr/bin/env bash
# A ping larger than the TUN MTU (1500): the kernel fragments the echo request,
# ustack reassembles it (RFC 791 §3.2) and fragments its reply, which the kernel reassembles.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
e2e_require ping_fragmented ping
e2e_setup pingfrag

mkdir -p "$E2E_WORK/www"
start_serve "$E2E_WORK/serve.log" --root "$E2E_WORK/www" || { bad "ustack serve starts"; e2e_finish; }
mtu=$(ns_exec cat /sys/class/net/tun0/mtu)
check "tun0 MTU is 1500 (is $mtu)" [ "$mtu" -eq 1500 ]
out=$(ns_exec ping -c 3 -i 0.2 -W 2 -s 4000 10.0.0.2)
echo "$out" | tail -2
check "ping -s 4000 (3 fragments each way): 3 replies" grep -q ' 3 received' <<<"$out"
check "replies carry all 4008 ICMP octets" grep -q '^4008 bytes from 10.0.0.2' <<<"$out"
out=$(ns_exec ping -c 2 -i 0.2 -W 2 -s 30000 -p 7573746163 10.0.0.2)
check "ping -s 30000 (21 fragments): 2 replies" grep -q ' 2 received' <<<"$out"
ns_stop "$SERVE_PID"; rc=$?
check "ustack serve stops cleanly on SIGTERM (exit $rc)" [ "$rc" -eq 0 ]
e2e_finish
