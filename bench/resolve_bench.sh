#!/usr/bin/env bash
# Resolving the shipped matrix (54 images, 108 cell environments) from a
# local PEP 503/691 index of the era stand-ins: `dlimage lock` vs pip's
# resolver (`pip download --only-binary=:all:` per environment, the target's
# markers patched in, as in tests/resolve/pip_differential.sh), both warm:
# pip with its HTTP cache filled by a first pass, dlimage with its metadata
# cache filled by a first `dlimage lock`. Prints both times and the ratio,
# checks the answers are identical and that no wheel's metadata was fetched
# twice in one dlimage run.
set -euo pipefail
DLIMAGE=${1:?usage: resolve_bench.sh DLIMAGE}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
FIX=$ROOT/tests/fixtures/pypa
PIPWHEEL=/usr/share/python-wheels/pip-23.0.1-py3-none-any.whl
work=$(mktemp -d /tmp/dl-resolve-bench-XXXXXX)
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN {printf "%.2f", b - a}'; }

python3 "$ROOT/tests/fixtures/wheels/make_stand_ins.py" "$work/wheels" --payload-kb 0 >/dev/null
python3 "$FIX/make_index.py" "$work/wheels" "$work/idx"
python3 "$FIX/index_server.py" "$work/idx" --log "$work/server.log" > "$work/server.out" 2>&1 &
server=$!
for _ in $(seq 50); do grep -q port= "$work/server.out" 2>/dev/null && break; sleep 0.1; done
base=http://127.0.0.1:$(sed -n 's/^port=//p' "$work/server.out")
indexes=(--index "$base/simple/")
for d in "$work/idx"/*/; do
  label=$(basename "$d")
  [ "$label" = simple ] || [ ! -d "$d/simple" ] || indexes+=(--index "$label=$base/$label/simple/")
done

lock() { "$DLIMAGE" lock -m "$ROOT/matrix.yaml" --no-catalog --cache "$work/dlcache" "${indexes[@]}" --lock "$1" "${@:2}"; }
t=$(now); lock "$work/cold.lock" > "$work/cold.out"; dl_cold=$(elapsed "$t")
t=$(now); lock "$work/warm.lock" > "$work/warm.out"; dl_warm=$(elapsed "$t")
cmp "$work/cold.lock" "$work/warm.lock" || { echo "cold and warm locks differ"; exit 1; }
grep "^fetched:" "$work/cold.out"
grep -q "at most 1 metadata fetch(es) per wheel" "$work/cold.out" || { echo "a wheel's metadata was fetched twice"; exit 1; }
envs=$(grep -c '"python":' "$work/warm.lock")
cells=$(python3 -c "import json,sys; print(len({e['cell'] for e in json.load(open(sys.argv[1]))['environments'].values()}))" "$work/warm.lock")

# The same environments for pip: python, abi, glibc, the variant indexes used, requirements.
python3 - "$work/warm.lock" "$base" > "$work/jobs.txt" <<'PY'
import json, sys
lock, base = json.load(open(sys.argv[1])), sys.argv[2]
for key, e in sorted(lock["environments"].items()):
    labels = sorted({v.split("=", 1)[1] for v in e["variant"].split(",") if v})
    urls = ",".join([base + "/simple/"] + ["%s/%s/simple/" % (base, l) for l in labels])
    print("\t".join([e["python"], e["abi"], e["glibc"], urls] + e["requirements"]))
PY
python3 - "$work/warm.lock" > "$work/dl.txt" <<'PY'
import json, sys
for key, e in sorted(json.load(open(sys.argv[1]))["environments"].items()):
    print("|".join(sorted("%s==%s %s" % (w["name"], w["version"], w["filename"]) for w in e["wheels"])))
PY
pip_pass() {  # two pip processes (2 cores), each a batch of environments
  split -n l/2 -d "$work/jobs.txt" "$work/batch."
  for b in "$work"/batch.0?; do
    PIP_CACHE_DIR=$work/pipcache PYTHONPATH=$PIPWHEEL python3 "$FIX/pip_resolve.py" --cache < "$b" > "$b.pip" &
  done
  wait $(jobs -p | grep -v "^$server$")
  cat "$work"/batch.0?.pip | while IFS= read -r l; do echo "$l" | tr '|' '\n' | LC_ALL=C sort | paste -sd'|'; done
}
pip_pass > /dev/null  # fills pip's HTTP cache
t=$(now); pip_pass > "$work/pip.txt"; pip_warm=$(elapsed "$t")
LC_ALL=C sort -o /dev/null /dev/null
while IFS= read -r l; do echo "$l" | tr '|' '\n' | LC_ALL=C sort | paste -sd'|'; done < "$work/dl.txt" > "$work/dl.sorted"
if ! cmp -s "$work/pip.txt" "$work/dl.sorted"; then
  diff <(tr '|' '\n' < "$work/pip.txt") <(tr '|' '\n' < "$work/dl.sorted") | head -20
  echo "answers differ"; exit 1
fi
ratio=$(awk -v p="$pip_warm" -v d="$dl_warm" 'BEGIN {printf "%.1f", p / d}')
echo "resolve bench: $cells images, $envs environments, identical answers"
echo "  dlimage lock: cold ${dl_cold}s, warm ${dl_warm}s"
echo "  pip download (2 processes, warm HTTP cache): ${pip_warm}s"
echo "  ratio (pip warm / dlimage warm): ${ratio}x"
awk -v r="$ratio" 'BEGIN {exit !(r >= 10)}' || { echo "expected >= 10x"; exit 1; }
