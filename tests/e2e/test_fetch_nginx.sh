#!/usr/bin/env bash
# `ustack fetch` downloads files of 0 B, 1 B, 1 MiB and 64 MiB from a
# kernel-side nginx-light (10.0.0.1:8080); SHA-256 must match and the exit
# status must be 0. A missing file must give exit 8 (HTTP status >= 400).
set -uo pipefail
source "$(dirname "$0")/lib.sh"
e2e_require fetch_nginx nginx ss sha256sum
e2e_setup fetch-nginx

mkdir -p "$E2E_WORK/www"
for size in 0 1 1048576 67108864; do make_file "$E2E_WORK/www/f$size" "$size"; done
start_nginx "$E2E_WORK/www" || { bad "nginx starts"; e2e_finish; }
ok "nginx-light listens on 10.0.0.1:8080"

for size in 0 1 1048576 67108864; do
  rc=$(fetch "http://10.0.0.1:8080/f$size" "$E2E_WORK/got$size" --timeout 60)
  if [ "$rc" = 0 ] && [ "$(sha "$E2E_WORK/www/f$size")" = "$(sha "$E2E_WORK/got$size")" ]; then
    ok "fetch /f$size: exit 0, $size bytes, SHA-256 equal"
  else
    bad "fetch /f$size: exit $rc, got $(stat -c %s "$E2E_WORK/got$size" 2>/dev/null || echo no) bytes"
    sed 's/^/  | /' "$E2E_WORK/got$size.log" | tail -20
  fi
done
grep -q 'SYN-SENT -> ESTABLISHED' "$E2E_WORK/got1.log" && ok "-v traced SYN-SENT -> ESTABLISHED" \
  || bad "-v trace lacks SYN-SENT -> ESTABLISHED"

rc=$(fetch "http://10.0.0.1:8080/no-such-file" "$E2E_WORK/missing" --timeout 20)
check "fetch of a missing file exits 8 (got $rc)" [ "$rc" = 8 ]
check "... with one line naming HTTP 404" grep -q '^ustack: HTTP 404' "$E2E_WORK/missing.log"
e2e_finish
