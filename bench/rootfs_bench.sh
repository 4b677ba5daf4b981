#!/usr/bin/env bash
# The same rootfs (Essential + python3, the machine's apt sources) built by
# `dlimage deb install` and by `mmdebstrap --variant=essential`, both with
# warm caches (dlimage: its download cache; mmdebstrap: the same .debs
# synced into its apt archive, so neither downloads a package), one timed
# run each, in the same run. Also checks dlimage's tree is byte-identical
# across two runs (tar --sort=name of both trees hashed). Goal: ratio >= 5.
set -euo pipefail
DL=${1:-build/dlimage}
work=$(mktemp -d /tmp/dlimage-rootfs-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
suite=$(. /etc/os-release && echo "$VERSION_CODENAME")
now() { date +%s.%N; }
tree_sha() { tar --sort=name --numeric-owner --mtime=@0 -C "$1" -cf - . | sha256sum | cut -d' ' -f1; }

"$DL" deb install --root "$work/warm" --essential --cache "$work/cache" python3 > "$work/pkgs"  # warms the cache
mkdir -p "$work/debs"
for f in "$work"/cache/sha256/*; do  # the same .debs for mmdebstrap, under their names
  n=$(dpkg-deb -f "$f" Package 2>/dev/null) || continue
  cp "$f" "$work/debs/${n}_$(dpkg-deb -f "$f" Version | sed 's/:/%3a/')_$(dpkg-deb -f "$f" Architecture).deb"
done

t0=$(now); "$DL" deb install --root "$work/a" --essential --cache "$work/cache" python3 > /dev/null; t1=$(now)
"$DL" deb install --root "$work/b" --essential --cache "$work/cache" python3 > /dev/null
t2=$(now)
mmdebstrap --quiet --variant=essential --include=python3 --format=directory \
  --setup-hook='mkdir -p "$1/var/cache/apt/archives"' \
  --setup-hook="sync-in $work/debs /var/cache/apt/archives" \
  "$suite" "$work/mm" > /dev/null
t3=$(now)
a=$(tree_sha "$work/a"); b=$(tree_sha "$work/b")
python3 - "$t0" "$t1" "$t2" "$t3" "$a" "$b" <<'PY'
import sys
t0, t1, t2, t3 = map(float, sys.argv[1:5])
dl, mm = t1 - t0, t3 - t2
same = sys.argv[5] == sys.argv[6]
print(f"rootfs_bench: Essential + python3: dlimage deb install {dl:.1f} s, mmdebstrap {mm:.1f} s "
      f"(warm caches, same run): ratio {mm/dl:.1f}x (goal >= 5x); dlimage reruns byte-identical: {same}")
sys.exit(0 if same else 1)
PY
