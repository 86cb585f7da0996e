#!/usr/bin/env bash
# Path MTU discovery (RFC 1191) through a Linux router: curl, in a second namespace
# behind a 1000-octet link, downloads 1 MiB from `ustack serve`. The kernel that routes
# between tun0 and that link answers ustack's 1500-octet DF datagrams with ICMP
# Fragmentation Needed (MTU 1000); ustack must lower its MSS to 948 (1000 less IP, TCP and
# timestamps), resend what was dropped, and send nothing larger than that afterwards.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
e2e_require pmtu curl sha256sum tcpdump
e2e_setup pmtu
NS2="ue2e-pmtu-client-$$"
ip netns add "$NS2"
trap 'ns_cleanup; ip netns del "$NS2" 2>/dev/null; rm -rf "$E2E_WORK"' EXIT
ns2_exec() { ip netns exec "$NS2" "$@"; }

# $NS routes: tun0 10.0.0.1/24 (ustack 10.0.0.2), veth "narrow" 10.0.1.1/24 with MTU 1000.
# The client's route announces MSS 1460 (advmss), so only the router knows the path is narrower.
ip -n "$NS" link add narrow mtu 1000 type veth peer name client mtu 1000 netns "$NS2"
ip -n "$NS" addr add 10.0.1.1/24 dev narrow
ip -n "$NS" link set narrow up
ns_exec sysctl -qw net.ipv4.ip_forward=1
ip -n "$NS2" link set lo up
ip -n "$NS2" addr add 10.0.1.2/24 dev client
ip -n "$NS2" link set client up
ip -n "$NS2" route add 10.0.0.0/24 via 10.0.1.1 dev client advmss 1460

mkdir -p "$E2E_WORK/www"
make_file "$E2E_WORK/www/f1m" 1048576
start_serve "$E2E_WORK/serve.log" --root "$E2E_WORK/www" || { bad "ustack serve starts"; e2e_finish; }
ns_spawn "$E2E_WORK/tcpdump.log" tcpdump -i tun0 -nn -U --immediate-mode -B 16384 -s 128 -w "$E2E_WORK/tun0.pcap" tcp or icmp
TCPDUMP_PID=$NS_LAST_PID
ns_wait_for "$E2E_WORK/tcpdump.log" 'listening on' 10 "$TCPDUMP_PID" || bad "tcpdump starts on tun0"

start=$(date +%s.%N)
code=$(ns2_exec curl -sS --max-time 30 --limit-rate 4M -o "$E2E_WORK/got" -w '%{http_code}' http://10.0.0.2/f1m)
secs=$(echo "$(date +%s.%N) - $start" | bc 2>/dev/null || echo "?")
if [ "$code" = 200 ] && [ "$(sha "$E2E_WORK/www/f1m")" = "$(sha "$E2E_WORK/got")" ]; then
  ok "GET /f1m across the 1000-octet link: 200, SHA-256 equal (${secs} s)"
else
  bad "GET /f1m: status '$code', got $(stat -c %s "$E2E_WORK/got" 2>/dev/null || echo none) bytes"
fi
sleep 0.5
ns_stop "$TCPDUMP_PID"
grep -E "captured|received|dropped" "$E2E_WORK/tcpdump.log"

# Reading the capture: ustack's data segments from 10.0.0.2 (relative sequence numbers).
# A segment is resent when it starts below the highest end sent so far. The flight at the
# drop is what was sent before ustack's first resend (by then it has read an ICMP); every
# segment of it was a full 1448 octets, so all of it must be resent, and from then on no
# segment may carry more than 948 octets.
ns_exec tcpdump -nn -r "$E2E_WORK/tun0.pcap" 2>/dev/null >"$E2E_WORK/tun0.txt"
icmps=$(grep -c 'need to frag (mtu 1000)' "$E2E_WORK/tun0.txt")
check "the router sent Fragmentation Needed (mtu 1000) to ustack ($icmps)" [ "$icmps" -ge 1 ]
read -r flight resent_flight resent big_after high delay first_small < <(awk '
  function secs(t, a) { split(t, a, ":"); return a[1] * 3600 + a[2] * 60 + a[3] }
  /need to frag/ && !icmp_at { icmp_at = secs($1) }
  /^[0-9:.]+ IP 10\.0\.0\.2\.80 > / && / seq [0-9]+:[0-9]+/ {
    match($0, / seq [0-9]+:[0-9]+/); split(substr($0, RSTART + 5, RLENGTH - 5), r, ":")
    s = r[1] + 0; e = r[2] + 0
    if (icmp_at && e - s <= 948 && first_small == "") first_small = s
    if (s < high) {
      if (!flight_end) { flight_end = high; resend_at = secs($1) }
      n = (e < high ? e : high) - s; resent += n
      if (s < flight_end) resent_flight += (e < flight_end ? e : flight_end) - s
    }
    if (flight_end && e - s > 948) big++
    if (e > high) high = e
  }
  END { printf "%d %d %d %d %d %d %d\n", flight_end - 1, resent_flight, resent, big, high,
              flight_end ? (resend_at - icmp_at) * 1000000 : -1, first_small == "" ? -1 : first_small }
' "$E2E_WORK/tun0.txt")
# At once: before any new data (and so before SACKs or a timeout could call for it).
check "the first segment of 948 octets or less resends seq 1 (at $first_small, $delay us after the ICMP)" \
  [ "$first_small" -eq 1 ]
echo "data octets captured up to $high; in flight at the drop $flight, of them resent $resent_flight;" \
     "resent in all $resent; over 948 after the first resend: $big_after"
check "all $flight octets in flight at the drop resent ($resent_flight)" \
  [ "$flight" -gt 0 -a "$resent_flight" -ge "$flight" ]
check "no segment over the new MSS 948 after the first resend ($big_after)" [ "$big_after" -eq 0 ]
check "resent less than 64 KiB of the 1 MiB in all ($resent)" [ "$resent" -lt 65536 ]

check "ustack serve still running" ns_alive "$SERVE_PID"
ns_stop "$SERVE_PID"; rc=$?
check "ustack serve stops cleanly on SIGTERM (exit $rc)" [ "$rc" -eq 0 ]
e2e_finish
