#!/usr/bin/env bash
# End to end, with every part real: stand-in framework wheels plus Debian's
# pip/setuptools/wheel, the Debian base dlimage makes from packages alone
# (ci/make-base.sh), a loopback Distribution
# registry. Builds and pushes tests/e2e/matrix.yaml, validates the images with
# skopeo and umoci, runs them under chroot (python3 imports, pip check),
# checks the no-op rerun uploads nothing, that changing one wheel in the lock
# republishes only that image, determinism, and `dlimage verify`.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${DL_BUILD_DIR:-$ROOT/build}
DL=$BUILD/dlimage
: "${DL_BASE_OCI:?run ci/make-base.sh first (ci/test.sh does)}"
work=$(mktemp -d /tmp/dlimage-e2e.XXXXXX)
cleanup() {
  "$ROOT/tests/registry/registryctl.sh" stop "$work/reg" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "E2E FAIL: $*" >&2; for f in "$work"/*.json; do echo "--- $f" >&2; head -c 3000 "$f" >&2; done; exit 1; }
step() { echo "== $*"; }
json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }

step "stand-in wheels and a loopback registry"
python3 "$ROOT/tests/fixtures/wheels/make_stand_ins.py" "$work/wheels" --payload-kb 64
export DL_BUILD_DIR=$BUILD
eval "$("$ROOT/tests/registry/registryctl.sh" start plain "$work/reg" | grep -E '^(host)=')"
[ -n "$host" ] || fail "registry did not start"

inputs=(-m "$ROOT/tests/e2e/matrix.yaml" --base "oci:$DL_BASE_OCI"
        --wheels /usr/share/python-wheels --wheels "$work/wheels" --cache "$work/cache"
        --lock "$work/wheels.lock" --no-catalog --registry "$host" --plain-http "$host")
common=(--output "oci:$work/out" "${inputs[@]}")

step "build + push"
"$DL" build "${common[@]}" --push --json --timings --report "$work/report.html" > "$work/push1.json"
[ "$(json "$work/push1.json" "len(d['images'])")" = 5 ] || fail "expected 5 images"
[ "$(json "$work/push1.json" "d['push']['manifests_put']")" = 8 ] || fail "expected 8 tags put"
[ "$(json "$work/push1.json" "d['push']['blobs_uploaded'] > 0")" = True ] || fail "nothing uploaded"
# Blobs shared by images go up once: the base layer is uploaded once per repository.
echo "first push: $(json "$work/push1.json" "d['push']")"
# Each image: base, one OS-package layer, wheel layers, files.
[ "$(json "$work/push1.json" "all(sum(1 for l in i['layers'] if l['kind'] == 'os-packages') == 1 for i in d['images'])")" = True ] \
  || fail "every image has one os-packages layer"
grep -q '"libgomp1"' "$work/wheels.lock" || fail "the lock has no apt entry for libgomp1"

step "every image, in a chroot: its framework imports, pip check, dpkg and apt agree with the tree"
for tag in $(json "$work/push1.json" "' '.join(i['tags'][0] for i in d['images'])"); do
  fw=$(json "$work/push1.json" "[i['framework'] for i in d['images'] if i['tags'][0] == '$tag'][0]")
  rm -rf "$work/each" "$work/each-oci"
  # From the registry: skopeo picks the image out of the attested index.
  skopeo copy --quiet --src-tls-verify=false "docker://$host/$tag" "oci:$work/each-oci:img" || fail "skopeo copy $tag"
  umoci unpack --image "$work/each-oci:img" "$work/each" >/dev/null || fail "umoci unpack $tag"
  r=$work/each/rootfs
  chroot "$r" /usr/bin/python3 -c "import $fw, ctypes; ctypes.CDLL('libgomp.so.1')" || fail "$tag: import $fw / libgomp"
  if [ "$fw" = keras ]; then chroot "$r" /usr/bin/python3 -c "import ctypes; ctypes.CDLL('libhdf5_serial.so.103')" || fail "$tag: libhdf5"; fi
  chroot "$r" /usr/bin/python3 -m pip check > "$work/pipcheck.txt" || fail "$tag: pip check: $(cat "$work/pipcheck.txt")"
  [ -z "$(chroot "$r" dpkg --audit 2>&1)" ] || fail "$tag: dpkg --audit: $(chroot "$r" dpkg --audit 2>&1 | head -3)"
  [ -z "$(chroot "$r" dpkg -V 2>&1)" ] || fail "$tag: dpkg -V: $(chroot "$r" dpkg -V 2>&1 | head -3)"
  chroot "$r" apt-get check > /dev/null 2>&1 || fail "$tag: apt-get check"
  chroot "$r" dpkg-query -W -f='${db:Status-Abbrev}' libgomp1 | grep -q '^ii' || fail "$tag: libgomp1 not installed per dpkg"
done

step "skopeo reads every pushed tag; umoci unpacks it; it runs"
for tag in $(json "$work/push1.json" "' '.join(t for i in d['images'] for t in i['tags'])"); do
  ref=$host/$tag
  skopeo inspect --tls-verify=false "docker://$ref" > "$work/inspect.json" || fail "skopeo inspect $ref"
  grep -q '"io.qingcloud.dlimage.framework"' "$work/inspect.json" || fail "labels missing on $ref"
done
ref=$host/qingcloud/tensorflow:1.12-py311-cpu-avx2-mkldnn
skopeo copy --quiet --src-tls-verify=false "docker://$ref" "oci:$work/pulled:img"
umoci unpack --image "$work/pulled:img" "$work/bundle" >/dev/null
rootfs=$work/bundle/rootfs
out=$(chroot "$rootfs" /usr/bin/python3 -c 'import tensorflow, numpy, six; print(tensorflow.BUILD, numpy.__version__)')
[ "$out" = "cpu-avx2-mkldnn 1.19.5" ] || fail "wrong build inside the image: $out (expected the cpu-avx2-mkldnn build and numpy 1.19.5, as resolved for Python 3.11)"
chroot "$rootfs" /usr/bin/python3 -m pip check | tee "$work/pipcheck.txt"
grep -q "No broken requirements found." "$work/pipcheck.txt" || fail "pip check"
chroot "$rootfs" /usr/local/bin/pip --version | grep -q "pip 23" || fail "pip console script"
[ -z "$(find "$rootfs/usr/local/lib" -name '*.pyc' | head -1)" ] || fail ".pyc files in the image"
# The base is dlimage's own (ci/make-base.sh, packages alone): dpkg and apt
# inside the image agree with what is on disk.
[ -z "$(chroot "$rootfs" dpkg --audit 2>&1)" ] || fail "dpkg --audit: $(chroot "$rootfs" dpkg --audit 2>&1 | head -3)"
[ -z "$(chroot "$rootfs" dpkg -V 2>&1)" ] || fail "dpkg -V: $(chroot "$rootfs" dpkg -V 2>&1 | head -3)"
chroot "$rootfs" apt-get check > /dev/null || fail "apt-get check"

step "the HTML report renders in headless Chromium with the matrix grid"
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
  --disable-component-update --disable-sync --user-data-dir="$work/chromium" \
  --dump-dom "file://$work/report.html" > "$work/report-dom.html" 2>/dev/null || fail "chromium could not load the report"
grep -q 'id="grid"' "$work/report-dom.html" || fail "no grid in the rendered report"
[ "$(grep -o 'data-cell="' "$work/report-dom.html" | wc -l)" = 5 ] || fail "the grid does not show the 5 images"
[ "$(grep -o 'class="cell pushed"' "$work/report-dom.html" | wc -l)" = 5 ] || fail "statuses missing from the grid"
# Per image: OS packages and wheels with versions, the base digest, full digests.
grep -q 'libgomp1 [0-9][^ ]* amd64' "$work/report-dom.html" || fail "no OS packages with versions in the report"
grep -qF 'numpy 1.19.5 (python3.11)' "$work/report-dom.html" || fail "no wheels with versions in the report"
for d in $(json "$work/push1.json" "' '.join(i['digest'] for i in d['images'])"); do
  grep -qF "<code class=\"digest\">$d</code>" "$work/report-dom.html" || fail "report: no full digest $d"
done
grep -q '<code class="base-digest">sha256:[0-9a-f]\{64\}</code>' "$work/report-dom.html" || fail "report: no base digest"

step "resolve from what is published (tags + image labels)"
best() { "$DL" resolve --from "docker://$host/qingcloud/tensorflow" --plain-http "$host" --format tags "$@" | head -1; }
[ "$(best --cpu haswell)" = "$host/qingcloud/tensorflow:1.12-py311-cpu-avx2-mkldnn" ] || fail "haswell: $(best --cpu haswell)"
[ "$(best --cpu SandyBridge)" = "$host/qingcloud/tensorflow:1.12-py311-cpu-avx" ] || fail "sandybridge"
[ "$(best --cpu westmere)" = "$host/qingcloud/tensorflow:1.12-py311-cpu" ] || fail "westmere"
[ "$(best --cpu haswell --nvidia-driver 387.26)" = "$host/qingcloud/tensorflow:1.12-py311-cu91-cudnn7.1" ] || fail "gpu"

# umoci 0.4.7 unpacks a tag only when it leads to one image manifest: an
# attested image's tag leads to BuildKit's index (image + attestation
# manifest), which it calls "ambiguous", so this layout is built without
# attestations (skopeo copy picks the image out of an attested one, above).
step "the OCI layout: umoci unpacks an image dlimage wrote (OCI format, --no-attest)"
"$DL" build -m "$ROOT/tests/e2e/matrix.yaml" --output "oci:$work/layout-oci" --no-attest --base "oci:$DL_BASE_OCI" \
  --wheels /usr/share/python-wheels --wheels "$work/wheels" --cache "$work/cache" --lock "$work/wheels.lock" \
  --no-catalog --quiet > /dev/null
umoci unpack --image "$work/layout-oci:qingcloud/keras:2.2-tf1.12-py311-cpu" "$work/bundle2" >/dev/null
chroot "$work/bundle2/rootfs" /usr/bin/python3 -c 'import keras, tensorflow, h5py' || fail "keras image"

step "base image pulled from a registry through --mirror, pinned by digest"
"$DL" copy --plain-http "$host" "oci:$DL_BASE_OCI:bookworm-python3" "docker://$host/library/debian:bookworm-python3" >/dev/null
"$DL" build -m "$ROOT/tests/e2e/matrix.yaml" --filter tag=latest-cpu --output "oci:$work/mirrored" \
  --mirror "docker.io=$host" --plain-http "$host" --wheels /usr/share/python-wheels --wheels "$work/wheels" \
  --cache "$work/cache" --lock "$work/wheels.lock" --no-catalog --json > "$work/mirrored.json"
[ "$(json "$work/mirrored.json" "d['images'][0]['digest']")" = \
  "$(json "$work/push1.json" "[i['digest'] for i in d['images'] if 'qingcloud/tensorflow:latest-cpu' in i['tags']][0]")" ] \
  || fail "an image on the pulled base differs from the one on the layout base"

step "no-op rerun uploads nothing"
"$DL" build "${common[@]}" --push --json > "$work/push2.json"
[ "$(json "$work/push2.json" "d['push']['cells_skipped']")" = 5 ] || fail "rerun did not skip every image"
[ "$(json "$work/push2.json" "d['push']['blobs_uploaded'] + d['push']['manifests_put']")" = 0 ] || fail "rerun uploaded"
[ "$(json "$work/push2.json" "sum(i['layers_new'] for i in d['images'])")" = 0 ] || fail "rerun rebuilt layers"

step "determinism: a fresh layout gets the same digests"
"$DL" build "${inputs[@]}" --output "oci:$work/out2" --json > "$work/again.json"
[ "$(json "$work/push1.json" "[i['digest'] for i in d['images']]")" = \
  "$(json "$work/again.json" "[i['digest'] for i in d['images']]")" ] || fail "digests differ between builds"

step "one wheel changed in the lock: only its image is republished"
python3 - "$work" <<'PY'
import hashlib, json, os, shutil, sys, zipfile
work = sys.argv[1]
lock_path = os.path.join(work, "wheels.lock")
lock = json.load(open(lock_path))
src = os.path.join(work, "wheels", "cpu-avx", "tensorflow-1.12.0-cp311-cp311-linux_x86_64.whl")
dst = os.path.join(work, "patched", os.path.basename(src))
os.makedirs(os.path.dirname(dst))
# Same wheel, one more file: a rebuilt wheel with identical name and version.
with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
    record = None
    for item in zin.infolist():
        data = zin.read(item)
        if item.filename.endswith("/RECORD"):
            record = (item, data)
            continue
        zout.writestr(item, data)
    extra = b"patched = True\n"
    import base64
    h = base64.urlsafe_b64encode(hashlib.sha256(extra).digest()).rstrip(b"=").decode()
    zout.writestr(zipfile.ZipInfo("tensorflow/_patch.py", (1980, 1, 1, 0, 0, 0)), extra)
    zout.writestr(record[0], record[1] + f"tensorflow/_patch.py,sha256={h},{len(extra)}\n".encode())
data = open(dst, "rb").read()
changed = 0
for key, env in lock["environments"].items():
    for w in env["wheels"]:
        if w["url"].endswith("/cpu-avx/" + os.path.basename(src)) or w["url"] == src:
            w.update(url=dst, sha256=hashlib.sha256(data).hexdigest(), size=len(data))
            changed += 1
assert changed == 1, changed
json.dump(lock, open(lock_path, "w"), indent=1, sort_keys=True)
PY
"$DL" build "${common[@]}" --push --json > "$work/push3.json"
[ "$(json "$work/push3.json" "d['push']['cells_skipped']")" = 4 ] || fail "expected 4 images untouched"
[ "$(json "$work/push3.json" "d['push']['manifests_put']")" = 2 ] || fail "expected the 2 tags of one image"

step "dlimage verify"
"$DL" verify -m "$ROOT/tests/e2e/matrix.yaml" --output "oci:$work/out" --base "oci:$DL_BASE_OCI" \
  --wheels /usr/share/python-wheels --wheels "$work/wheels" --cache "$work/cache" --lock "$work/wheels.lock" \
  --no-catalog --registry "$host" --plain-http "$host" | tee "$work/verify.txt"
grep -q "^8/8 tags verified" "$work/verify.txt" || fail "verify"
echo "E2E OK"
