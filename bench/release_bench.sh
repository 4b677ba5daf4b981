#!/usr/bin/env bash
# Release benchmark: publish the whole shipped matrix (54 images, stand-in
# wheels, Debian base) to a loopback registry with `dlimage build --push`,
# then publish the same 54 images from the OCI layout with `skopeo copy`, one
# per image, to a fresh registry; then the no-op rerun. Prints seconds and
# ratios measured in this run.
# Usage: bench/release_bench.sh DLIMAGE   (needs DL_BASE_OCI; ci/make-base.sh)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DL=${1:-$ROOT/build/dlimage}
: "${DL_BASE_OCI:?run ci/make-base.sh first}"
export DL_BUILD_DIR=${DL_BUILD_DIR:-$(dirname "$DL")}
work=$(mktemp -d /tmp/dlimage-release-bench.XXXXXX)
trap '"$ROOT/tests/registry/registryctl.sh" stop "$work/a" >/dev/null 2>&1 || true;
      "$ROOT/tests/registry/registryctl.sh" stop "$work/b" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
"$ROOT/tests/support/stand_in_bases.sh" "$DL_BASE_OCI" "$work/bases"
python3 "$ROOT/tests/fixtures/wheels/make_stand_ins.py" "$work/wheels" --payload-kb "${DL_BENCH_PAYLOAD_KB:-1024}"
eval "$("$ROOT/tests/registry/registryctl.sh" start plain "$work/a" | grep '^host=')"; a=$host
eval "$("$ROOT/tests/registry/registryctl.sh" start plain "$work/b" | grep '^host=')"; b=$host
in=(-m "$ROOT/matrix.yaml" --base "oci:$work/bases" --wheels /usr/share/python-wheels --wheels "$work/wheels"
    --artifacts "$work/wheels" --cache "$work/cache" --lock "$work/lock" --no-catalog -q)
now() { date +%s.%N; }
t0=$(now); "$DL" build "${in[@]}" --output "oci:$work/out" --manifest-format oci --push --registry "$a" --plain-http "$a" >/dev/null; t1=$(now)
"$DL" build "${in[@]}" --output "oci:$work/out" --manifest-format oci --push --registry "$a" --plain-http "$a" >/dev/null; t2=$(now)
refs=$("$DL" matrix -m "$ROOT/matrix.yaml" --format tags)
t3=$(now)
for r in $refs; do
  skopeo copy --quiet --dest-tls-verify=false "oci:$work/out:$r" "docker://$b/$r"
done
t4=$(now)
python3 - "$t0" "$t1" "$t2" "$t3" "$t4" <<'PY'
import sys
t0, t1, t2, t3, t4 = map(float, sys.argv[1:])
build_push, noop, skopeo = t1 - t0, t2 - t1, t4 - t3
print(f"release_bench: dlimage build+push of 54 images {build_push:.1f} s "
      f"(build and push; skopeo copy of the same 54 built images {skopeo:.1f} s, push only): ratio {build_push/skopeo:.2f}")
print(f"release_bench: no-op rerun {noop:.2f} s = {noop/skopeo:.3f} of the skopeo push")
PY
