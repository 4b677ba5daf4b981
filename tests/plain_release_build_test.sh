#!/usr/bin/env bash
# What a packager or a new user runs must build: `cmake -S . -B b
# -DCMAKE_BUILD_TYPE=Release && cmake --build b`, on Debian 12 with GCC 12.
# Warnings are errors only for developers (DLIMAGE_DEV=ON, as ci/test.sh
# builds): GCC 12 has false positives at -O3 (-Wrestrict in base/fs.cc
# stopped the plain build), and a user's build must not fail on them.
# Cheap: configure only, then compile the file that broke once, at -O3,
# with -Werror added, so a new -O3 false positive there is seen here.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/dlimage-plain.XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() { echo "PLAIN-BUILD FAIL: $*" >&2; exit 1; }
commands() { python3 -c 'import json,sys; [print(c["command"]) for c in json.load(open(sys.argv[1]))]' "$1"; }

cmake -S "$ROOT" -B "$work/plain" -DCMAKE_BUILD_TYPE=Release > "$work/plain.log" 2>&1 \
  || { cat "$work/plain.log"; fail "plain Release configure"; }
[ -s "$work/plain/compile_commands.json" ] || fail "no compile_commands.json"
commands "$work/plain/compile_commands.json" > "$work/plain.cmds"
grep -q -- "-O3" "$work/plain.cmds" || fail "a Release build without -O3"
grep -q -- "-Werror" "$work/plain.cmds" && fail "-Werror in a plain Release build: $(grep -m1 -- -Werror "$work/plain.cmds")"

# The check can fail: the developer build does turn warnings into errors,
# and ci/test.sh builds that way.
cmake -S "$ROOT" -B "$work/dev" -DCMAKE_BUILD_TYPE=Release -DDLIMAGE_DEV=ON > "$work/dev.log" 2>&1 \
  || { cat "$work/dev.log"; fail "DLIMAGE_DEV configure"; }
commands "$work/dev/compile_commands.json" | grep -q -- "-Werror" || fail "DLIMAGE_DEV=ON has no -Werror"
grep -q -- "-DDLIMAGE_DEV=ON" "$ROOT/ci/test.sh" || fail "ci/test.sh no longer builds with -Werror (DLIMAGE_DEV=ON)"

# base/fs.cc at -O3, warnings as errors: the false positive that stopped the build.
cmd=$(python3 -c 'import json,sys
for c in json.load(open(sys.argv[1])):
    if c["file"].endswith("/base/fs.cc"): print(c["directory"] + "\t" + c["command"]); break' \
  "$work/plain/compile_commands.json")
[ -n "$cmd" ] || fail "no compile command for base/fs.cc"
dir=${cmd%%$'\t'*}; cc=${cmd#*$'\t'}
mkdir -p "$dir/CMakeFiles/dl_base.dir"
(cd "$dir" && eval "$cc -Werror -o $work/fs.o") > "$work/fs.log" 2>&1 || { cat "$work/fs.log"; fail "base/fs.cc at -O3 warns"; }
echo "PLAIN-BUILD OK"
