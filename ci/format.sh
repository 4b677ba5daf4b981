#!/usr/bin/env bash
# Formats the C++ sources with clang-format-14 and the checked-in .clang-format.
# Usage: ci/format.sh            format every tracked *.cc / *.h in place
#        ci/format.sh --check    list the files that need formatting; exit 1 if any
#        ci/format.sh [--check] FILE...   only these files
set -euo pipefail
cd "$(dirname "$0")/.."
CLANG_FORMAT=${CLANG_FORMAT:-clang-format-14}
check=0
if [ "${1:-}" = "--check" ]; then check=1; shift; fi
if (($#)); then
  files=("$@")
else
  # Tracked and new (untracked, not ignored) sources; build trees are never listed.
  mapfile -t files < <(git ls-files --cached --others --exclude-standard -- '*.cc' '*.h' | sort -u)
fi
if ((!check)); then
  printf '%s\0' "${files[@]}" | xargs -0 -r -P"$(nproc)" -n 16 "$CLANG_FORMAT" -i --style=file
  exit 0
fi
bad=()
for f in "${files[@]}"; do
  [ -f "$f" ] || continue
  if ! "$CLANG_FORMAT" --style=file --dry-run --Werror "$f" >/dev/null 2>&1; then bad+=("$f"); fi
done
if ((${#bad[@]})); then
  echo "ci/format.sh: ${#bad[@]} file(s) need formatting (run ci/format.sh to fix):" >&2
  printf '  %s\n' "${bad[@]}" >&2
  exit 1
fi
echo "ci/format.sh: ${#files[@]} files formatted"
