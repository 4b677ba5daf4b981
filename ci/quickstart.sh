#!/usr/bin/env bash
# Quickstart on a fresh Debian 12 machine: install, build, start a loopback
# registry, make the Debian base image, build a slice of the shipped matrix
# (Debian's pip/setuptools/wheel + generated stand-ins for the framework
# wheels), push it, and ask which tag this machine should run.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
BUILD=${DL_BUILD_DIR:-build}
ci/deps.sh
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD" -j"$(nproc)" --target dlimage dl_registry_server dl_fault_proxy
eval "$(ci/make-base.sh build/cache | grep '^DL_')"

state=build/quickstart
mkdir -p "$state"
echo "== loopback registry"
tests/registry/registryctl.sh stop "$state/registry" >/dev/null 2>&1 || true
eval "$(DL_BUILD_DIR=$ROOT/$BUILD tests/registry/registryctl.sh start plain "$state/registry" | grep -E '^(host|log)=')"

echo "== stand-in framework wheels (real wheel format, small payloads; NOT the real frameworks)"
[ -d "$state/wheels" ] || python3 tests/fixtures/wheels/make_stand_ins.py "$state/wheels" --payload-kb 256

# The shipped matrix names Ubuntu/CUDA/ROCm bases that need Docker Hub. Offline,
# the Debian base stands in for them, with stand-in /usr/bin/python2.7 and
# python3.6 (dlimage refuses cells whose interpreter is missing), tagged under
# their tag names (on a copy of the base layout; the cached one stays as is).
bases=$state/bases
tests/support/stand_in_bases.sh "$DL_BASE_OCI" "$bases"
# Their OS packages come from Ubuntu's archive and an operator's Python 3.6
# repository (README "Python on the Ubuntu 16.04 bases"): offline, the matrix
# is used without its bases' apt: sections (tests/support/offline_matrix.py).
echo "== the shipped matrix without its xenial apt: sections (offline; the stand-in bases carry Python)"
python3 tests/support/offline_matrix.py matrix.yaml "$state/matrix.yaml"

echo "== build + push: the deeplearning CPU images of the shipped matrix"
"$BUILD/dlimage" build -m "$state/matrix.yaml" --recipes recipes --filter repo=qingcloud/deeplearning --filter accelerator=cpu \
  --output "oci:$state/images" --base "oci:$bases" \
  --wheels /usr/share/python-wheels --wheels "$state/wheels" --artifacts "$state/wheels" \
  --cache "$state/cache" --lock "$state/wheels.lock" --no-catalog \
  --push --registry "$host" --plain-http "$host" --timings

echo "== which tag should this machine run?"
"$BUILD/dlimage" resolve -m matrix.yaml --cpu host --repo qingcloud/deeplearning --explain || true

cat <<INFO

Everything is under $ROOT/$state:
  registry       http://$host   (stop: tests/registry/registryctl.sh stop $state/registry)
  OCI layout     $state/images   (try: umoci ls --layout $state/images)
  wheel lock     $state/wheels.lock
  stand-ins      $state/wheels
  base image     $DL_BASE_OCI (and $bases, with the stand-in tags)
Try: skopeo inspect --tls-verify=false docker://$host/qingcloud/deeplearning:1.1-cpu-avx2-mkldnn
INFO
