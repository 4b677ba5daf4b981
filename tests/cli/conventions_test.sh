#!/usr/bin/env bash
# CLI conventions a script relies on: documented exit codes (0 ok, 1 failure,
# 2 usage), "did you mean" for unknown commands and flags, and a --version
# that names the commit.
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

for bad in abc 12x -1 ""; do
  out=$(SOURCE_DATE_EPOCH=$bad "$DL" build -o "oci:$(mktemp -d)" 2>&1); rc=$?
  [ -z "$bad" ] && continue  # empty: unset semantics are the shell's, not ours
  [ "$rc" = 1 ] || fail "SOURCE_DATE_EPOCH=$bad exit $rc: $out"
  echo "$out" | grep -qx "dlimage: error: SOURCE_DATE_EPOCH='$bad': expected a non-negative integer (seconds since 1970-01-01)" \
    || fail "SOURCE_DATE_EPOCH=$bad: $out"
done

run --help
[ "$rc" = 0 ] || fail "--help exit $rc"
echo "CLI conventions OK"
