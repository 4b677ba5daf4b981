#!/usr/bin/env bash
# Differential test: dlimage's resolver against pip's, as an oracle, on 200
# generated dependency graphs plus the era graph (TensorFlow 1.12, Keras
# 2.2.4, PyTorch 1.1, torchvision 0.3, notebook), each for cp27mu (glibc
# 2.17) and cp36m (glibc 2.23), over one local PEP 503/691 index server.
# pip runs as `pip download --only-binary=:all: --python-version ... --abi ...
# --platform ...` with the target's marker environment patched in
# (tests/fixtures/pypa/pip_resolve.py). Every answer must be identical:
# the same set of name==version filename, or both resolvers failing.
set -euo pipefail
DLIMAGE=${1:?usage: pip_differential.sh DLIMAGE [GRAPHS]}
GRAPHS=${2:-200}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
FIX=$ROOT/tests/fixtures/pypa
PIPWHEEL=/usr/share/python-wheels/pip-23.0.1-py3-none-any.whl
work=$(mktemp -d /tmp/dl-pipdiff-XXXXXX)
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

python3 "$FIX/gen_graphs.py" "$work/graphs" "$GRAPHS"
python3 "$ROOT/tests/fixtures/wheels/make_stand_ins.py" "$work/era" --payload-kb 0 >/dev/null
python3 "$FIX/make_index.py" "$work/era" "$work/graphs/era"
python3 "$FIX/index_server.py" "$work/graphs" > "$work/server.out" 2>&1 &
server=$!
for _ in $(seq 50); do grep -q port= "$work/server.out" 2>/dev/null && break; sleep 0.1; done
port=$(sed -n 's/^port=//p' "$work/server.out")
base=http://127.0.0.1:$port

envs=("2.7 cp27mu 2.17" "3.6 cp36m 2.23")
: > "$work/jobs.txt"
while IFS=$'\t' read -r i reqs; do
  for e in "${envs[@]}"; do
    read -r py abi glibc <<<"$e"
    printf '%s\t%s\t%s\t%s\t%s\n' "$py" "$abi" "$glibc" "$base/g$i/simple/" "$reqs" >> "$work/jobs.txt"
  done
done < "$work/graphs/roots.txt"
era_reqs=$'tensorflow==1.12.*\tkeras==2.2.4\ttorch==1.1.0\ttorchvision\tnotebook'
for e in "${envs[@]}"; do
  read -r py abi glibc <<<"$e"
  printf '%s\t%s\t%s\t%s\t%s\n' "$py" "$abi" "$glibc" "$base/era/simple/,$base/era/cpu/simple/" "$era_reqs" >> "$work/jobs.txt"
done
njobs=$(wc -l < "$work/jobs.txt")

# pip: two batches in parallel (2 cores), one pip process each.
half=$(( (njobs + 1) / 2 ))
split -l "$half" -d "$work/jobs.txt" "$work/batch."
for b in "$work"/batch.0*; do
  PYTHONPATH=$PIPWHEEL python3 "$FIX/pip_resolve.py" < "$b" > "$b.pip" &
done
wait_pids=$(jobs -p | grep -v "^$server$" || true)
start=$(date +%s.%N)
# dlimage, meanwhile: one process per job.
n=0
: > "$work/dl.txt"
while IFS=$'\t' read -r py abi glibc urls rest; do
  args=()
  IFS=',' read -ra us <<<"$urls"
  for u in "${us[@]}"; do args+=(--index "$u"); done
  IFS=$'\t' read -ra reqs <<<"$rest"
  if out=$("$DLIMAGE" wheel resolve --python "$py" --abi "$abi" --glibc "$glibc" --cache "$work/cache" \
             --stats "${args[@]}" "${reqs[@]}" 2>"$work/err"); then
    echo "$out" | LC_ALL=C sort | paste -sd'|' >> "$work/dl.txt"
  else
    echo "ERROR $(head -1 "$work/err")" >> "$work/dl.txt"
  fi
  grep -o '[0-9]* backtracks' "$work/err" >> "$work/backtracks" || true
  n=$((n + 1))
done < "$work/jobs.txt"
dl_time=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}')
for p in $wait_pids; do wait "$p"; done
cat "$work"/batch.0*.pip | while IFS= read -r line; do
  if [[ $line == ERROR* ]]; then echo "$line"; else echo "$line" | tr '|' '\n' | LC_ALL=C sort | paste -sd'|'; fi
done > "$work/pip.txt"

fail=0 ok=0 both_fail=0 oracle_crash=0
paste -d'\n' "$work/jobs.txt" "$work/pip.txt" "$work/dl.txt" > "$work/all.txt"
while IFS= read -r job && IFS= read -r pip && IFS= read -r dl; do
  # resolvelib 0.8.1's _has_route_to_root recurses without a visited set and
  # can overflow on a dependency cycle: then pip has no answer to compare.
  if [[ $pip == "ERROR RecursionError"* ]]; then oracle_crash=$((oracle_crash + 1)); echo "pip crashed on: $job"; continue; fi
  if [[ $pip == ERROR* && $dl == ERROR* ]]; then both_fail=$((both_fail + 1)); continue; fi
  if [[ $pip == "$dl" ]]; then ok=$((ok + 1)); continue; fi
  fail=$((fail + 1))
  if [ $fail -le 10 ]; then
    echo "MISMATCH for: $job"
    echo "  pip:     $pip"
    echo "  dlimage: $dl"
  fi
done < "$work/all.txt"
backtracks=$(awk '{s += $1} END {print s + 0}' "$work/backtracks")
echo "pip differential: $njobs resolutions ($GRAPHS graphs + era, cp27mu and cp36m): $ok identical, $both_fail unsatisfiable for both, $fail different, $oracle_crash where pip crashed; dlimage backtracked $backtracks times; dlimage took ${dl_time}s"
[ "$njobs" -ge $((GRAPHS * 2 + 2)) ] || { echo "expected $((GRAPHS * 2 + 2)) resolutions"; exit 1; }
[ "$ok" -ge $((njobs / 2)) ] || { echo "too few successful resolutions to mean anything"; exit 1; }
[ "$oracle_crash" -le 2 ] || { echo "pip crashed on $oracle_crash resolutions: the oracle is not answering"; exit 1; }
[ $((ok + both_fail)) -ge $((GRAPHS * 2)) ] || { echo "fewer than $((GRAPHS * 2)) compared answers"; exit 1; }
[ "$both_fail" -ge 1 ] || { echo "no unsatisfiable graph was exercised"; exit 1; }
# The era graph must show its Requires-Python cut-offs.
tail -2 "$work/dl.txt" | head -1 | grep -q "numpy==1.16.6" || { echo "era cp27mu: expected numpy 1.16.6"; exit 1; }
tail -1 "$work/dl.txt" | grep -q "numpy==1.19.5" || { echo "era cp36m: expected numpy 1.19.5"; exit 1; }
tail -2 "$work/dl.txt" | head -1 | grep -q "werkzeug==1.0.1" || { echo "era cp27mu: expected werkzeug 1.0.1"; exit 1; }
tail -1 "$work/dl.txt" | grep -q "werkzeug==2.0.3" || { echo "era cp36m: expected werkzeug 2.0.3"; exit 1; }
[ "$fail" -eq 0 ]
