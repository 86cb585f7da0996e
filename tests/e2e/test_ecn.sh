#!/usr/bin/env bash
# ECN (RFC 3168) between ustack and the Linux kernel, seen on the wire with
# tcpdump. The namespace's own net.ipv4.tcp_ecn is 1 (the host's is untouched):
#  - kernel curl -> `ustack serve` (--ecn passive, the default): the kernel's
#    SYN asks (ECE,CWR), ustack's SYN-ACK agrees (ECE), data both ways is ECT(0);
#  - `ustack fetch --ecn on` -> kernel nginx: ustack asks, the kernel agrees;
#  - `ustack serve --ecn off`: an asking SYN gets a plain SYN-ACK, nothing is ECT;
#  - CE marks set by nftables on ustack's data make the kernel echo ECE, and
#    ustack answers with CWR; on the kernel's data (ustack fetch from nginx),
#    ustack echoes ECE and the kernel answers with CWR.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
e2e_require ecn curl tcpdump nginx nft ss sha256sum
e2e_setup ecn
[ -n "${KEEP:-}" ] && trap 'ns_cleanup; cp -r "$E2E_WORK" "$KEEP"; rm -rf "$E2E_WORK"' EXIT

ns_exec sysctl -q -w net.ipv4.tcp_ecn=1
check "tcp_ecn=1 inside the namespace" [ "$(ns_exec sysctl -n net.ipv4.tcp_ecn)" = 1 ]
mkdir -p "$E2E_WORK/www"
make_file "$E2E_WORK/www/f1m" 1048576

# capture NAME: tcpdump on every interface (tun0 may come and go) into NAME.pcap (PID in CAP_PID); stop_capture prints it as text.
capture() {
  ns_spawn "$E2E_WORK/$1.tcpdump.log" tcpdump -i any -n -s 96 -U --immediate-mode -w "$E2E_WORK/$1.pcap" tcp
  CAP_PID=$NS_LAST_PID
  ns_wait_for "$E2E_WORK/$1.tcpdump.log" 'listening on' 10 "$CAP_PID" || true
}
stop_capture() {
  sleep 0.5
  ns_stop "$CAP_PID" || true
  tcpdump -r "$E2E_WORK/$1.pcap" -n -v 2>/dev/null >"$E2E_WORK/$1.txt"
}
# has NAME REGEX: the capture's text (tcpdump -v: the IP line, then the TCP line) matches.
# (grep -c reads everything: with pipefail, grep -q would fail the pipeline by SIGPIPE.)
count() { tr '\n' ' ' <"$E2E_WORK/$1.txt" | sed 's/ \(IP (tos\)/\n\1/g' | grep -cE "$2"; }
has() { [ "$(count "$@")" -gt 0 ]; }

# ---- 1. kernel client, ustack server in its default mode (passive) ----
start_serve "$E2E_WORK/serve.log" --root "$E2E_WORK/www" || { bad "ustack serve starts"; e2e_finish; }
capture passive
ns_exec curl -s -o "$E2E_WORK/got1" --max-time 30 http://10.0.0.2/f1m
check "curl from ustack serve: SHA-256 equal" [ "$(sha "$E2E_WORK/www/f1m")" = "$(sha "$E2E_WORK/got1")" ]
stop_capture passive
check "kernel SYN asks for ECN [SEW]" has passive '10\.0\.0\.1\.[0-9]+ > 10\.0\.0\.2\.80: Flags \[SEW\]'
check "ustack SYN-ACK agrees [S.E]" has passive '10\.0\.0\.2\.80 > 10\.0\.0\.1\.[0-9]+: Flags \[S\.E\]'
check "ustack data is ECT(0)" has passive 'tos 0x2,ECT\(0\).*10\.0\.0\.2\.80 > .*length [1-9]'
check "kernel data is ECT(0)" has passive 'tos 0x2,ECT\(0\).*> 10\.0\.0\.2\.80: Flags \[P\.\].*length [1-9]'
check "ustack pure ACKs are Not-ECT" has passive 'IP \(tos 0x0,.*10\.0\.0\.2\.80 > .*Flags \[\.\].*length 0'

# ---- 2. CE marks both ways on ECN connections ----
# nftables marks CE on the first 5 ECT(0) data packets ustack sends (prerouting,
# where they enter the kernel) and on the first 5 the kernel's nginx sends
# (postrouting, after the capture point sees them leave: tcpdump shows tos 0x3).
ns_exec nft -f - <<'NFT' || bad "nftables CE marking rules load"
table inet ecnmark {
  chain pre { type filter hook prerouting priority -300; ip ecn ect0 tcp sport 80 limit rate over 1/hour burst 5 packets counter accept; ip ecn ect0 tcp sport 80 counter ip ecn set ce; }
  chain post { type filter hook postrouting priority 0; ip ecn ect0 tcp sport 8080 limit rate over 1/hour burst 5 packets counter accept; ip ecn ect0 tcp sport 8080 counter ip ecn set ce; }
}
NFT
capture ce-serve
ns_exec curl -s -o "$E2E_WORK/got2" --max-time 30 http://10.0.0.2/f1m
check "curl with CE marks: SHA-256 equal" [ "$(sha "$E2E_WORK/www/f1m")" = "$(sha "$E2E_WORK/got2")" ]
stop_capture ce-serve
check "the kernel echoes ustack's CE with ECE" has ce-serve '> 10\.0\.0\.2\.80: Flags \[[^]S]*E[^]S]*\]'
check "ustack answers the echo with CWR" has ce-serve '10\.0\.0\.2\.80 > .*Flags \[[^]S]*W[^]S]*\]'
ns_stop "$SERVE_PID" || true

start_nginx "$E2E_WORK/www" || bad "nginx starts"
capture ce-fetch
rc=$(fetch "http://10.0.0.1:8080/f1m" "$E2E_WORK/got3" --timeout 30 --ecn on)
check "ustack fetch --ecn on with CE marks: exit 0 (got $rc)" [ "$rc" = 0 ]
check "... SHA-256 equal" [ "$(sha "$E2E_WORK/www/f1m")" = "$(sha "$E2E_WORK/got3")" ]
stop_capture ce-fetch
check "ustack SYN asks for ECN [SEW] (fetch --ecn on)" has ce-fetch '10\.0\.0\.2\.[0-9]+ > 10\.0\.0\.1\.8080: Flags \[SEW\]'
check "kernel SYN-ACK agrees [S.E]" has ce-fetch '10\.0\.0\.1\.8080 > 10\.0\.0\.2\.[0-9]+: Flags \[S\.E\]'
check "kernel data marked CE on the way" has ce-fetch 'tos 0x3,CE.*10\.0\.0\.1\.8080 > '
check "ustack echoes the kernel's CE with ECE" has ce-fetch '10\.0\.0\.2\.[0-9]+ > 10\.0\.0\.1\.8080: Flags \[[^]S]*E[^]S]*\]'
check "the kernel answers ustack's echo with CWR" has ce-fetch '10\.0\.0\.1\.8080 > .*Flags \[[^]S]*W[^]S]*\]'
ns_exec nft list table inet ecnmark | grep -E 'counter' | sed 's/^/  | /'
ns_exec nft delete table inet ecnmark

# ---- 3. ustack serve --ecn off ----
start_serve "$E2E_WORK/serve-off.log" --root "$E2E_WORK/www" --ecn off || { bad "ustack serve --ecn off starts"; e2e_finish; }
capture off
ns_exec curl -s -o "$E2E_WORK/got4" --max-time 30 http://10.0.0.2/f1m
check "curl from serve --ecn off: SHA-256 equal" [ "$(sha "$E2E_WORK/www/f1m")" = "$(sha "$E2E_WORK/got4")" ]
stop_capture off
check "kernel SYN asks [SEW]" has off '> 10\.0\.0\.2\.80: Flags \[SEW\]'
check "ustack SYN-ACK declines [S.]" has off '10\.0\.0\.2\.80 > 10\.0\.0\.1\.[0-9]+: Flags \[S\.\]'
check "no ECT packet either way" [ "$(count off 'ECT\(0\)')" = 0 ]
e2e_finish
