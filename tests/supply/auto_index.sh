#!/usr/bin/env bash
# The `auto` tag (matrix.yaml auto_tag) end to end on a loopback registry:
# the tag is an OCI index of the group's ISA builds, the plain build first
# with no variant, the AVX2 build as amd64 variant v3, the AVX-only build
# left out (attestations are the images' referrers; with --attest-format
# buildkit their attestation manifests ride along); podman `pull --variant v3` (and --platform linux/amd64/v3) gets
# the AVX2 build, a plain pull the plain build; skopeo --override-variant v3
# agrees; the tags of the ISA builds stay as they were; verify passes.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${DL_BUILD_DIR:-$ROOT/build}
DL=$BUILD/dlimage
: "${DL_BASE_OCI:?run ci/make-base.sh first (ci/test.sh does)}"
work=$(mktemp -d /tmp/dlimage-auto.XXXXXX)
podman_=(podman --root "$work/podman/root" --runroot "$work/podman/run" --storage-driver vfs)
cleanup() {
  "${podman_[@]}" rmi -a -f >/dev/null 2>&1 || true
  "$ROOT/tests/registry/registryctl.sh" stop "$work/reg" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "AUTO FAIL: $*" >&2; exit 1; }
step() { echo "== $*"; }

step "the e2e matrix with an auto_tag on the tensorflow group; a loopback registry"
cp -r "$ROOT/tests/e2e/recipes" "$work/"
python3 - "$ROOT/tests/e2e/matrix.yaml" "$work/matrix.yaml" <<'PY'
import sys
text = open(sys.argv[1]).read()
anchor = '      - {tag: "latest-{accelerator.tag}{isa.tag}", when: {accelerator: cpu}}\n'
assert anchor in text
open(sys.argv[2], "w").write(text.replace(anchor, anchor + '    auto_tag: "{version}{python.tag}-{accelerator.tag}-auto"\n', 1))
PY
python3 "$ROOT/tests/fixtures/wheels/make_stand_ins.py" "$work/wheels" --payload-kb 16
export DL_BUILD_DIR=$BUILD
eval "$("$ROOT/tests/registry/registryctl.sh" start plain "$work/reg" | grep -E '^(host)=')"
[ -n "$host" ] || fail "registry did not start"
common=(-m "$work/matrix.yaml" --filter framework=tensorflow --base "oci:$DL_BASE_OCI"
        --wheels /usr/share/python-wheels --wheels "$work/wheels" --cache "$work/cache" --lock "$work/wheels.lock"
        --no-catalog --registry "$host" --plain-http "$host")
inputs=("${common[@]}" --output "oci:$work/out")

step "build + push"
"$DL" build "${inputs[@]}" --push --json > "$work/push.json" || { cat "$work/reg/"*.log | grep -i "error\|level=warn" | tail -5; fail "push"; }
auto=qingcloud/tensorflow:1.12-py311-cpu-auto
python3 - "$work/push.json" "$host/$auto" <<'PY' || fail "the auto tag was not built and pushed"
import json, sys
d = json.load(open(sys.argv[1]))
tags = [t for i in d["images"] for t in i.get("pushed_tags", [])]
assert sys.argv[2] in tags, tags
PY

step "the index: plain first with no variant, AVX2 as v3, AVX left out"
curl -fsS -H "Accept: application/vnd.oci.image.index.v1+json" "http://$host/v2/qingcloud/tensorflow/manifests/${auto#*:}" > "$work/auto.json"
image_of() {  # TAG -> the image manifest it names (attestations are its referrers)
  curl -fsS -H "Accept: application/vnd.oci.image.manifest.v1+json" "http://$host/v2/qingcloud/tensorflow/manifests/$1" > "$work/one.json"
  echo "sha256:$(sha256sum "$work/one.json" | cut -d' ' -f1)"
}
plain=$(image_of 1.12-py311-cpu) avx=$(image_of 1.12-py311-cpu-avx) avx2=$(image_of 1.12-py311-cpu-avx2-mkldnn)
python3 - "$work/auto.json" "$plain" "$avx2" "$avx" <<'PY' || fail "auto index: $(cat "$work/auto.json")"
import json, sys
idx = json.load(open(sys.argv[1])); plain, avx2, avx = sys.argv[2:5]
assert idx["mediaType"] == "application/vnd.oci.image.index.v1+json"
images = [m for m in idx["manifests"] if m["platform"]["os"] != "unknown"]
assert [m["digest"] for m in images] == [plain, avx2], images
assert images[0]["platform"] == {"architecture": "amd64", "os": "linux"}, images[0]
assert images[1]["platform"] == {"architecture": "amd64", "os": "linux", "variant": "v3"}, images[1]
assert avx not in [m["digest"] for m in idx["manifests"]]
assert len(images) == len(idx["manifests"]), "referrers-only attestation: no attestation manifests in the index"
PY
for d in "$plain" "$avx2"; do  # each image's statements are its referrers
  curl -fsS -H "Accept: application/vnd.oci.image.index.v1+json" "http://$host/v2/qingcloud/tensorflow/manifests/sha256-${d#sha256:}" |
    python3 -c "import json,sys; assert len(json.load(sys.stdin)['manifests']) == 2" || fail "referrers of $d"
done

step "--attest-format buildkit: each image's attestation manifest rides along in the auto index"
"$DL" build "${common[@]}" --output "oci:$work/bk" --attest-format buildkit --json > "$work/bk.json"
python3 - "$work/bk" "$auto" "$plain" "$avx2" <<'PY' || fail "BuildKit auto index"
import json, sys
root, auto, plain, avx2 = sys.argv[1:5]
blob = lambda d: json.load(open(f"{root}/blobs/sha256/{d[7:]}"))
top = [m for m in json.load(open(root + "/index.json"))["manifests"]
       if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == auto]
assert len(top) == 1, top
idx = blob(top[0]["digest"])
images = [m["digest"] for m in idx["manifests"] if m["platform"]["os"] != "unknown"]
assert images == [plain, avx2], (images, plain, avx2)
atts = [m for m in idx["manifests"] if m["platform"]["os"] == "unknown"]
assert sorted(a["annotations"]["vnd.docker.reference.digest"] for a in atts) == sorted([plain, avx2]), atts
PY

step "podman: --variant v3 gets the AVX2 build, a plain pull the plain build"
isa_of_pull() {  # podman pull args... -> the isa label of what it pulled
  "${podman_[@]}" rmi -a -f >/dev/null 2>&1 || true
  "${podman_[@]}" pull -q --tls-verify=false "$@" "docker://$host/$auto" > /dev/null 2> "$work/podman.err" \
    || fail "podman pull $*: $(cat "$work/podman.err")"
  "${podman_[@]}" image inspect --format '{{index .Labels "io.qingcloud.dlimage.isa"}}' "$host/$auto"
}
[ "$(isa_of_pull --variant v3)" = avx2-mkldnn ] || fail "podman pull --variant v3 did not get the AVX2 build"
[ "$(isa_of_pull --platform linux/amd64/v3)" = avx2-mkldnn ] || fail "podman pull --platform linux/amd64/v3"
[ "$(isa_of_pull)" = generic ] || fail "a plain podman pull did not get the plain build"

step "skopeo --override-variant v3 agrees"
label() { python3 -c "import json,sys; print(json.load(sys.stdin)['config']['Labels']['io.qingcloud.dlimage.isa'])"; }
[ "$(skopeo inspect --config --tls-verify=false --override-variant v3 "docker://$host/$auto" | label)" = avx2-mkldnn ] \
  || fail "skopeo --override-variant v3"
[ "$(skopeo inspect --config --tls-verify=false "docker://$host/$auto" | label)" = generic ] || fail "skopeo, no variant"
skopeo copy --quiet --src-tls-verify=false --override-variant v3 "docker://$host/$auto" "oci:$work/v3:img"
[ "$(skopeo inspect --raw "oci:$work/v3:img" | sha256sum | cut -d' ' -f1)" = "${avx2#sha256:}" ] || fail "skopeo copy v3"

step "rerun publishes nothing; verify"
"$DL" build "${inputs[@]}" --push --json > "$work/push2.json"
python3 -c "import json,sys; p=json.load(open(sys.argv[1]))['push']; assert p['manifests_put']==0 and p['blobs_uploaded']==0, p" "$work/push2.json" \
  || fail "the rerun published something"
"$DL" verify "${inputs[@]}" > "$work/verify.txt" || fail "verify: $(cat "$work/verify.txt")"
grep -q "^8/8 tags verified" "$work/verify.txt" || fail "verify: $(cat "$work/verify.txt")"

step "a partial build of the group writes no auto tag, and says so"
"$DL" build "${common[@]}" --output "oci:$work/part" --filter isa=generic > "$work/part.txt"
grep -q "1.12-py311-cpu-auto: not written: 1 of the 3 ISA builds" "$work/part.txt" || fail "partial: $(cat "$work/part.txt")"
! grep -q "cpu-auto\"" "$work/part/index.json" || fail "a partial auto index was written"
step "resolve knows the auto tag and which build it gives each CPU"
"$DL" resolve -m "$work/matrix.yaml" --cpu haswell | grep -q "qingcloud/tensorflow:1.12-py311-cpu-auto -> qingcloud/tensorflow:1.12-py311-cpu-avx2-mkldnn (--platform linux/amd64/v3)" \
  || fail "resolve haswell: $("$DL" resolve -m "$work/matrix.yaml" --cpu haswell)"
"$DL" resolve -m "$work/matrix.yaml" --cpu SandyBridge | grep -q "qingcloud/tensorflow:1.12-py311-cpu-auto -> qingcloud/tensorflow:1.12-py311-cpu (plain)" \
  || fail "resolve SandyBridge (AVX only: the plain entry)"
"$DL" resolve -m "$work/matrix.yaml" --cpu haswell --format json | python3 -c "import json,sys; a=json.load(sys.stdin)['auto']; assert a==[{'ref':'qingcloud/tensorflow:1.12-py311-cpu-auto','picks':'qingcloud/tensorflow:1.12-py311-cpu-avx2-mkldnn','variant':'v3'}], a" \
  || fail "resolve --format json auto"
echo "AUTO OK"
