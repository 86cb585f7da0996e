#!/bin/bash
# Measures ustack beside the kernel, gVisor and lwIP in ONE run, interleaved
# rep by rep so machine noise hits every peer alike, and summarises medians
# and per-rep ratios to the kernel (../shared/bench-peers/summarize.py).
#
#   sudo bash bench/run.sh                       # REPS=3 SECS=10, about 12 min
#   REPS=1 SECS=3 sudo bash bench/run.sh         # a quick look
#   CONFIGS="kernel ustack" sudo bash bench/run.sh
#
# Everything runs in private namespaces created and deleted by the scripts of
# ../shared/bench-peers (addresses 10.77.x.x inside them only).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
SHARED=${SHARED_PEERS:-$ROOT/../shared/bench-peers}
REPS=${REPS:-3}
export SECS=${SECS:-10}
CONFIGS=${CONFIGS:-"kernel gvisor lwip ustack"}

[ "$(id -u)" = 0 ] || { echo "bench/run.sh: must run as root (it creates network namespaces)" >&2; exit 1; }

need=""
for p in golang-go golang-gvisor-gvisor-dev liblwip-dev iperf3 wrk nginx-light pkg-config build-essential cmake ninja-build \
         libboost1.81-dev libtins-dev libgtest-dev libgmock-dev; do
    dpkg -s "$p" >/dev/null 2>&1 || need="$need $p"
done
if [ -n "$need" ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $need
fi

# The shared peers are read-only here: build them in a private copy.
WORK=$(mktemp -d /tmp/ustack-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
cp -r "$SHARED" "$WORK/bench-peers"
export PB="$WORK/bench-peers"
"$PB/build.sh" >&2

cmake -S "$ROOT" -B "$ROOT/build-bench" -G Ninja -DCMAKE_BUILD_TYPE=Release -DUSTACK_TESTS=OFF >&2
cmake --build "$ROOT/build-bench" --target ustack_peer -j"$(nproc)" >&2
export USTACK_PEER="$ROOT/build-bench/bench/ustack_peer"

OUT="$ROOT/bench/results/run-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$OUT"
export PB_RAWLOG="$OUT/raw.log"
{
    echo "# date $(date -Is) host $(hostname) kernel $(uname -r) cpus $(nproc) reps $REPS secs $SECS"
    echo "# $(grep -m1 'model name' /proc/cpuinfo)"
    echo "# ustack $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null)"
} >"$OUT/results.tsv"

run_cfg() {
    case $1 in
    kernel) TESTS="iperf up down http_ka http_close" "$PB/run_kernel.sh" ;;
    gvisor) (cd "$PB" && LABEL=gvisor PEER=gvisor ./run_tunpeer.sh) ;;
    lwip)   (cd "$PB" && LABEL=lwip PEER=lwip ./run_tunpeer.sh) ;;
    ustack) bash "$HERE/run_ustack.sh" ;;
    *) echo "unknown config $1" >&2; return 1 ;;
    esac
}

for r in $(seq 1 "$REPS"); do
    for c in $CONFIGS; do
        echo "[$(date +%H:%M:%S)] rep $r/$REPS: $c" >&2
        echo "=== rep $r $c" >>"$PB_RAWLOG"
        run_cfg "$c" | sed "s/^/$r /" >>"$OUT/results.tsv" || echo "[$(date +%H:%M:%S)] $c failed in rep $r" >&2
    done
done
python3 "$PB/summarize.py" "$OUT/results.tsv" | tee "$OUT/summary.md"
echo "results in $OUT" >&2
