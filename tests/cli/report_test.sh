#!/usr/bin/env bash
# The sign-off report (`dlimage build --report`) of real runs against a
# loopback Distribution registry, rendered by headless Chromium: the DOM it
# builds must hold the run details, every full digest and `docker pull`
# line, each image's base digest, wheels with versions, both sizes, what
# changed since the last run and why, the failures (also when the run
# stops), a legend with ISA columns in rank order, and no markup from a
# hostile error message. A screenshot goes into the build tree
# (report-screenshot.png) for a person to look at.
# No pipefail: `grep -q` closes its pipe early.
set -u
DL=${1:?usage: report_test.sh DLIMAGE [SCREENSHOT_DIR]}
SHOTS=${2:-$(dirname "$DL")}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/dlimage-report.XXXXXX)
cleanup() { "$ROOT/tests/registry/registryctl.sh" stop "$work/reg" >/dev/null 2>&1; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "REPORT FAIL: $*" >&2; exit 1; }
json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }
# The DOM Chromium builds from a report: what a reader sees, parsed.
dom() {
  chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --user-data-dir="$work/chromium" --dump-dom "file://$1" 2>/dev/null
}
has() { grep -qF -- "$2" "$1" || fail "$(basename "$1"): no '$2'"; }

(cd "$work" && umoci init --layout base && umoci new --image base:base &&
  umoci unpack --rootless --image base:base b >/dev/null && mkdir -p b/rootfs/usr/bin &&
  printf '#!/bin/sh\necho stand-in\n' > b/rootfs/usr/bin/python3.11 && chmod 755 b/rootfs/usr/bin/python3.11 &&
  umoci repack --image base:base b >/dev/null) || fail "could not make the tiny base"
eval "$("$ROOT/tests/registry/registryctl.sh" start plain "$work/reg" | grep -E '^(host)=')"
[ -n "${host:-}" ] || fail "registry did not start"
cp -r "$ROOT/tests/cli/report" "$work/m"
mkdir -p "$work/art"
run() {
  "$DL" build -m "$work/m/matrix.yaml" --base "oci:$work/base" --no-catalog --cache "$work/cache" \
    --wheels /usr/share/python-wheels --artifacts "$work/art" --output "oci:$work/out" --registry "$host" \
    --progress none "$@"
}

# 1. First run, --keep-going: three images pushed, one fails.
run --push -k --report "$work/r1.html" --json > "$work/r1.json" 2> "$work/r1.err"; rc=$?
[ "$rc" = 1 ] || fail "run 1 exit $rc (expected 1: one image fails): $(cat "$work/r1.err")"
[ -s "$work/r1.html" ] || fail "no report after a run with failures"
dom "$work/r1.html" > "$work/r1.dom" || fail "chromium could not load the report"
has "$work/r1.dom" 'id="verdict" class="status bad">FAILED: 1 failure'
has "$work/r1.dom" '<th>images</th><td>3 built, 1 failure; '
version=$("$DL" --version)
commit=${version##*commit }
commit=${commit%)}
has "$work/r1.dom" "$commit"
has "$work/r1.dom" "--report $work/r1.html"
has "$work/r1.dom" "<code>$host</code>"
grep -qE '[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z UTC' "$work/r1.dom" || fail "no start time"
grep -qE '<th>duration</th><td>[0-9]+\.[0-9] s' "$work/r1.dom" || fail "no duration"
# The failure, its cause shown as text: Chromium made no element of it.
grep -q '<tr class="failed"><td><code>team/broken:1.0-py311-cpu</code></td><td>build-images</td>' "$work/r1.dom" \
  || fail "no failure row for team/broken"
has "$work/r1.dom" 'missing/&lt;img src=x onerror=alert(1)&gt;.tar.gz'
grep -qi '<img' "$work/r1.dom" && fail "the hostile error text became an element"
# Every image: full digest, docker pull by digest and by tag (as pushed),
# base digest, wheels with versions, both sizes, and why it is new.
base_digest=$(python3 -c "import json; print(json.load(open('$work/base/index.json'))['manifests'][0]['digest'])")
[ "$(json "$work/r1.json" "len(d['images'])")" = 3 ] || fail "expected 3 images in the results"
for i in 0 1 2; do
  d=$(json "$work/r1.json" "d['images'][$i]['digest']")
  tag=$(json "$work/r1.json" "d['images'][$i]['pushed_tags'][0]")
  has "$work/r1.dom" "<code class=\"digest\">$d</code>"
  has "$work/r1.dom" "docker pull ${tag%:*}@$d"
  grep -qF "docker pull $tag<" "$work/r1.dom" || fail "no docker pull $tag"
  [ "$(json "$work/r1.json" "d['images'][$i]['uncompressed_size'] > d['images'][$i]['size'] > 0")" = True ] \
    || fail "sizes of image $i: $(json "$work/r1.json" "d['images'][$i]['size'], d['images'][$i]['uncompressed_size']")"
  has "$work/r1.dom" "($(json "$work/r1.json" "d['images'][$i]['size']") B)"
  has "$work/r1.dom" "($(json "$work/r1.json" "d['images'][$i]['uncompressed_size']") B)"
  [ "$(json "$work/r1.json" "d['images'][$i]['base']['digest']")" = "$base_digest" ] || fail "base digest in results"
done
[ "$(grep -o "<code class=\"base-digest\">$base_digest</code>" "$work/r1.dom" | wc -l)" = 3 ] || fail "base digests"
has "$work/r1.dom" "pip 23.0.1 (python3.11)"
has "$work/r1.dom" "wheel 0.38.4 (python3.11)"
[ "$(grep -o '<td class="changes">not published (new in this run)</td>' "$work/r1.dom" | wc -l)" = 3 ] \
  || fail "first run: images not shown as new"
[ "$(grep -o '<td class="cell pushed"' "$work/r1.dom" | wc -l)" = 3 ] || fail "grid: 3 pushed cells"
# The image that failed before it was built is in the grid too, marked failed.
grep -qE '<td class="cell failed" data-cell="[^"]*">1.0-py311-cpu<br>failed</td>' "$work/r1.dom" \
  || fail "grid: the failed image is missing: $(grep -o '<table id="grid">.*' "$work/r1.dom" | head -c 600)"
# ISA columns and legend rows in rank order (generic, avx, avx2), not alphabetical.
cols=$(grep -o 'cpu · py3.11 · [a-z0-9]*</th>' "$work/r1.dom" | sed 's/.* · //; s/<.*//' | tr '\n' ' ')
[ "$cols" = "generic avx avx2 " ] || fail "grid columns not in rank order: $cols"
legend=$(grep -o '<tr><td>[0-9]</td><td>[a-z0-9]*</td>' "$work/r1.dom" | sed 's/<tr><td>//; s/<\/td><td>/:/; s/<.*//' | tr '\n' ' ')
[ "$legend" = "0:generic 1:avx 2:avx2 " ] || fail "ISA legend not in rank order: $legend"
has "$work/r1.dom" 'id="legend"'

# 2. The recipe changes: every tool image is rebuilt, and the report says why.
sed -i 's/LANG: C.UTF-8/LANG: C.UTF-8\n  EXTRA: "1"/' "$work/m/recipes/tool.yaml"
run --push -k --report "$work/r2.html" --json > "$work/r2.json" 2>/dev/null
dom "$work/r2.html" > "$work/r2.dom"
[ "$(grep -o '<td class="changes">recipe changed (tool)</td>' "$work/r2.dom" | wc -l)" = 3 ] \
  || fail "recipe change not reported: $(grep -o '<td class="changes">[^<]*' "$work/r2.dom")"
[ "$(json "$work/r2.json" "d['images'][0]['changes']")" = "['recipe changed (tool)']" ] || fail "results changes"

# 3. Nothing changed: unchanged, and already in the registry.
run --push -k --report "$work/r3.html" 2>/dev/null >/dev/null
dom "$work/r3.html" > "$work/r3.dom"
[ "$(grep -o '<td class="changes">unchanged</td>' "$work/r3.dom" | wc -l)" = 3 ] || fail "rerun: not unchanged"
[ "$(grep -o '<td class="cell unchanged"' "$work/r3.dom" | wc -l)" = 3 ] || fail "rerun: not unchanged in the registry"
# resolve --from what was published, read through a mirror: the canonical
# docker.io names, the digests published, a docker run line pinned by digest.
d2=$(json "$work/r2.json" "[i['digest'] for i in d['images'] if i['tags'][0] == 'team/tool:1.0-py311-cpu-avx2'][0]")
out=$("$DL" resolve --from docker://docker.io/team/tool --mirror "docker.io=$host" --cpu haswell 2>&1)
echo "$out" | grep -qE "^docker.io/team/tool:1.0-py311-cpu-avx2 +$d2 +cpu +avx2" || fail "resolve --from --mirror: $out"
echo "$out" | grep -q "$host" && fail "resolve --from --mirror shows the mirror's name: $out"
echo "$out" | grep -qx "run the best: docker run -it --rm docker.io/team/tool:1.0-py311-cpu-avx2@$d2" || fail "docker run line: $out"
[ "$("$DL" resolve --from docker://docker.io/team/tool --mirror "docker.io=$host" --cpu haswell --json |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["compatible"][0]["digest"])')" = "$d2" ] || fail "resolve --json digest"
# ... against the first run's results instead: the recipe changed since.
run -k --report "$work/r4.html" --previous "$work/r1.json" 2>/dev/null >/dev/null
dom "$work/r4.html" > "$work/r4.dom"
[ "$(grep -o '<td class="changes">recipe changed (tool)</td>' "$work/r4.dom" | wc -l)" = 3 ] || fail "--previous"
has "$work/r4.dom" "$work/r1.json"

# 4. The base changes: its digest, old -> new.
(cd "$work" && umoci unpack --rootless --image base:base b2 >/dev/null && echo changed > b2/rootfs/etc-marker &&
  umoci repack --image base:base b2 >/dev/null) || fail "could not change the base"
run -k --report "$work/r5.html" 2>/dev/null >/dev/null
dom "$work/r5.html" > "$work/r5.dom"
[ "$(grep -o '<td class="changes">base digest changed (tiny:base: sha256:[0-9a-f]\{12\} -&gt; sha256:[0-9a-f]\{12\})</td>' "$work/r5.dom" | wc -l)" = 3 ] \
  || fail "base change not reported: $(grep -o '<td class="changes">[^<]*' "$work/r5.dom")"

# 5. A run that stops at its first failure still writes the report, with the error.
run --report "$work/r6.html" > /dev/null 2>&1; rc=$?
[ "$rc" = 1 ] || fail "run without -k: exit $rc"
dom "$work/r6.html" > "$work/r6.dom" || fail "no report after a stopped run"
has "$work/r6.dom" '<td><code>(the run)</code></td><td>stopped</td>'
has "$work/r6.dom" 'onerror=alert(1)&gt;'

# For a person: the first run's report, failures and all.
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
  --disable-component-update --disable-sync --user-data-dir="$work/chromium" --hide-scrollbars \
  --window-size=1400,1900 --screenshot="$SHOTS/report-screenshot.png" "file://$work/r1.html" >/dev/null 2>&1 \
  || fail "chromium could not take a screenshot"
[ "$(stat -c %s "$SHOTS/report-screenshot.png")" -gt 20000 ] || fail "the screenshot is empty"
echo "REPORT OK (screenshot: $SHOTS/report-screenshot.png)"
