#!/bin/bash
# ustack behind a TUN device with the Linux kernel as the client, inside one
# private network namespace, measured exactly like run_tunpeer.sh measures
# gVisor and lwIP (same lib.sh helpers, same tests, same CPU pinning):
#
#   kernel (client, 10.77.0.1) --tun--> ustack_peer (server, 10.77.0.2)
#
#   PB=/path/to/bench-peers USTACK_PEER=/path/to/ustack_peer [MTU=1500] [SECS=10] ./run_ustack.sh
#
# Prints "key value" lines on stdout, keys prefixed with $LABEL (default ustack).
set -u
PB=${PB:?set PB to a copy of shared/bench-peers with build/ built}
. "$PB/lib.sh"
pb_trap
MTU=${MTU:-1500}
SECS=${SECS:-10}
CONNS=${CONNS:-32}
LABEL=${LABEL:-ustack}
TESTS=${TESTS:-"up down http_ka http_close"}
USTACK_PEER=${USTACK_PEER:?set USTACK_PEER to the ustack_peer binary}
TMP=$(mktemp -d /tmp/pbu.XXXXXX)
PB_TMP=$TMP
PB_RAWLOG=${PB_RAWLOG:-$TMP/raw.log}
DEV="${PB_TAG}t"

pb_ns_add N tu || exit 1
ip -n "$N" tuntap add dev "$DEV" mode tun
ip -n "$N" addr add 10.77.0.1/24 dev "$DEV"
ip -n "$N" link set "$DEV" mtu "$MTU" txqueuelen "${TXQLEN:-500}" up

pb_spawn "$N" "$PB_CPU_SERVER" "$TMP/peer.log" "$USTACK_PEER" --tun "$DEV" --addr 10.77.0.2 --mtu "$MTU" ${USFLAGS:-}
PEERPID=$PB_LASTPID

pb_wait_tcp "$N" 10.77.0.2 5001 || { cat "$TMP/peer.log" >&2; exit 1; }
pb_wait_tcp "$N" 10.77.0.2 8080 || { cat "$TMP/peer.log" >&2; exit 1; }

for t in $TESTS; do
    kill -0 "$PEERPID" 2>/dev/null || { pb_log "ustack_peer died"; cat "$TMP/peer.log" >&2; exit 1; }
    case $t in
    up)      pb_run_test "$LABEL" up_gbps pb_blast "$N" send 10.77.0.2 5001 "$SECS" ;;
    down)    pb_run_test "$LABEL" down_gbps pb_blast "$N" recv 10.77.0.2 5002 "$SECS" ;;
    http_ka) pb_run_test "$LABEL" http_ka_rps pb_wrk "$N" http://10.77.0.2:8080/ "$SECS" "$CONNS" ;;
    http_close) pb_run_test "$LABEL" http_close_rps pb_wrk "$N" http://10.77.0.2:8080/ "$SECS" "$CONNS" -H 'Connection: close' ;;
    esac
    sleep 1
done
ip -s -n "$N" link show "$DEV" >>"$PB_RAWLOG"
cat "$TMP/peer.log" >>"$PB_RAWLOG"
