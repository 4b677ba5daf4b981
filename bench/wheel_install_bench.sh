#!/usr/bin/env bash
# Installs the same wheel set with `dlimage wheel install` and with
# `python3 -m pip install --no-deps --no-compile --target`, on the same disk in
# the same run, and prints both times and their ratio.
#   bench/wheel_install_bench.sh [DLIMAGE] [SOURCE_DIR] [RUNS]
# Wheel set: Debian's pip/setuptools/wheel wheels from /usr/share/python-wheels
# plus a generated ~50 MB, 5,000-file pure wheel (tests/fixtures/wheels/make_wheels.py --big).
set -euo pipefail
DLIMAGE=${1:-build/dlimage}
SRC=${2:-$(cd "$(dirname "$0")/.." && pwd)}
RUNS=${3:-3}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/dl-wheel-bench-XXXXXX")
trap 'rm -rf "$WORK"' EXIT

python3 -W ignore "$SRC/tests/fixtures/wheels/make_wheels.py" --big "$WORK/wheels" 5000 50
cp /usr/share/python-wheels/*.whl "$WORK/wheels/"
WHEELS=("$WORK"/wheels/*.whl)
echo "wheel set: ${#WHEELS[@]} wheels, $(du -sh "$WORK/wheels" | cut -f1) compressed"

now() { date +%s.%N; }
best_dl=999999 best_pip=999999
for i in $(seq "$RUNS"); do
  rm -rf "$WORK/dl" "$WORK/pip"
  t0=$(now)
  "$DLIMAGE" wheel install --python 3.11 --root "$WORK/dl" "${WHEELS[@]}" >/dev/null
  t1=$(now)
  python3 -m pip install -q --disable-pip-version-check --no-deps --no-compile --no-index \
    --target "$WORK/pip" "${WHEELS[@]}" >/dev/null 2>&1
  t2=$(now)
  dl=$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}') pip=$(awk -v a="$t1" -v b="$t2" 'BEGIN{print b-a}')
  printf 'run %d: dlimage %.3f s, pip %.3f s\n' "$i" "$dl" "$pip"
  best_dl=$(awk -v x="$dl" -v y="$best_dl" 'BEGIN{print (x < y) ? x : y}')
  best_pip=$(awk -v x="$pip" -v y="$best_pip" 'BEGIN{print (x < y) ? x : y}')
done

dl_files=$(find "$WORK/dl" -type f | wc -l)
pip_files=$(find "$WORK/pip" -type f | wc -l)
echo "files written: dlimage $dl_files, pip $pip_files"
[ "$(find "$WORK/dl" -name '*.pyc' | wc -l)" -eq 0 ] || { echo "dlimage wrote .pyc files" >&2; exit 1; }
printf 'best of %d: dlimage %.3f s, pip %.3f s, pip/dlimage = %.2fx\n' "$RUNS" "$best_dl" "$best_pip" \
  "$(awk -v p="$best_pip" -v d="$best_dl" 'BEGIN{print p/d}')"
