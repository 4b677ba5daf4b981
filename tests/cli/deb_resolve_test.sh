#!/usr/bin/env bash
# dlimage deb resolve: bad input is one line naming file:line and what was
# expected, with exit 1; usage errors exit 2. (Resolution itself is tested in
# tests/apt/ against signed repositories and the real archive.)
set -uo pipefail
DL=${1:?usage: deb_resolve_test.sh DLIMAGE}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
run() { out=$("$DL" "$@" 2>&1); rc=$?; }

printf 'Types: deb\nURI: http://h/debian\nSuites: s\nComponents: main\n' > "$T/typo.sources"
run deb resolve --cache "$T/c" --sources "$T/typo.sources" python3
[ "$rc" = 1 ] || fail "typo exit $rc: $out"
echo "$out" | grep -q "typo.sources:2: unknown field 'URI'; did you mean 'URIs'?" || fail "typo: $out"
[ "$(echo "$out" | wc -l)" = 1 ] || fail "more than one line: $out"

printf 'deb [trusted=yes] http://h/debian s main\n' > "$T/weak.list"
run deb resolve --cache "$T/c" --sources "$T/weak.list" python3
[ "$rc" = 1 ] || fail "trusted=yes exit $rc: $out"
echo "$out" | grep -q "weak.list:1: option 'trusted' would weaken signature checks" || fail "trusted: $out"

printf 'Package: a\nStatus: install ok installed\nbroken\n' > "$T/status"
printf 'deb http://h/debian s main\n' > "$T/ok.list"
run deb resolve --cache "$T/c" --sources "$T/ok.list" --status "$T/status" python3
[ "$rc" = 1 ] || fail "status exit $rc: $out"
echo "$out" | grep -q "status:3: expected 'Field: value'" || fail "status: $out"

run deb resolve --cache "$T/c" --sources "$T/ok.list" Python3
[ "$rc" = 1 ] || fail "name exit $rc: $out"
echo "$out" | grep -q "(as in 'python3')" || fail "name: $out"

run deb resolve --cache "$T/c" --offline --sources "$T/ok.list" python3
[ "$rc" = 1 ] || fail "offline exit $rc: $out"
echo "$out" | grep -q "http://h/debian/dists/s/InRelease: not in the cache (offline)" || fail "offline: $out"
[ -z "$(find "$T/c" -type f 2>/dev/null)" ] || fail "offline wrote files: $(find "$T/c" -type f)"

run deb resolve --sources "$T/ok.list"
[ "$rc" = 2 ] || fail "no package exit $rc: $out"
echo "deb resolve CLI OK"
