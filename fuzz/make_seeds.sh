#!/usr/bin/env bash
# Generated seeds for fuzz targets whose inputs are binary (wheels, ELF
# libraries, ld.so.cache files): made at build time into the build tree, so
# no build output is checked in. Usage: make_seeds.sh TARGET OUTDIR CXX
set -euo pipefail
target=$1 out=$2 cxx=$3
src=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rm -rf "$out" && mkdir -p "$out"
case $target in
  wheel_zip)
    # Good wheels, other writers' zips (data descriptors, zip64, stored) and
    # the hostile ones (symlinks, a size-lying bomb, ...).
    python3 -W ignore "$src/tests/fixtures/wheels/make_wheels.py" "$tmp/w" >/dev/null
    cp "$tmp"/w/*.whl "$out/"
    ;;
  ld_cache)
    # A shared library with a SONAME, and the cache ldconfig writes for it.
    mkdir -p "$tmp/root/usr/lib/x86_64-linux-gnu" "$tmp/root/etc"
    echo 'int seed(void) { return 1; }' > "$tmp/seed.c"
    "$cxx" -x c -shared -fPIC -Wl,-soname,libseed.so.1 -o "$tmp/root/usr/lib/x86_64-linux-gnu/libseed.so.1" "$tmp/seed.c"
    : > "$tmp/root/etc/ld.so.conf"
    /sbin/ldconfig -X -r "$tmp/root"
    cp "$tmp/root/usr/lib/x86_64-linux-gnu/libseed.so.1" "$tmp/root/etc/ld.so.cache" "$out/"
    ;;
  *) echo "make_seeds.sh: no generated seeds for $target" >&2; exit 2 ;;
esac
touch "$out/.stamp"
