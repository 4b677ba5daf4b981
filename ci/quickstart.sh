#!/usr/bin/env bash
# Quickstart on a fresh Debian 12 machine: install, build, start a loopback
# registry, make the Debian base image, build a slice of the shipped matrix
# (Debian's pip/setuptools/wheel + generated stand-ins for the framework
# wheels), push it, and ask which tag this machine should run.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
ci/deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)"
eval "$(ci/make-base.sh build/cache | grep '^DL_')"

state=build/quickstart
mkdir -p "$state"
echo "== loopback registry"
tests/registry/registryctl.sh stop "$state/registry" >/dev/null 2>&1 || true
eval "$(DL_BUILD_DIR=$ROOT/build tests/registry/registryctl.sh start plain "$state/registry" | grep -E '^(host|log)=')"

echo "== stand-in framework wheels (real wheel format, small payloads; NOT the real frameworks)"
[ -d "$state/wheels" ] || python3 tests/fixtures/wheels/make_stand_ins.py "$state/wheels" --payload-kb 256

# The shipped matrix names Ubuntu/CUDA/ROCm bases that need Docker Hub. Offline,
# the Debian base stands in for them: tag it under their tag names.
for t in 16.04 8.0-cudnn7-devel-ubuntu16.04 9.1-cudnn7-devel-ubuntu16.04 10.0-cudnn7-devel-ubuntu16.04 2.6; do
  grep -q "\"$t\"" "$DL_BASE_OCI/index.json" || umoci tag --image "$DL_BASE_OCI:bookworm-python3" "$t"
done

echo "== build + push: the deeplearning CPU images of the shipped matrix"
build/dlimage build -m matrix.yaml --filter repo=qingcloud/deeplearning --filter accelerator=cpu \
  --output "oci:$state/images" --base "oci:$DL_BASE_OCI" \
  --wheels /usr/share/python-wheels --wheels "$state/wheels" --artifacts "$state/wheels" \
  --cache "$state/cache" --lock "$state/wheels.lock" --no-catalog \
  --push --registry "$host" --plain-http "$host" --timings

echo "== which tag should this machine run?"
build/dlimage resolve -m matrix.yaml --cpu host --repo qingcloud/deeplearning --explain || true

cat <<INFO

Everything is under $ROOT/$state:
  registry       http://$host   (stop: tests/registry/registryctl.sh stop $state/registry)
  OCI layout     $state/images   (try: umoci ls --layout $state/images)
  wheel lock     $state/wheels.lock
  stand-ins      $state/wheels
  base image     $DL_BASE_OCI
Try: skopeo inspect --tls-verify=false docker://$host/qingcloud/deeplearning:1.1-cpu-avx2-mkldnn
INFO
