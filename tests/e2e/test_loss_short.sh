#!/usr/bin/env bash
# The short loss matrix (tests/e2e/loss_matrix.sh, full version in docs/testing.md):
# 1 MiB each way (GET both ways, PUT to ustack serve) at 0 % and 5 % nftables loss each
# way, and one run through ustack's fault injector (delay, jitter, reordering,
# duplication); SHA-256 equal and no tshark Error item in each run's capture.
# 1 MiB from ustack at 5 % loss takes 4-26 s here (retransmission timeouts), so the
# time limits are doubled (TIME_SCALE=2, 76 s) to keep a slow draw from failing the test.
set -uo pipefail
SIZES=1048576 LOSSES="0 5" DIRS="down fetch up" \
  FAULTS="delay=5ms,jitter=2ms,reorder=5,dup=2,seed=7" FAULT_SIZES=1048576 FAULT_DIRS=down STALL=30 TIME_SCALE=2 \
  exec bash "$(dirname "$0")/loss_matrix.sh" "$@"
