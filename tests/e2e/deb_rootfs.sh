#!/usr/bin/env bash
# Images from packages alone, against the machine's real Debian archive (its
# apt sources; no mirror is named here) and mmdebstrap as the independent
# comparison:
#  - `dlimage deb install --essential python3` installs the package set of
#    `mmdebstrap --variant=essential --include=python3`, every difference
#    explained below as data, in the same merged-/usr layout;
#  - dpkg inside the tree agrees: `dpkg --audit` empty, `dpkg -V` clean;
#  - with apt added, `apt-get update && apt-get install -y python3-six` works
#    inside a chroot of the tree, and afterwards apt-get check, dpkg --audit
#    and dpkg -V are still clean.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DL=${DL_BUILD_DIR:-$ROOT/build}/dlimage
work=$(mktemp -d /tmp/dlimage-deb-rootfs.XXXXXX)
mounted=()
cleanup() {
  for m in "${mounted[@]}"; do umount "$m" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "DEB-ROOTFS FAIL: $*" >&2; exit 1; }
step() { echo "== $*"; }
cache=$work/cache

step "dlimage: Essential + python3"
"$DL" deb install --root "$work/dl" --essential --cache "$cache" python3 > /dev/null
dpkg-query --root="$work/dl" -W -f='${Package}\n' | sort > "$work/dl.pkgs"

step "mmdebstrap --variant=essential --include=python3"
suite=$(. /etc/os-release && echo "$VERSION_CODENAME")
mirrors=()  # the machine's apt sources, as dlimage reads them
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
  [ -s "$f" ] && mirrors+=("$f")
done
mmdebstrap --quiet --variant=essential --include=python3 --format=null \
  --customize-hook="chroot \"\$1\" dpkg-query -W -f='\${Package}\n' | sort > $work/mm.pkgs" \
  --customize-hook="readlink \"\$1/bin\" > $work/mm.bin || echo directory > $work/mm.bin" \
  "$suite" /dev/null "${mirrors[@]}" > /dev/null
# Every difference between the two lists, as data: "dlimage|mmdebstrap PACKAGE  why".
# A difference not listed fails, and so does a listed one that no longer
# occurs (the explanation would be stale). None today: both pick usrmerge
# for init-system-helpers' "usrmerge | usr-is-merged" (its first
# alternative) and mawk for base-files' virtual awk (apt's CompareProviders:
# the higher Priority; builder/apt does the same, tests/apt/archive_test.cc).
explained=(
)
only_dl=$(comm -23 "$work/dl.pkgs" "$work/mm.pkgs" | sed 's/^/dlimage /')
only_mm=$(comm -13 "$work/dl.pkgs" "$work/mm.pkgs" | sed 's/^/mmdebstrap /')
echo "packages: dlimage $(wc -l < "$work/dl.pkgs"), mmdebstrap $(wc -l < "$work/mm.pkgs");" \
  "only dlimage: [$(echo $only_dl | sed 's/dlimage //g')]; only mmdebstrap: [$(echo $only_mm | sed 's/mmdebstrap //g')]"
diffs=$(printf '%s\n' "$only_dl" "$only_mm" | grep . | sort || true)
listed=$(for e in "${explained[@]}"; do echo "$e" | awk '{print $1" "$2}'; done | sort)
[ "$diffs" = "$listed" ] || fail "package lists differ from the explained differences: found [$(echo $diffs)], explained [$(echo $listed)]"
# The same layout: merged-/usr (bin -> usr/bin) as mmdebstrap leaves it.
[ "$(readlink "$work/dl/bin" || echo directory)" = "$(cat "$work/mm.bin")" ] ||
  fail "/bin: dlimage $(readlink "$work/dl/bin" || echo directory), mmdebstrap $(cat "$work/mm.bin")"

step "dpkg inside the tree"
[ -z "$(dpkg --root="$work/dl" --audit 2>&1)" ] || fail "dpkg --audit: $(dpkg --root="$work/dl" --audit 2>&1 | head -5)"
[ -z "$(dpkg --root="$work/dl" -V 2>&1)" ] || fail "dpkg -V: $(dpkg --root="$work/dl" -V 2>&1 | head -5)"
chroot "$work/dl" /usr/bin/python3 -c 'import ssl, sqlite3, json' || fail "python3 in the tree"

step "apt inside a chroot of a dlimage tree"
"$DL" deb install --root "$work/apt" --essential --cache "$cache" python3 apt ca-certificates > /dev/null
cp /etc/resolv.conf "$work/apt/etc/resolv.conf"  # what a container runtime provides
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
  [ -f "$f" ] && cp "$f" "$work/apt$f"
done
mount --bind /dev "$work/apt/dev" && mounted+=("$work/apt/dev")
mount -t proc proc "$work/apt/proc" && mounted+=("$work/apt/proc")
chroot "$work/apt" sh -c 'apt-get update -qq && apt-get install -y -qq python3-six' > "$work/apt.log" 2>&1 ||
  fail "apt-get in the chroot: $(tail -5 "$work/apt.log")"
chroot "$work/apt" python3 -c 'import six' || fail "python3-six"
chroot "$work/apt" apt-get check > /dev/null || fail "apt-get check"
[ -z "$(chroot "$work/apt" dpkg --audit 2>&1)" ] || fail "dpkg --audit after apt-get install"
[ -z "$(chroot "$work/apt" dpkg -V 2>&1)" ] || fail "dpkg -V after apt-get install: $(chroot "$work/apt" dpkg -V 2>&1 | head -3)"
echo "DEB-ROOTFS OK"
