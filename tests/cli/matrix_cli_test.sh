#!/usr/bin/env bash
# dlimage matrix at the CLI edge: the shipped matrix prints exactly the
# guide's 54 tags; shards partition it; bad input exits non-zero with one
# located line.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DL=${1:?usage: matrix_cli_test.sh DLIMAGE}
cd "$ROOT"
fail() { echo "FAIL: $*" >&2; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

"$DL" matrix --format tags > "$tmp/tags"
[ "$(wc -l < "$tmp/tags")" = 54 ] || fail "expected 54 lines"
diff <(sort "$tmp/tags") <(sort tests/fixtures/seed_tags.txt) || fail "tags differ from the seed"

for i in 1 2 3 4; do "$DL" matrix --format tags --shard "$i/4"; done | sort > "$tmp/sharded"
diff "$tmp/sharded" <(sort "$tmp/tags") || fail "shards are not a partition"

"$DL" matrix --format github | python3 -c 'import json,sys; d=json.load(sys.stdin); assert len(d["include"]) == 54'
[ "$("$DL" matrix --format github --shards 3)" = '{"include":[{"shard":"1/3"},{"shard":"2/3"},{"shard":"3/3"}]}' ] \
  || fail "--shards"

sed 's/^    exclude:/    exlude:/' matrix.yaml > "$tmp/bad.yaml"
set +e
"$DL" matrix -m "$tmp/bad.yaml" > /dev/null 2> "$tmp/err"; rc=$?
set -e
[ "$rc" -ne 0 ] || fail "bad matrix exited 0"
grep -qx "dlimage: error: $tmp/bad.yaml:[0-9]*:5: unknown key 'exlude' in image group; did you mean 'exclude'?" "$tmp/err" \
  || fail "message: $(cat "$tmp/err")"
[ "$(wc -l < "$tmp/err")" = 1 ] || fail "error is not one line"

set +e
"$DL" matrix --filter colour=red > /dev/null 2> "$tmp/err"; rc=$?
set -e
[ "$rc" -ne 0 ] && grep -q "unknown key 'colour'" "$tmp/err" || fail "filter key"
# A filter value no image has is a typo, not an empty selection: the same
# message in every matrix-taking command.
for cmd in "matrix" "resolve --cpu haswell" "build -o oci:$tmp/out"; do
  set +e
  "$DL" $cmd --filter framework=tensorflw > /dev/null 2> "$tmp/err"; rc=$?
  set -e
  [ "$rc" = 1 ] || fail "$cmd: filter typo exited $rc"
  grep -q "no image in matrix.yaml has framework 'tensorflw'; did you mean 'tensorflow'?" "$tmp/err" \
    || fail "$cmd: $(cat "$tmp/err")"
done
echo "matrix CLI OK"
