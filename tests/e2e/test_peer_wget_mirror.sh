#!/usr/bin/env bash
# `wget -r -np` mirrors a small directory tree from `ustack serve`, following the generated directory
# index pages; every file must arrive byte for byte, and nothing outside the tree is fetched.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
e2e_require peer_wget_mirror wget cmp
e2e_setup peer-wget

www="$E2E_WORK/www"
mkdir -p "$www/tree/a/deep" "$www/tree/b" "$www/tree/empty" "$www/outside"
make_file "$www/tree/top.bin" 20000
make_file "$www/tree/a/one.bin" 1
make_file "$www/tree/a/deep/two.bin" 300000
echo 'b file' >"$www/tree/b/b.txt"
echo 'space name' >"$www/tree/b/with space.txt"
echo 'not me' >"$www/outside/x.txt"
start_serve "$E2E_WORK/serve.log" --root "$www" --access-log "$E2E_WORK/access.log" || { bad "ustack serve starts"; e2e_finish; }
ok "ustack serve starts and answers ping"

dl="$E2E_WORK/dl"
ns_exec wget -q -r -np -nH -e robots=off --timeout=20 --tries=1 -P "$dl" http://10.0.0.2/tree/ 2>"$E2E_WORK/wget.err"
rc=$?
check "wget -r -np exits 0 (got $rc)" [ "$rc" -eq 0 ]
sed 's/^/  wget | /' "$E2E_WORK/wget.err"
for f in top.bin a/one.bin a/deep/two.bin b/b.txt "b/with space.txt"; do
  check "tree/$f equal" cmp -s "$www/tree/$f" "$dl/tree/$f"
done
# Every directory came as an index page (saved as index.html), and nothing else was fetched.
for d in "" a/ a/deep/ b/ empty/; do
  check "index page of tree/$d saved" [ -s "$dl/tree/${d}index.html" ]
done
extra=$(cd "$dl" && find . -type f ! -name index.html | sort | grep -vxF -e ./tree/top.bin -e ./tree/a/one.bin \
  -e ./tree/a/deep/two.bin -e ./tree/b/b.txt -e './tree/b/with space.txt')
check "no file outside the tree fetched (extra: ${extra:-none})" [ -z "$extra" ]
check "-np kept wget out of /outside" bash -c "! grep -q 'outside' '$E2E_WORK/access.log'"
n=$(grep -c '" 200 ' "$E2E_WORK/access.log")
check "access log: 10 answers 200 (got $n)" [ "$n" -eq 10 ]
check "no error status in the access log" bash -c "! grep -qE '\" [45][0-9]{2} ' '$E2E_WORK/access.log'"
ns_stop "$SERVE_PID"; rc=$?
check "ustack serve stops cleanly (exit $rc)" [ "$rc" -eq 0 ]
e2e_finish
