#!/usr/bin/env bash
# Makes the real Debian base image the tests and the quickstart build on:
# a Debian rootfs made by dlimage itself from packages alone (the Essential
# set + python3, ca-certificates, apt, from the machine's apt sources; no
# base image, no mmdebstrap), as a tarball and as an OCI layout (packed by
# umoci, an independent tool). Cached: reruns are instant.
# Usage: ci/make-base.sh CACHE_DIR   -> CACHE_DIR/debian-python3-dlimage.tar
#                                       CACHE_DIR/base-oci (tag bookworm-python3)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DL=${DL_BUILD_DIR:-$ROOT/build}/dlimage
cache=${1:-build/cache}
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
tarball=$cache/debian-python3-dlimage.tar
layout=$cache/base-oci
tag=bookworm-python3

if [ ! -s "$tarball" ]; then
  echo "make-base: dlimage deb install --essential python3 ca-certificates apt"
  root=$cache/base-root.tmp
  rm -rf "$root"
  "$DL" deb install --root "$root" --essential --cache "$cache/downloads" python3 ca-certificates apt >/dev/null
  tar --sort=name --numeric-owner --mtime=@0 -C "$root" -cf "$tarball.tmp" .
  rm -rf "$root"
  mv "$tarball.tmp" "$tarball"
  rm -rf "$layout"  # a layout packed from an older tarball
fi

if [ ! -f "$layout/index.json" ] || ! grep -q "\"$tag\"" "$layout/index.json"; then
  echo "make-base: packing $tarball into $layout:$tag with umoci"
  rm -rf "$layout" "$cache/base-bundle"
  umoci init --layout "$layout"
  umoci new --image "$layout:$tag"
  umoci unpack --image "$layout:$tag" "$cache/base-bundle" >/dev/null
  tar -xf "$tarball" -C "$cache/base-bundle/rootfs" --exclude='./dev/*'
  umoci repack --image "$layout:$tag" "$cache/base-bundle" >/dev/null
  umoci config --image "$layout:$tag" --config.cmd=/bin/bash --config.env="PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" >/dev/null
  umoci gc --layout "$layout"
  rm -rf "$cache/base-bundle"
fi
echo "DL_BASE_ROOTFS_TAR=$tarball"
echo "DL_BASE_OCI=$layout"
