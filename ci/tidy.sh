#!/usr/bin/env bash
# clang-tidy-14 with the checked-in .clang-tidy (bug-finding checks, a few
# performance checks, no style) over the compile database of a configured
# build tree. Any finding fails (WarningsAsErrors).
# Usage: ci/tidy.sh              every non-test source (library, CLI, tools)
#        ci/tidy.sh FILE...      only these (e.g. the files a change touches)
# DL_TIDY_BUILD picks the build tree (default build/).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${DL_TIDY_BUILD:-build}
if [ ! -f "$build/compile_commands.json" ]; then
  echo "ci/tidy.sh: no $build/compile_commands.json: configure the build first" >&2
  exit 1
fi
if (($#)); then
  files=("$@")
else
  # Tests are left out: gtest's macros trip bugprone checks by design, and
  # halving the file count keeps the step to minutes on 2 cores.
  mapfile -t files < <(git ls-files '*.cc' | grep -v '_test\.cc$')
fi
# run-clang-tidy takes regexes matched against the database's absolute paths.
patterns=()
for f in "${files[@]}"; do patterns+=("^$(realpath "$f" | sed 's/[.+]/\\&/g')\$"); done
start=$(date +%s)
run-clang-tidy-14 -p "$build" -j "$(nproc)" -quiet "${patterns[@]}" 2>&1 |
  grep -v '^[0-9]* warnings\? generated\.$\|^Suppressed [0-9]* warnings\|^Use -header-filter\|^$\|^clang-tidy-14 \|^Running clang-tidy\|^Enabled checks:' || true
status=${PIPESTATUS[0]}
echo "ci/tidy.sh: ${#files[@]} files in $(( $(date +%s) - start ))s"
exit "$status"
