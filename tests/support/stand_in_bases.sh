#!/usr/bin/env bash
# The shipped matrix names Ubuntu/CUDA/ROCm bases (Docker Hub) with Python
# 2.7 and 3.6. Offline, the dlimage-made Debian base stands in for them: a
# copy of its layout (blobs hard-linked, the cached one stays untouched) plus
# one layer of stand-in interpreters /usr/bin/python2.7 and /usr/bin/python3.6
# (shell wrappers around the base's python3), tagged under the shipped
# matrix's base tag names. dlimage verifies every declared interpreter
# exists, so without that layer these cells rightly fail to build.
# Usage: stand_in_bases.sh DL_BASE_OCI OUT_LAYOUT
set -euo pipefail
src=$1 out=$2
[ -f "$out/index.json" ] && grep -q '"stand-in"' "$out/index.json" && exit 0
rm -rf "$out" && mkdir -p "$out"
cp -al "$src/blobs" "$out/blobs"
cp "$src/index.json" "$src/oci-layout" "$out/"
bundle=$(mktemp -d "${TMPDIR:-/tmp}/dlimage-stand-in.XXXXXX")
trap 'rm -rf "$bundle"' EXIT
umoci unpack --rootless --image "$out:bookworm-python3" "$bundle/b" >/dev/null
for v in 2.7 3.6; do
  printf '#!/bin/sh\n# stand-in for Python %s (tests only)\nexec /usr/bin/python3 "$@"\n' "$v" > "$bundle/b/rootfs/usr/bin/python$v"
  chmod 0755 "$bundle/b/rootfs/usr/bin/python$v"
done
umoci repack --image "$out:stand-in" "$bundle/b" >/dev/null
for t in 16.04 8.0-cudnn7-devel-ubuntu16.04 9.1-cudnn7-devel-ubuntu16.04 10.0-cudnn7-devel-ubuntu16.04 2.6; do
  umoci tag --image "$out:stand-in" "$t"
done
