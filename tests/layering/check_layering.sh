#!/usr/bin/env bash
# The dependency rule of docs/architecture.md, checked on the sources (CMake
# enforces what links, not what is #included): base <- stack/wire <- tcp <-
# stack <- tcp/asio + stack/asio; http depends on none of them. The TCP core and
# the wire views include no OS, Asio or randomness header and read no clock.
# Usage: check_layering.sh REPO   (exit 1 and one line per violation)
set -uo pipefail
REPO="${1:?usage: check_layering.sh REPO}"
cd "$REPO" || exit 2
bad=0
# rule FILES... -- PATTERN WHY: every line of FILES matching PATTERN (grep -E) is a violation.
rule() {
  local files=() why pattern
  while [ "$1" != "--" ]; do files+=("$1"); shift; done
  pattern="$2"; why="$3"
  local hits
  hits=$(grep -HnE "$pattern" "${files[@]}" 2>/dev/null) || return 0
  while IFS= read -r h; do echo "VIOLATION ($why): $h"; bad=$((bad + 1)); done <<<"$hits"
}
shopt -s nullglob
core=(tcp/*.h tcp/*.cc)
wire=(stack/wire/*.h stack/wire/*.cc)
base=(base/*.h base/*.cc)
http=(http/*.h http/*.cc)
stack=(stack/*.h stack/*.cc stack/link/*.h stack/link/*.cc)
[ "${#core[@]}" -gt 0 ] && [ "${#wire[@]}" -gt 0 ] || { echo "no sources under $REPO/tcp or $REPO/stack/wire"; exit 2; }

os='#include <(sys/|unistd\.h|netinet/|arpa/|linux/|net/|fcntl\.h|poll\.h|signal\.h|pthread\.h|boost/|random>|thread>|mutex>|iostream>|fstream>|ctime>|time\.h>)'
clock='steady_clock|system_clock|high_resolution_clock|random_device|[^_a-z]getenv *\(|[^_a-z]rand *\('
rule "${core[@]}" -- "$os" "the TCP core includes no OS, Asio or randomness header"
rule "${core[@]}" -- "$clock" "the TCP core reads no clock, no environment, no random device"
rule "${core[@]}" -- '#include "(stack/[^w]|stack/wire[^/]|tcp/asio/|http/|tools/)' "tcp/ depends only on base/ and stack/wire/"
rule "${wire[@]}" -- "$os" "wire views include no OS or Asio header"
rule "${wire[@]}" -- "$clock" "wire views read no clock"
rule "${wire[@]}" -- '#include "(tcp/|stack/[^w]|http/|tools/)' "stack/wire/ depends only on base/"
rule "${base[@]}" -- '#include "(stack/|tcp/|http/|tools/)' "base/ depends on nothing"
rule "${http[@]}" -- '#include "(stack/|tcp/|tools/)' "http/ is templated on the stream: it includes no stack or TCP header"
rule "${stack[@]}" -- '#include [<"](boost/|tcp/asio/|stack/asio/|http/|tools/)' "stack/ below the Asio shell: no Asio, no HTTP"

if [ "$bad" -gt 0 ]; then echo "$bad violation(s) of the dependency rule"; exit 1; fi
echo "dependency rule holds: ${#core[@]} tcp/, ${#wire[@]} stack/wire/, ${#http[@]} http/, ${#stack[@]} stack/ files checked"
