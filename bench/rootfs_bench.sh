#!/usr/bin/env bash
# The same rootfs (Essential + python3, from the machine's apt sources)
# built by `dlimage deb install` and by `mmdebstrap --variant=essential`,
# both with warm caches and neither touching the network, one timed run
# each, in the same run. Goal: dlimage at least 5x faster, and its output
# byte-identical across reruns.
#
# Warm, and fair:
#  - dlimage: its cache (verified InRelease + Packages, the .debs by
#    sha256) filled by one untimed run; the timed runs are --offline.
#  - mmdebstrap: one untimed run saves its apt lists and the .debs apt
#    downloaded (customize-hook sync-out); the timed run gets them back
#    with setup-hook sync-in and --skip=update, and --skip=essential/unlink
#    keeps the .debs in place: the caching recipe of mmdebstrap(1),
#    "If, for some reason, you cannot use a caching proxy". apt then
#    downloads nothing and re-verifies nothing, and still parses its lists.
#  - Both write a directory (mmdebstrap --format=directory), the same
#    sources (the machine's /etc/apt files, passed to mmdebstrap as MIRROR
#    files), the same package set (tests/e2e/deb_rootfs.sh compares them).
# Byte-identical: two dlimage trees hashed as tar --sort=name
# --numeric-owner (GNU format: mode, owner, mtime, content of every path),
# and two `dlimage build` images of a scratch base + python3 (fresh layout
# each, same cache): the OS-package layer digests must be equal.
set -euo pipefail
DL=${1:-build/dlimage}
work=$(mktemp -d /tmp/dlimage-rootfs-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
suite=$(. /etc/os-release && echo "$VERSION_CODENAME")
now() { date +%s.%N; }
tree_sha() { tar --sort=name --numeric-owner --format=gnu -C "$1" -cf - . | sha256sum | cut -d' ' -f1; }
mirrors=()
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
  [ -s "$f" ] && mirrors+=("$f")
done
mm=(mmdebstrap --quiet --variant=essential --include=python3 --skip=essential/unlink)

# Warm both caches (not timed).
"$DL" deb install --root "$work/warm" --essential --cache "$work/cache" python3 > /dev/null
mkdir -p "$work/mmcache/archives" "$work/mmcache/lists"
"${mm[@]}" --format=null \
  --customize-hook="sync-out /var/cache/apt/archives $work/mmcache/archives" \
  --customize-hook="sync-out /var/lib/apt/lists $work/mmcache/lists" \
  "$suite" /dev/null "${mirrors[@]}" > /dev/null
rm -rf "$work/warm" "$work/mmcache/archives/partial" "$work/mmcache/archives/lock" "$work/mmcache/lists/lock" \
  "$work/mmcache/lists/partial"
debs=$(ls "$work/mmcache/archives"/*.deb | wc -l)

t0=$(now)
"$DL" deb install --offline --root "$work/a" --essential --cache "$work/cache" python3 > "$work/dl.pkgs"
t1=$(now)
"$DL" deb install --offline --root "$work/b" --essential --cache "$work/cache" python3 > /dev/null
t2=$(now)
"${mm[@]}" --skip=update --format=directory \
  --setup-hook='mkdir -p "$1/var/cache/apt/archives" "$1/var/lib/apt/lists"' \
  --setup-hook="sync-in $work/mmcache/archives /var/cache/apt/archives" \
  --setup-hook="sync-in $work/mmcache/lists /var/lib/apt/lists" \
  "$suite" "$work/mm" "${mirrors[@]}" > /dev/null
t3=$(now)
a=$(tree_sha "$work/a")
b=$(tree_sha "$work/b")

# The same rootfs as an image layer: a scratch base + python3, built twice.
mkdir -p "$work/m/recipes"
cat > "$work/m/matrix.yaml" <<'EOF'
schema: 1
bases:
  scratch:
    ref: scratch
    glibc: "2.36"
    pythons:
      "3.11": {abi: cp311, interpreter: /usr/bin/python3, site_packages: usr/local/lib/python3.11/dist-packages}
pythons:
  "3.11": {tag: "-py311"}
accelerators:
  cpu: {kind: cpu, tag: cpu, base: scratch}
isa:
  generic: {rank: 0, features: [], tag: ""}
images:
  - name: rootfs
    repo: bench/rootfs
    framework: rootfs
    axes: {version: ["1"], python: ["3.11"], accelerator: [cpu]}
    tags: ["{version}"]
EOF
printf 'schema: 1\nname: rootfs\napt:\n  packages: [python3]\n' > "$work/m/recipes/rootfs.yaml"
layer_of() {  # the os-packages layer digest of the built image
  "$DL" build -q --no-attest -m "$work/m/matrix.yaml" -o "oci:$1" --cache "$work/cache" \
    --source-date-epoch 1700000000 > /dev/null
  python3 - "$1" <<'PY'
import json, sys
root = sys.argv[1]
def blob(d): return json.load(open(f"{root}/blobs/sha256/{d.split(':')[1]}"))
m = blob(json.load(open(f"{root}/index.json"))["manifests"][0]["digest"])
print(m["layers"][0]["digest"])
PY
}
t4=$(now)
l1=$(layer_of "$work/img1")
t5=$(now)
l2=$(layer_of "$work/img2")

python3 - "$t0" "$t1" "$t2" "$t3" "$t4" "$t5" "$a" "$b" "$l1" "$l2" "$(wc -l < "$work/dl.pkgs")" "$debs" <<'PY'
import sys
t0, t1, t2, t3, t4, t5 = map(float, sys.argv[1:7])
a, b, l1, l2, n_dl, n_mm = sys.argv[7:13]
dl, mm, img = t1 - t0, t3 - t2, t5 - t4
import os
print(f"rootfs_bench: Essential + python3, warm caches, no network, same run (load average {os.getloadavg()[0]:.1f}):")
print(f"  dlimage deb install --offline: {dl:.2f} s ({n_dl} packages)")
print(f"  mmdebstrap --variant=essential --format=directory (apt lists + .debs synced in): {mm:.2f} s ({n_mm} .debs)")
print(f"  ratio mmdebstrap/dlimage: {mm/dl:.1f}x (goal >= 5x): {'met' if mm / dl >= 5 else 'MISSED'}")
print(f"  dlimage build (scratch + python3, gzip layer, fresh layout): {img:.2f} s")
print(f"  reruns byte-identical: tree {a[:16]} {'==' if a == b else '!='} {b[:16]}; "
      f"layer {l1[7:23]} {'==' if l1 == l2 else '!='} {l2[7:23]}")
sys.exit(0 if a == b and l1 == l2 else 1)
PY
