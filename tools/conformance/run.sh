#!/usr/bin/env bash
# Runs every built gtest binary of a build dir with XML output, then regenerates
# docs/conformance.md from the results. Usage: tools/conformance/run.sh BUILD_DIR [--check]
set -euo pipefail
build=${1:?usage: $0 BUILD_DIR [--check]}
shift
repo=$(cd "$(dirname "$0")/../.." && pwd)
out="$build/conformance"
mkdir -p "$out"
xml_args=()
for bin in "$build"/tests/test_*; do
  [[ -x $bin && -f $bin ]] || continue
  name=$(basename "$bin")
  # A failing binary still writes its XML; the report shows the failures.
  "$bin" --gtest_output="xml:$out/$name.xml" >"$out/$name.log" 2>&1 || echo "$name: failures (see $out/$name.log)" >&2
  xml_args+=(--xml "$out/$name.xml")
done
script_args=()
[[ -f $out/scripts.json ]] && script_args+=(--scripts "$out/scripts.json")
# The Differences-from-Linux section: ctest script.corpus.linux (root) leaves this file.
[[ -f $build/script-linux-results.json ]] && script_args+=(--linux "$build/script-linux-results.json")
exec python3 "$repo/tools/conformance/gen_conformance.py" "${xml_args[@]}" "${script_args[@]}" "$@"
