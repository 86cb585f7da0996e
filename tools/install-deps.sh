#!/usr/bin/env bash
# Installs every Debian 12 package that building and testing ustack needs.
# Idempotent: when all of them are already installed it does nothing (no apt).
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build g++ pkg-config
  libtins-dev libpcap-dev libboost1.81-dev libgtest-dev libgmock-dev libbenchmark-dev
  libcli11-dev nlohmann-json3-dev
  curl wget nginx-light iproute2 iputils-ping procps tcpdump tshark socat
  python3 python3-scapy nftables apache2-utils wrk iperf3 util-linux nodejs
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages already installed"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages (${missing[*]}); run as root: sudo bash tools/install-deps.sh" >&2
  exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer no without a prompt.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
apt-get update
apt-get install -y --no-install-recommends "${missing[@]}"
echo "install-deps: done"
