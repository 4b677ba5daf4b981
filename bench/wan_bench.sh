#!/usr/bin/env bash
# WAN benchmark: publishing over a long thin link (issue 14).
#
# The whole shipped matrix (54 images) is built from realistic stand-in
# wheels (real files from /usr/lib, sizes = the real wheels' x SCALE), then
# published through the fault proxy's link emulation (default 100 ms RTT,
# 100 Mbit/s shared by every connection) to a loopback registry:
#   - `dlimage build --push`: first publish and the no-op rerun;
#   - the same images by `skopeo copy`, one by one, over the same link, to a
#     second registry: first and no-op;
#   - one cell by the Dockerfile route (`buildah bud --isolation chroot`,
#     COPY the wheels + pip install) against `dlimage build` of that cell.
# Prints the first publish against the link limit (bytes sent / rate) and
# every ratio, all measured in this run.
#
# Usage: bench/wan_bench.sh DLIMAGE DL_FAULT_PROXY   (needs DL_BASE_OCI: ci/make-base.sh)
# Env: DL_BENCH_SCALE (default 0.02), DL_BENCH_LINK (default rtt=100ms,rate=100mbit),
#      DL_BENCH_JOBS (default 8), WAN_BENCH_ONLY=cell (only the one-cell
#      Dockerfile-route comparison: no registries, no link, no 54-image publish),
#      WAN_BENCH_KEEP=DIR (the one-cell part: keep its inputs in DIR, for profiling)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DL=${1:-$ROOT/build/dlimage}
PROXY=${2:-$ROOT/build/tests/fault_proxy/dl_fault_proxy}
: "${DL_BASE_OCI:?run ci/make-base.sh first}"
for t in skopeo buildah umoci; do command -v $t >/dev/null || { echo "wan_bench: $t missing (ci/deps.sh)"; exit 1; }; done
scale=${DL_BENCH_SCALE:-0.02}
link=${DL_BENCH_LINK:-rtt=100ms,rate=100mbit}
jobs=${DL_BENCH_JOBS:-8}
export DL_BUILD_DIR=${DL_BUILD_DIR:-$(dirname "$DL")}
# Lower case: buildah reads the layout path as part of an image name.
work=$(mktemp -d /tmp/dlimage-wan-bench.XXXXXX); mv "$work" "${work,,}.d"; work=${work,,}.d
proxy_pids=()
cleanup() {
  for p in "${proxy_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  "$ROOT/tests/registry/registryctl.sh" stop "$work/a" >/dev/null 2>&1 || true
  "$ROOT/tests/registry/registryctl.sh" stop "$work/b" >/dev/null 2>&1 || true
  buildah rm wan-bench-peer >/dev/null 2>&1 || true
  buildah rmi -f localhost/wan-bench-peer localhost/wan-bench-peer-pulled >/dev/null 2>&1 || true
  [ -n "${base_id:-}" ] && buildah rmi -f "$base_id" >/dev/null 2>&1 || true
  # What `FROM oci:DIR:TAG` pulled (buildah names it after the layout path).
  buildah rmi -f "localhost${work}/bases:bookworm-python3" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
now() { date +%s.%N; }

# Bases: the Debian base (with stand-in 2.7/3.6 interpreters) under every
# name the shipped matrix uses.
"$ROOT/tests/support/stand_in_bases.sh" "$DL_BASE_OCI" "$work/bases"
python3 "$ROOT/tests/fixtures/wheels/make_stand_ins.py" "$work/wheels" --real-files "$scale" | sed 's/^/wan_bench: /'

only=${WAN_BENCH_ONLY:-}
case $only in "" | cell) ;; *) echo "wan_bench: WAN_BENCH_ONLY=$only (expected cell or unset)"; exit 1 ;; esac
if [ -z "$only" ]; then
eval "$("$ROOT/tests/registry/registryctl.sh" start plain "$work/a" | grep '^host=')"; reg_a=$host
eval "$("$ROOT/tests/registry/registryctl.sh" start plain "$work/b" | grep '^host=')"; reg_b=$host

# start_proxy NAME UPSTREAM [PORT]: the proxy's port in $port. Stopping it
# (stop_proxy NAME) prints its totals: bytes_up is what crossed the link.
start_proxy() {
  local name=$1 up=$2 listen=${3:-0}
  rm -f "$work/$name.port"
  "$PROXY" --upstream "$up" --listen "$listen" --link "$link" --port-file "$work/$name.port" >"$work/$name.log" 2>&1 &
  echo $! >"$work/$name.pid"
  proxy_pids+=($!)
  for _ in $(seq 100); do [ -s "$work/$name.port" ] && break; sleep 0.1; done
  port=$(cat "$work/$name.port")
}
stop_proxy() {  # prints bytes_up
  local pid; pid=$(cat "$work/$1.pid")
  kill "$pid"; wait "$pid" 2>/dev/null || true
  # Called in $(...): not the proxy's parent, so wait returns at once; the
  # totals line comes when the proxy has stopped.
  for _ in $(seq 100); do grep -q 'stopped:' "$work/$1.log" && break; sleep 0.1; done
  sed -n 's/.*bytes_up=\([0-9]*\).*/\1/p' "$work/$1.log"
}

# The shipped matrix without its xenial apt: sections: the stand-in bases
# carry their interpreters, and Ubuntu's archive and the operator's Python 3.6
# repository are not reachable here.
python3 "$ROOT/tests/support/offline_matrix.py" "$ROOT/matrix.yaml" "$work/matrix.yaml"
in=(-m "$work/matrix.yaml" --recipes "$ROOT/recipes" --base "oci:$work/bases" --wheels /usr/share/python-wheels --wheels "$work/wheels"
    --artifacts "$work/wheels" --cache "$work/cache" --lock "$work/lock" --no-catalog -q --manifest-format oci)
t0=$(now); "$DL" build "${in[@]}" --output "oci:$work/out" >/dev/null; t_build=$(python3 -c "print($(now)-$t0)")

# dlimage: first publish, then the no-op rerun, each through a fresh link.
start_proxy pa "$reg_a"; pa_port=$port
push=(--push --registry "127.0.0.1:$pa_port" --plain-http "127.0.0.1:$pa_port" --jobs "$jobs" --json)
t0=$(now); "$DL" build "${in[@]}" --output "oci:$work/out" "${push[@]}" >"$work/first.json"; t1=$(now)
bytes_first=$(stop_proxy pa)
start_proxy pa "$reg_a" "$pa_port"
t2=$(now); "$DL" build "${in[@]}" --output "oci:$work/out" "${push[@]}" >"$work/noop.json"; t3=$(now)
bytes_noop=$(stop_proxy pa)
requests_noop=$(sed -n 's/.*requests=\([0-9]*\).*/\1/p' "$work/pa.log")

# skopeo: the same images, one by one, over the same link profile.
refs=$("$DL" matrix -m "$work/matrix.yaml" --format tags)
start_proxy pb "$reg_b"; pb_port=$port
skopeo_all() {
  for r in $refs; do
    skopeo copy --quiet --dest-tls-verify=false "oci:$work/out:$r" "docker://127.0.0.1:$pb_port/$r"
  done
}
t4=$(now); skopeo_all; t5=$(now)
bytes_skopeo=$(stop_proxy pb)
start_proxy pb "$reg_b" "$pb_port"
t6=$(now); skopeo_all; t7=$(now)
stop_proxy pb >/dev/null

python3 - "$link" "$scale" "$t_build" "$t0" "$t1" "$t2" "$t3" "$t4" "$t5" "$t6" "$t7" 0 0 0 0 \
  "$bytes_first" "$bytes_noop" "$bytes_skopeo" "$work/first.json" "$work/noop.json" "$requests_noop" <<'PY'
import json, re, sys
a = sys.argv[1:]
link, scale = a[0], float(a[1])
t_build, t0, t1, t2, t3, t4, t5, t6, t7, t8, t9, t10, t11 = map(float, a[2:15])
bytes_first, bytes_noop, bytes_skopeo = map(int, a[15:18])
first, noop = json.load(open(a[18])), json.load(open(a[19]))
requests_noop = int(a[20])
m = re.search(r"rate=([\d.]+)(\w+)", link)
unit = {"bit": 1 / 8, "kbit": 1e3 / 8, "mbit": 1e6 / 8, "gbit": 1e9 / 8, "bps": 1, "kbps": 1e3, "mbps": 1e6, "gbps": 1e9}
rate = float(m.group(1)) * unit[m.group(2).lower()]
pub, nop, sk1, sk0 = t1 - t0, t3 - t2, t5 - t4, t7 - t6
limit = bytes_first / rate
push_phase = next((p["seconds"] for p in first["phases"] if p["name"] == "push"), 0)
p = first["push"]
print(f"wan_bench: link {link}; stand-in scale {scale:g} (sizes = real wheels x {scale:g}); build of 54 images {t_build:.1f} s")
print(f"wan_bench: dlimage first publish {pub:.1f} s (push phase {push_phase:.1f} s): {bytes_first/1e6:.1f} MB crossed the link, "
      f"link limit {limit:.1f} s -> {pub/limit:.2f}x the limit (goal <= 1.5x); "
      f"{p['blobs_uploaded']} blobs uploaded, {p['blobs_mounted']} mounted, {p['manifests_put']} manifests")
tags = sum(len(c.get("pushed_tags", [])) for c in noop["images"])
print(f"wan_bench: dlimage no-op rerun {nop:.2f} s (goal < 3 s), {bytes_noop/1e3:.0f} kB over the link, "
      f"{requests_noop} requests for {tags} tags ({noop['push']['cells_skipped']} images up to date)")
print(f"wan_bench: skopeo copy one by one: first {sk1:.1f} s ({bytes_skopeo/1e6:.1f} MB), no-op {sk0:.1f} s")
print(f"wan_bench: dlimage vs skopeo: first {sk1/pub:.1f}x faster, no-op {sk0/nop:.1f}x faster (goal >= 5x)")
PY
fi

# One cell, the Dockerfile route vs dlimage build (both from a cold cache).
cell_filter=(--filter accelerator=cu91)
ctx=$work/peer-ctx; mkdir -p "$ctx/wheels"
# The cell's framework wheel and every wheel its closure may come from (pip
# picks, as dlimage's resolver does from the same wheelhouses), with the
# machine's real pip, setuptools and wheel instead of their stand-ins.
cp "$work/wheels/cuda9.1/tensorflow-1.12.0-cp311-cp311-linux_x86_64.whl" "$work/wheels/"*-cp311-*.whl \
   "$work/wheels/"*-none-any.whl "$ctx/wheels/"
rm -f "$ctx/wheels/"pip-*.whl "$ctx/wheels/"setuptools-*.whl "$ctx/wheels/"wheel-*.whl
cp /usr/share/python-wheels/*.whl "$ctx/wheels/"
# Two Dockerfiles: FROM the same OCI layout dlimage reads (buildah bud
# pulls and unpacks the base as part of the build, as dlimage reads and
# checks it), and FROM the base pulled into buildah's storage beforehand,
# outside the timing (the most favourable case for the peer).
peer_steps() {
  cat <<EOF
COPY wheels/ /tmp/wheels/
RUN python3 \$(ls /tmp/wheels/pip-*.whl | head -1)/pip install --no-index --find-links /tmp/wheels \
      --break-system-packages --no-compile --no-cache-dir "tensorflow==1.12.*" pip setuptools wheel \
 && python3 -c "import tensorflow" && rm -rf /tmp/wheels
EOF
}
{ echo "FROM oci:$work/bases:bookworm-python3"; peer_steps; } > "$ctx/Dockerfile.oci"
# Both sides start with nothing left to write back (the publish above
# leaves hundreds of MB dirty; either side's fsyncs would wait for them).
sync
t6=$(now)
buildah bud --isolation chroot --layers=false -q -f "$ctx/Dockerfile.oci" -t wan-bench-peer "$ctx" >/dev/null
t7=$(now)
base_id=$(buildah pull -q "oci:$work/bases:bookworm-python3")
{ echo "FROM $base_id"; peer_steps; } > "$ctx/Dockerfile.pulled"
sync
t8=$(now)
buildah bud --isolation chroot --layers=false -q -f "$ctx/Dockerfile.pulled" -t wan-bench-peer-pulled "$ctx" >/dev/null
t9=$(now)
# The same file tree on both sides (pip's own files apart): the e2e recipes
# without their apt: sections, whose OS-package layer (libgomp1 from the
# Debian archive: indexes fetched and resolved, the .deb installed) the
# Dockerfile does not build.
python3 - "$ROOT/tests/e2e/recipes" "$work/peer-recipes" <<'PY'
import os, sys, yaml
src, dst = sys.argv[1], sys.argv[2]
os.makedirs(dst)
for f in os.listdir(src):
    r = yaml.safe_load(open(os.path.join(src, f)))
    r.pop("apt", None)
    yaml.safe_dump(r, open(os.path.join(dst, f), "w"), sort_keys=False)
PY
sync
t10=$(now)
"$DL" build -m "$ROOT/tests/e2e/matrix.yaml" --recipes "$work/peer-recipes" "${cell_filter[@]}" --base "oci:$work/bases" \
  --wheels /usr/share/python-wheels --wheels "$work/wheels" --cache "$work/peer-cache" --no-catalog -q \
  --output "oci:$work/peer-out" >/dev/null
t11=$(now)
if [ -n "${WAN_BENCH_KEEP:-}" ]; then
  mkdir -p "$WAN_BENCH_KEEP" && cp -a "$work/bases" "$work/wheels" "$work/peer-recipes" "$WAN_BENCH_KEEP/"
fi

python3 - "$(python3 -c "print($t7-$t6)")" "$(python3 -c "print($t9-$t8)")" "$(python3 -c "print($t11-$t10)")" <<'PY'
import sys
same, pulled, d = map(float, sys.argv[1:4])
print(f"wan_bench: one cell: dlimage build {d:.2f} s (base read from the OCI layout)")
print(f"wan_bench: one cell: buildah bud FROM the same OCI layout (COPY wheels + pip install) {same:.1f} s: "
      f"{same/d:.1f}x faster (goal >= 10x)")
print(f"wan_bench: one cell: buildah bud FROM the base pulled beforehand, untimed {pulled:.1f} s: {pulled/d:.1f}x faster")
PY
