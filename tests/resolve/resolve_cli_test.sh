#!/usr/bin/env bash
# dlimage wheel resolve / tags against a local index server: how metadata is
# obtained (PEP 658 sidecars, PEP 691 JSON, range reads, full download),
# yanked files, variants and local versions, and bad input — each failure
# one clear error naming the package and the URL.
set -euo pipefail
DLIMAGE=${1:?usage: resolve_cli_test.sh DLIMAGE}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
FIX=$ROOT/tests/fixtures/pypa
work=$(mktemp -d /tmp/dl-resolve-cli-XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
serve() {  # serve DIR NAME [server args]: sets port_NAME
  local dir=$1 name=$2; shift 2
  python3 "$FIX/index_server.py" "$dir" --log "$work/$name.log" "$@" > "$work/$name.out" 2>&1 &
  pids+=($!)
  for _ in $(seq 50); do grep -q port= "$work/$name.out" 2>/dev/null && break; sleep 0.1; done
  eval "port_$name=$(sed -n 's/^port=//p' "$work/$name.out")"
}
wheel() { python3 -c "import sys; sys.path.insert(0, '$ROOT/tests/fixtures/wheels'); sys.dont_write_bytecode = True
from make_stand_ins import make_wheel; make_wheel(*sys.argv[1:5], requires=[r for r in sys.argv[5].split(';;') if r], requires_python=sys.argv[6] if len(sys.argv) > 6 else '')" "$@"; }

# tags: pip's order, as recorded from pip's own packaging.
"$DLIMAGE" wheel tags --python 2.7 --abi cp27mu --glibc 2.17 | diff - "$FIX/tags-cp27mu-glibc2.17.txt" || fail "tags cp27mu"
"$DLIMAGE" wheel tags --python 3.6 --abi cp36m --glibc 2.27 | diff - "$FIX/tags-cp36m-glibc2.27.txt" || fail "tags cp36m"

# The era graph, three ways.
python3 "$ROOT/tests/fixtures/wheels/make_stand_ins.py" "$work/era" --payload-kb 0 >/dev/null
python3 "$FIX/make_index.py" "$work/era" "$work/idx"
python3 "$FIX/make_index.py" "$work/era" "$work/idx-plain" --no-sidecars
serve "$work/idx" side
serve "$work/idx-plain" plain
serve "$work/idx-plain" norange --no-range
reqs=("tensorflow==1.12.*" "keras==2.2.4" "torch==1.1.0" "torchvision")
for py in 2.7 3.6; do
  for s in side plain norange; do
    port_var=port_$s
    "$DLIMAGE" wheel resolve --python "$py" --glibc 2.23 --cache "$work/cache-$s-$py" --stats \
      --index "http://127.0.0.1:${!port_var}/simple/" --index "http://127.0.0.1:${!port_var}/cpu/simple/" "${reqs[@]}" \
      > "$work/$s-$py.txt" 2> "$work/$s-$py.err" || { cat "$work/$s-$py.err"; fail "era $s $py"; }
  done
  cmp "$work/side-$py.txt" "$work/plain-$py.txt" || fail "sidecar vs range answers differ"
  cmp "$work/side-$py.txt" "$work/norange-$py.txt" || fail "sidecar vs download answers differ"
  "$DLIMAGE" wheel resolve --python "$py" --glibc 2.23 --cache "$work/cache-local" --wheels "$work/era" --wheels "$work/era/cpu" \
    "${reqs[@]}" | cmp - "$work/side-$py.txt" || fail "wheelhouse answers differ"
done
grep -q "mock==3.0.5" "$work/side-2.7.txt" || fail "py2 backport mock missing"
grep -q "futures==3.3.0" "$work/side-2.7.txt" || fail "py2 backport futures missing"
grep -q "funcsigs==1.0.2" "$work/side-2.7.txt" || fail "py2 backport funcsigs missing"
grep -q "enum34==" "$work/side-2.7.txt" || fail "py2 backport enum34 missing"
! grep -q "mock==\|futures==\|enum34==" "$work/side-3.6.txt" || fail "py2 backports on 3.6"
grep -q "numpy==1.19.5" "$work/side-3.6.txt" || fail "numpy 1.19 on 3.6"
grep -q " 0 range reads, 0 full downloads" "$work/side-2.7.err" || fail "sidecars not used: $(cat "$work/side-2.7.err")"
grep -q "0 metadata sidecars, [1-9][0-9]* range reads, 0 full downloads" "$work/plain-2.7.err" || fail "range reads not used: $(cat "$work/plain-2.7.err")"
grep -q "[1-9][0-9]* full downloads" "$work/norange-2.7.err" || fail "no fallback to download: $(cat "$work/norange-2.7.err")"
grep -q "at most 1 metadata fetch" "$work/plain-2.7.err" || fail "metadata fetched twice"
grep -q "Range" "$work/plain.log" || true
grep -q "bytes=-" "$work/plain.log" || fail "no suffix range request was made"
! grep -q "GET /simple/numpy/numpy-1.16.6-cp27-cp27mu-manylinux1_x86_64.whl -$" "$work/plain.log" || fail "wheel downloaded whole despite range support"
# A warm run reads METADATA from the cache: no sidecar or range requests.
"$DLIMAGE" wheel resolve --python 2.7 --glibc 2.23 --cache "$work/cache-plain-2.7" --stats \
  --index "http://127.0.0.1:$port_plain/simple/" --index "http://127.0.0.1:$port_plain/cpu/simple/" "${reqs[@]}" \
  2> "$work/warm.err" > /dev/null
grep -q "0 metadata sidecars, 0 range reads, 0 full downloads" "$work/warm.err" || fail "warm run fetched metadata: $(cat "$work/warm.err")"
# PEP 691: the client asked for JSON and got it (the server logs Accept-negotiated pages only as paths).
grep -q "cp27mu" "$work/side-2.7.txt" || fail "no cp27mu wheel chosen"

# Yanked (PEP 592): skipped unless pinned.
mkdir -p "$work/y"
wheel "$work/y" six 1.15.0 py2.py3-none-any ""
wheel "$work/y" six 1.16.0 py2.py3-none-any ""
python3 - "$FIX" "$work/y" "$work/yidx" <<'PY'
import sys; sys.path.insert(0, sys.argv[1]); sys.dont_write_bytecode = True
import make_index; make_index.YANKED.add("six-1.16.0-py2.py3-none-any.whl")
make_index.build(sys.argv[2], sys.argv[3] + "/simple", True, True)
PY
serve "$work/yidx" yank
"$DLIMAGE" wheel resolve --cache "$work/cy" --index "http://127.0.0.1:$port_yank/simple/" six | grep -q "six==1.15.0" || fail "yanked 1.16.0 chosen"
"$DLIMAGE" wheel resolve --cache "$work/cy" --index "http://127.0.0.1:$port_yank/simple/" six==1.16.0 | grep -q "six==1.16.0" || fail "pinned yanked refused"

# Local versions and variants are explicit inputs.
mkdir -p "$work/lv/cuda9.1"
wheel "$work/lv" torch 1.1.0 cp36-cp36m-linux_x86_64 ""
wheel "$work/lv/cuda9.1" torch 1.1.0+cu91 cp36-cp36m-linux_x86_64 ""
"$DLIMAGE" wheel resolve --wheels "$work/lv" "torch==1.1.0" | grep -q "torch==1.1.0 " || fail "plain 1.1.0"
"$DLIMAGE" wheel resolve --wheels "$work/lv" --wheels "$work/lv/cuda9.1" "torch==1.1.0+cu91" | grep -q "torch==1.1.0+cu91 " || fail "+cu91"

# Bad input 1: unsatisfiable, with the derivation.
mkdir -p "$work/u"
wheel "$work/u" keras 2.2.4 py2.py3-none-any "h5py<2;;six"
wheel "$work/u" h5py 2.9.0 py2.py3-none-any ""
wheel "$work/u" h5py 2.10.0 py2.py3-none-any ""
wheel "$work/u" six 1.16.0 py2.py3-none-any ""
if "$DLIMAGE" wheel resolve --wheels "$work/u" keras==2.2.4 "h5py>=2.7" 2> "$work/u.err"; then fail "unsatisfiable resolved"; fi
for want in "because the request needs" "keras 2.2.4 needs h5py<2" "the request needs h5py>=2.7" \
            "no version of h5py matches" "2.10.0, 2.9.0" "cannot be satisfied"; do
  grep -qF "$want" "$work/u.err" || { cat "$work/u.err"; fail "derivation lacks '$want'"; }
done
# Requires-Python cut-off in the derivation.
mkdir -p "$work/rp"
wheel "$work/rp" werkzeug 2.0.3 py2.py3-none-any "" ">=3.6"
if "$DLIMAGE" wheel resolve --python 2.7 --wheels "$work/rp" werkzeug 2> "$work/rp.err"; then fail "py2 werkzeug 2"; fi
grep -qF "werkzeug 2.0.3 needs Python >=3.6" "$work/rp.err" && grep -qF "the target is Python 2.7.0" "$work/rp.err" \
  || { cat "$work/rp.err"; fail "Requires-Python derivation"; }

# Bad input 2: malformed METADATA.
mkdir -p "$work/m"
wheel "$work/m" brokenpkg 1.0 py2.py3-none-any "numpy >= 1.0 )"
if "$DLIMAGE" wheel resolve --wheels "$work/m" brokenpkg 2> "$work/m.err"; then fail "malformed METADATA accepted"; fi
grep -q "malformed METADATA of brokenpkg-1.0-py2.py3-none-any.whl (.*brokenpkg-1.0-py2.py3-none-any.whl): Requires-Dist" "$work/m.err" \
  || { cat "$work/m.err"; fail "malformed METADATA error"; }

# Bad input 3: index hash mismatch.
mkdir -p "$work/h"
wheel "$work/h" six 1.16.0 py2.py3-none-any ""
python3 "$FIX/make_index.py" "$work/h" "$work/hidx"
wheel "$work/hidx/simple/six" six 1.16.0 py2.py3-none-any "setuptools"  # replaced after indexing
serve "$work/hidx" hash
if "$DLIMAGE" wheel resolve --cache "$work/ch" --dest "$work/hd" --index "http://127.0.0.1:$port_hash/simple/" six 2> "$work/h.err"; then
  fail "hash mismatch accepted"; fi
grep -q "six wheel six-1.16.0-py2.py3-none-any.whl.*http://127.0.0.1:$port_hash/simple/six/six-1.16.0-py2.py3-none-any.whl: sha256 .* does not match the expected" "$work/h.err" \
  || { cat "$work/h.err"; fail "hash mismatch error"; }
[ ! -e "$work/hd/six-1.16.0-py2.py3-none-any.whl" ] || fail "mismatching wheel was written"

# Bad input 4: a sidecar that disagrees with the wheel's METADATA.
mkdir -p "$work/s"
wheel "$work/s" six 1.16.0 py2.py3-none-any ""
python3 "$FIX/make_index.py" "$work/s" "$work/sidx" --no-hashes
printf 'Metadata-Version: 2.1\nName: six\nVersion: 1.16.0\nRequires-Dist: setuptools\n' > "$work/sidx/simple/six/six-1.16.0-py2.py3-none-any.whl.metadata"
sed -i 's/data-dist-info-metadata="sha256=[0-9a-f]*" data-core-metadata="sha256=[0-9a-f]*"/data-core-metadata="true"/' "$work/sidx/simple/six/index.html"
rm "$work/sidx/simple/six/index.json"
wheel "$work/sidx/simple/setuptools" setuptools 44.1.1 py2.py3-none-any ""
python3 "$FIX/make_index.py" "$work/sidx/simple/setuptools" "$work/tmpidx" --no-sidecars && cp "$work/tmpidx/simple/setuptools/index.html" "$work/sidx/simple/setuptools/"
serve "$work/sidx" sidecar
if "$DLIMAGE" wheel resolve --cache "$work/cs" --dest "$work/sd" --index "http://127.0.0.1:$port_sidecar/simple/" six 2> "$work/s.err"; then
  fail "disagreeing sidecar accepted"; fi
grep -q "metadata sidecar of six-1.16.0-py2.py3-none-any.whl (http://127.0.0.1:$port_sidecar/simple/six/six-1.16.0-py2.py3-none-any.whl) disagrees with the wheel's own METADATA" "$work/s.err" \
  || { cat "$work/s.err"; fail "sidecar disagreement error"; }
echo "resolve CLI: ok"
