#!/usr/bin/env bash
# Hostile input at the CLI edge, one located line each: a tiny matrix that
# expands to 10^10 cells fails at once (--max-cells), a billion-laughs
# matrix fails at once, `wheel install` refuses pip 23 for a Python 3.6
# root, and `resolve` offers an aarch64 machine no amd64 image.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DL=${1:?usage: trust_cli_test.sh DLIMAGE}
cd "$ROOT"
fail() { echo "FAIL: $*" >&2; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

expect_error() {  # expect_error PATTERN CMD...: exits non-zero, one stderr line matching
  local pattern=$1; shift
  set +e; "$@" > "$tmp/out" 2> "$tmp/err"; local rc=$?; set -e
  [ "$rc" -ne 0 ] || fail "$* exited 0"
  grep -q -- "$pattern" "$tmp/err" || fail "$*: $(cat "$tmp/err")"
  [ "$(wc -l < "$tmp/err")" = 1 ] || fail "$*: error is not one line: $(cat "$tmp/err")"
}

{
  printf 'schema: 1\nbases: {deb: {ref: "debian:bookworm", glibc: "2.36", pythons: {"3.11": {abi: cp311, interpreter: /usr/bin/python3, site_packages: usr/local/lib/python3.11/dist-packages}}}}\n'
  printf 'pythons: {"3.11": {tag: ""}}\naccelerators: {cpu: {kind: cpu, tag: cpu, base: deb}}\nimages:\n  - repo: t/d\n    framework: d\n    axes:\n'
  printf '      version: ["1"]\n      python: ["3.11"]\n      accelerator: [cpu]\n'
  for a in 0 1 2 3 4 5 6 7 8 9; do printf '      x%s: [0,1,2,3,4,5,6,7,8,9]\n' "$a"; done
  printf '    tags: ["{version}"]\n'
} > "$tmp/big.yaml"
[ "$(wc -c < "$tmp/big.yaml")" -lt 1300 ] || fail "the matrix should be tiny"
start=$(date +%s%N)
expect_error "big.yaml:[0-9]*:5: the matrix expands to 10000000000 cells .*expected at most 10000 (raise --max-cells" \
  "$DL" matrix -m "$tmp/big.yaml"
[ $(( ($(date +%s%N) - start) / 1000000 )) -lt 2000 ] || fail "--max-cells was not checked before expanding"
expect_error "expected at most 5 " "$DL" matrix -m "$tmp/big.yaml" --max-cells 5

{
  echo "schema: 1"
  echo "a0: &a0 [x, x, x, x, x, x, x, x, x, x]"
  for i in 1 2 3 4 5 6 7 8 9; do p="*a$((i-1))"; echo "a$i: &a$i [$p, $p, $p, $p, $p, $p, $p, $p, $p, $p]"; done
} > "$tmp/laughs.yaml"
expect_error "laughs.yaml:[0-9]*:[0-9]*: the document expands to more than 1000000 nodes" "$DL" matrix -m "$tmp/laughs.yaml"

pip=/usr/share/python-wheels/pip-23.0.1-py3-none-any.whl
expect_error "pip-23.0.1-py3-none-any.whl: requires Python >=3.7 (METADATA Requires-Python) but the target is Python 3.6 (cp36m" \
  "$DL" wheel install --python 3.6 --root "$tmp/root36" "$pip"
[ ! -e "$tmp/root36/usr/local/lib/python3.6/dist-packages/pip" ] || fail "pip was installed into the 3.6 root"
"$DL" wheel install --python 3.11 --root "$tmp/root311" "$pip" > /dev/null
[ -f "$tmp/root311/usr/local/lib/python3.11/dist-packages/pip/__init__.py" ] || fail "pip missing from the 3.11 root"

set +e
"$DL" resolve --cpuinfo tests/fixtures/cpuinfo/neoverse-n1-graviton2-aarch64 --format tags --explain > "$tmp/tags" 2> "$tmp/why"
rc=$?
set -e
[ "$rc" -ne 0 ] || fail "resolve offered an aarch64 machine something"
[ ! -s "$tmp/tags" ] || fail "tags offered to aarch64: $(head -3 "$tmp/tags")"
grep -q "image is linux/amd64 (x86_64), machine is arm64 (aarch64)" "$tmp/why" || fail "no reason given: $(head -5 "$tmp/why")"
echo "trust_cli_test: ok"
