#!/usr/bin/env bash
# Makes the real Debian base image the tests and the quickstart build on:
# a bookworm rootfs with python3 (mmdebstrap), as a tarball and as an OCI
# layout (packed by umoci, an independent tool). Cached: reruns are instant.
# Usage: ci/make-base.sh CACHE_DIR   -> CACHE_DIR/debian-bookworm-python3.tar
#                                       CACHE_DIR/base-oci (tag bookworm-python3)
set -euo pipefail
cache=${1:-build/cache}
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
tarball=$cache/debian-bookworm-python3.tar
layout=$cache/base-oci
tag=bookworm-python3

if [ ! -s "$tarball" ]; then
  mode=root
  [ "$(id -u)" -ne 0 ] && mode=unshare
  echo "make-base: mmdebstrap bookworm + python3 ($mode mode)"
  mmdebstrap --quiet --format=tar --variant=apt --include=python3,ca-certificates --mode=$mode \
    bookworm "$tarball.tmp" >/dev/null
  mv "$tarball.tmp" "$tarball"
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
