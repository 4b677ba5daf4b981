#!/usr/bin/env bash
# CLI conventions a script relies on: documented exit codes (0 ok, 1 failure,
# 2 usage, also for malformed flag values and environment variables), "did
# you mean" for unknown commands and flags, and a --version that names the
# commit.
# No pipefail: `grep -q` stops reading at the first match, and the writer's
# SIGPIPE would then fail a check that passed.
set -u
DL=${1:?usage: conventions_test.sh DLIMAGE}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
fail() { echo "FAIL: $*" >&2; exit 1; }
run() { out=$("$DL" "$@" 2>&1); rc=$?; }

run --version
[ "$rc" = 0 ] || fail "--version exit $rc"
echo "$out" | grep -Eq '^dlimage [0-9]+\.[0-9]+\.[0-9]+ \(commit ([0-9a-f]{40}(-dirty)?|unknown)\)$' \
  || fail "--version: $out"
if git rev-parse HEAD >/dev/null 2>&1; then
  echo "$out" | grep -q "$(git rev-parse HEAD)" || fail "--version does not name HEAD: $out"
fi

run biuld
[ "$rc" = 2 ] || fail "unknown command exit $rc"
echo "$out" | grep -q "unknown command 'biuld'" || fail "unknown command: $out"
echo "$out" | grep -q "did you mean 'build'" || fail "no suggestion: $out"

run matrix --formt tags
[ "$rc" = 2 ] || fail "unknown flag exit $rc"
echo "$out" | grep -q "'--formt': did you mean '--format'" || fail "flag suggestion: $out"

run
[ "$rc" = 2 ] || fail "no command exit $rc"
echo "$out" | grep -q "commands: .*build" || fail "no command list: $out"

run matrix --format tags
[ "$rc" = 0 ] || fail "matrix exit $rc"

run matrix -m /nonexistent/matrix.yaml
[ "$rc" = 1 ] || fail "failure exit $rc (expected 1): $out"
echo "$out" | grep -q "internal error" && fail "internal error leaked: $out"

# A malformed environment variable standing for a flag is a usage error,
# as the same value given as the flag is; nothing is built or written.
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for bad in abc 12x -1 99999999999999999999; do
  for cmd in build verify; do
    out=$(SOURCE_DATE_EPOCH=$bad "$DL" $cmd -o "oci:$tmp/out" 2>&1); rc=$?
    [ "$rc" = 2 ] || fail "SOURCE_DATE_EPOCH=$bad $cmd exit $rc: $out"
    [ "$out" = "dlimage: error: SOURCE_DATE_EPOCH='$bad': expected a non-negative integer (seconds since 1970-01-01)" ] \
      || fail "SOURCE_DATE_EPOCH=$bad $cmd: $out"
  done
  out=$(SOURCE_DATE_EPOCH=$bad "$DL" deb install --root "$tmp/root" --offline --cache "$tmp/c" x 2>&1); rc=$?
  [ "$rc" = 2 ] && echo "$out" | grep -q "SOURCE_DATE_EPOCH='$bad'" || fail "SOURCE_DATE_EPOCH=$bad deb install exit $rc: $out"
done
[ ! -e "$tmp/out" ] && [ ! -e "$tmp/root" ] || fail "a bad SOURCE_DATE_EPOCH left files behind"

# Malformed flag values: usage errors (2) at parse time, with what was expected.
for args in "build -o oci:$tmp/out --source-date-epoch -1" "build -o oci:$tmp/out --source-date-epoch 12x" \
            "build -o oci:$tmp/out --shard x" "build -o oci:$tmp/out --shard 3/2" "matrix --shard 0/1" \
            "build -o oci:$tmp/out --max-cells 0" "matrix --max-cells -5" "matrix --filter frmework=tool" \
            "resolve --filter isa" "plan --filter =x" "resolve --compute-capability abc" \
            "resolve --nvidia-driver 410.x" "resolve --rocm x.y"; do
  run $args
  [ "$rc" = 2 ] || fail "$args: exit $rc (expected 2): $out"
  echo "$out" | grep -q "^dlimage: usage: " || fail "$args: $out"
done
run matrix --filter frmework=tool
echo "$out" | grep -q "did you mean 'framework'" || fail "filter key suggestion: $out"
# A well-formed value the matrix does not have is a failure of this input (1), with the nearest value.
run matrix --filter framework=tensorflw
[ "$rc" = 1 ] && echo "$out" | grep -q "did you mean 'tensorflow'" || fail "filter value typo: exit $rc: $out"

run --help
[ "$rc" = 0 ] || fail "--help exit $rc"
echo "CLI conventions OK"
