#!/usr/bin/env bash
# SBOM and provenance attestations end to end, on a loopback Distribution
# 2.8 registry (no referrers API): build and push a slice of the e2e matrix
# (plus an artifact), then check with independent readers (python json,
# curl on the registry API, skopeo, umoci) that
#  - the SBOM lists every wheel of the lock with the lock's sha256, every OS
#    package of the image's dpkg status (read from the unpacked image), the
#    base image by digest and the artifact with its sha256;
#  - the provenance names the builder, matrix file and cell, the lock
#    entries' digest, the revision and the build parameters;
#  - by default the tag is the image manifest itself, in the registry and
#    in the layout (umoci unpacks the layout's tag), with the statements as
#    OCI referrers: the registry has no referrers API, and the referrers
#    tag sha256-<image hex> lists one artifact per statement with `subject`;
#  - --attest-format buildkit: the tag is an OCI index of the same image
#    (linux/amd64) and an attestation manifest (unknown/unknown,
#    vnd.docker.reference.*), the referrers as well; a typo in the format is
#    a usage error naming the nearest; --manifest-format docker attaches
#    the same statements as referrers of the Docker manifest;
#  - skopeo and umoci read the image; a fresh build gives the same bytes;
#    --no-attest leaves no referrers tag; `dlimage inspect` shows both
#    attestations either way.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${DL_BUILD_DIR:-$ROOT/build}
DL=$BUILD/dlimage
: "${DL_BASE_OCI:?run ci/make-base.sh first (ci/test.sh does)}"
work=$(mktemp -d /tmp/dlimage-attest.XXXXXX)
cleanup() { "$ROOT/tests/registry/registryctl.sh" stop "$work/reg" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "ATTEST FAIL: $*" >&2; exit 1; }
step() { echo "== $*"; }

step "a matrix with an artifact, stand-in wheels, a loopback registry"
cp -r "$ROOT/tests/e2e/recipes" "$ROOT/tests/e2e/matrix.yaml" "$work/"
mkdir -p "$work/artifacts/models" "$work/art-src/model"
echo "weights" > "$work/art-src/model/weights.txt"
tar -C "$work/art-src" -czf "$work/artifacts/models/model.tar.gz" model
art_sha=$(sha256sum "$work/artifacts/models/model.tar.gz" | cut -d' ' -f1)
printf 'artifacts:\n  - {url: "models/model.tar.gz", dest: /opt/model, strip: 1, sha256: "%s"}\n' "$art_sha" \
  >> "$work/recipes/tensorflow.yaml"
python3 "$ROOT/tests/fixtures/wheels/make_stand_ins.py" "$work/wheels" --payload-kb 16
export DL_BUILD_DIR=$BUILD
eval "$("$ROOT/tests/registry/registryctl.sh" start plain "$work/reg" | grep -E '^(host)=')"
[ -n "$host" ] || fail "registry did not start"
inputs=(-m "$work/matrix.yaml" --filter framework=tensorflow --filter accelerator=cpu --base "oci:$DL_BASE_OCI"
        --wheels /usr/share/python-wheels --wheels "$work/wheels" --artifacts "$work/artifacts" --cache "$work/cache"
        --lock "$work/wheels.lock" --no-catalog --revision 0123456789abcdef --source-date-epoch 1700000000)

step "build + push"
"$DL" build "${inputs[@]}" --output "oci:$work/out" --registry "$host" --plain-http "$host" --push --json > "$work/push.json"
tag=qingcloud/tensorflow:1.12-py311-cpu-avx2-mkldnn
repo=${tag%%:*}
api=http://$host/v2/$repo
IDX=application/vnd.oci.image.index.v1+json
MAN=application/vnd.oci.image.manifest.v1+json
get() { curl -fsS -H "Accept: $IDX, $MAN" "$api/$1"; }
get "manifests/${tag#*:}" > "$work/top.json"

step "the tag is the image manifest; the layout's tag is the same one"
image_digest=sha256:$(sha256sum "$work/top.json" | cut -d' ' -f1)
python3 - "$work/top.json" "$work/out/index.json" "$tag" "$image_digest" <<'PY' || fail "the tag is not the image"
import json, sys
top, idx, tag, digest = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3], sys.argv[4]
assert top["mediaType"] == "application/vnd.oci.image.manifest.v1+json", top.get("mediaType")
named = [m for m in idx["manifests"] if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == tag]
assert len(named) == 1 and named[0]["digest"] == digest, (named, digest)
assert named[0]["mediaType"] == top["mediaType"], named
PY
umoci unpack --rootless --image "$work/out:$tag" "$work/layout-bundle" >/dev/null || fail "umoci unpack of the layout's tag"
[ -f "$work/layout-bundle/rootfs/opt/model/weights.txt" ] || fail "umoci: artifact missing in the layout's image"

step "OCI referrers: no referrers API on Distribution 2.8, so the referrers tag lists them"
code=$(curl -s -o /dev/null -w '%{http_code}' "$api/referrers/$image_digest")
[ "$code" = 404 ] || echo "note: the registry answered $code on the referrers API"
get "manifests/sha256-${image_digest#sha256:}" > "$work/referrers.json"
python3 - "$work/referrers.json" "$image_digest" "$api" "$work" <<'PY' || fail "referrers tag"
import json, sys, urllib.request, hashlib
idx, subject, api = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3]
assert idx["mediaType"] == "application/vnd.oci.image.index.v1+json"
types = sorted(m["annotations"]["in-toto.io/predicate-type"] for m in idx["manifests"])
assert types == ["https://slsa.dev/provenance/v1", "https://spdx.dev/Document"], types
for m in idx["manifests"]:
    assert m["artifactType"] == "application/vnd.in-toto+json", m
    req = urllib.request.Request(api + "/manifests/" + m["digest"], headers={"Accept": m["mediaType"]})
    body = urllib.request.urlopen(req).read()
    assert "sha256:" + hashlib.sha256(body).hexdigest() == m["digest"]
    r = json.loads(body)
    assert r["subject"]["digest"] == subject, r["subject"]
    assert r["artifactType"] == "application/vnd.in-toto+json"
    assert r["config"] == {"mediaType": "application/vnd.oci.empty.v1+json", "size": 2,
        "digest": "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"}, r["config"]
    blob = urllib.request.urlopen(api + "/blobs/" + r["layers"][0]["digest"]).read()
    open(f"{sys.argv[4]}/stmt-{r['layers'][0]['digest'][7:]}.json", "wb").write(blob)
    st = json.loads(blob)
    assert st["_type"] == "https://in-toto.io/Statement/v1"
    assert st["subject"][0]["digest"]["sha256"] == subject[7:], st["subject"]
PY

step "skopeo and umoci read the pushed image"
skopeo inspect --tls-verify=false "docker://$host/$tag" | grep -q '"io.qingcloud.dlimage.cell"' || fail "skopeo inspect"
skopeo copy --quiet --src-tls-verify=false "docker://$host/$tag" "oci:$work/pulled:img"
umoci unpack --rootless --image "$work/pulled:img" "$work/bundle" >/dev/null || fail "umoci unpack"
[ -f "$work/bundle/rootfs/opt/model/weights.txt" ] || fail "artifact missing in the image"
skopeo copy --quiet --all --src-tls-verify=false "docker://$host/$tag" "oci:$work/all:img" || fail "skopeo copy --all"

step "the SBOM: every wheel with the lock's sha256, every OS package, the base, the artifact"
sbom=$(grep -l '"https://spdx.dev/Document"' "$work"/stmt-*.json)
prov=$(grep -l '"https://slsa.dev/provenance/v1"' "$work"/stmt-*.json)
python3 - "$sbom" "$work/wheels.lock" "$work/bundle/rootfs/var/lib/dpkg/status" "$tag" "$image_digest" "$art_sha" <<'PY' || fail "SBOM"
import json, sys
st = json.load(open(sys.argv[1])); doc = st["predicate"]
lock = json.load(open(sys.argv[2])); status = open(sys.argv[3]).read(); tag, image, art = sys.argv[4:7]
assert st["subject"][0]["digest"]["sha256"] == image[7:]
assert doc["spdxVersion"] == "SPDX-2.3" and doc["creationInfo"]["created"] == "2023-11-14T22:13:20Z", doc["creationInfo"]
pk = {p["SPDXID"]: p for p in doc["packages"]}
purl = lambda p: [r["referenceLocator"] for r in p.get("externalRefs", []) if r["referenceType"] == "purl"]
sha = lambda p: [c["checksumValue"] for c in p.get("checksums", []) if c["algorithm"] == "SHA256"]
wheels = {(p["name"], p["versionInfo"]): p for p in pk.values() if p["SPDXID"].startswith("SPDXRef-Wheel-")}
env = [e for k, e in lock["environments"].items() if k.startswith(tag + " ")]
assert len(env) == 1, list(lock["environments"])
locked = env[0]["wheels"]
assert len(wheels) == len(locked) and locked, (len(wheels), len(locked))
for w in locked:
    p = wheels[(w["name"], w["version"])]
    assert sha(p) == [w["sha256"]], (w["name"], sha(p), w["sha256"])
    assert purl(p)[0].startswith("pkg:pypi/"), purl(p)
installed = []
for para in status.split("\n\n"):
    f = dict(l.split(": ", 1) for l in para.splitlines() if ": " in l and not l.startswith(" "))
    if f.get("Status", "").endswith(" installed"):
        installed.append((f["Package"], f["Version"], f["Architecture"]))
debs = {(p["name"], p["versionInfo"]) for p in pk.values() if p["SPDXID"].startswith("SPDXRef-Deb-")}
assert installed and set((n, v) for n, v, a in installed) == debs, set((n, v) for n, v, a in installed) ^ debs
for p in pk.values():
    if p["SPDXID"].startswith("SPDXRef-Deb-"):
        assert purl(p)[0].startswith("pkg:deb/debian/" + p["name"] + "@"), purl(p)
base = [p for p in pk.values() if p["SPDXID"].startswith("SPDXRef-Base-")]
assert len(base) == 1 and base[0]["versionInfo"].startswith("sha256:") and purl(base[0])[0].startswith("pkg:oci/debian@sha256%3A"), base
arts = [p for p in pk.values() if p["SPDXID"].startswith("SPDXRef-Artifact-")]
assert len(arts) == 1 and sha(arts[0]) == [art] and arts[0]["downloadLocation"] == "models/model.tar.gz", arts
rels = {(r["spdxElementId"], r["relationshipType"], r["relatedSpdxElement"]) for r in doc["relationships"]}
assert ("SPDXRef-DOCUMENT", "DESCRIBES", "SPDXRef-Image") in rels
assert all(("SPDXRef-Image", "CONTAINS", i) in rels for i in pk if i.split("-")[1] in ("Deb", "Wheel", "Artifact"))
print(f"SBOM: {len(debs)} OS packages, {len(wheels)} wheels, 1 artifact, base {base[0]['versionInfo'][:19]}")
PY

step "the provenance"
python3 - "$prov" "$image_digest" <<'PY' || fail "provenance"
import json, sys
st = json.load(open(sys.argv[1])); p = st["predicate"]
assert st["subject"][0]["digest"]["sha256"] == sys.argv[2][7:]
bd, rd = p["buildDefinition"], p["runDetails"]
ext, internal = bd["externalParameters"], bd["internalParameters"]
assert rd["builder"]["id"] == "urn:dlimage:builder" and rd["builder"]["version"]["dlimage"], rd
assert ext["matrix"]["file"] == "matrix.yaml"
assert ext["cell"]["reference"] == "qingcloud/tensorflow:1.12-py311-cpu-avx2-mkldnn" and ext["cell"]["axes"]["isa"] == "avx2-mkldnn"
assert ext["source"]["revision"] == "0123456789abcdef"
assert internal == {"compression": {"algorithm": "gzip", "engine": "isa-l", "level": 1},
                    "manifestFormat": "oci", "sourceDateEpoch": 1700000000}, internal
deps = {d["name"]: d for d in bd["resolvedDependencies"]}
assert len(deps["wheel lock entries of the cell"]["digest"]["sha256"]) == 64
assert deps["base image"]["uri"] == "docker://docker.io/library/debian:bookworm-python3"
assert deps["source"]["digest"] == {"gitCommit": "0123456789abcdef"}
PY

step "dlimage inspect shows both, from the registry and from the layout"
"$DL" inspect --plain-http "$host" "docker://$host/$tag" > "$work/inspect.txt"
grep -q "SPDX SPDX-2.3: 1 base image, [0-9]* OS packages, [0-9]* wheels, 1 artifacts" "$work/inspect.txt" || fail "inspect: $(cat "$work/inspect.txt")"
grep -q "SLSA provenance v1: dlimage .*, cell $tag of matrix.yaml, revision 0123456789abcdef" "$work/inspect.txt" || fail "inspect: $(cat "$work/inspect.txt")"
"$DL" inspect --sbom "oci:$work/out:$tag" | python3 -c "import json,sys; assert json.load(sys.stdin)['spdxVersion']=='SPDX-2.3'" || fail "inspect --sbom"

step "deterministic: a fresh layout gets the same bytes; a rerun publishes nothing"
"$DL" build "${inputs[@]}" --output "oci:$work/out2" --json > "$work/again.json"
python3 -c "import json,sys; a,b=(json.load(open(f)) for f in sys.argv[1:]); assert [i['digest'] for i in a['images']]==[i['digest'] for i in b['images']]" \
  "$work/push.json" "$work/again.json" || fail "attested digests differ between builds"
"$DL" build "${inputs[@]}" --output "oci:$work/out" --registry "$host" --plain-http "$host" --push --json > "$work/push2.json"
python3 -c "import json,sys; p=json.load(open(sys.argv[1]))['push']; assert p['cells_skipped']==3 and p['manifests_put']==0 and p['blobs_uploaded']==0, p" "$work/push2.json" \
  || fail "the rerun published something"
"$DL" verify "${inputs[@]}" --output "oci:$work/out" --registry "$host" --plain-http "$host" | grep -q "^6/6 tags verified" || fail "verify"

step "--attest-format buildkit: the tag is BuildKit's index of the same image and its attestation manifest"
"$DL" build "${inputs[@]}" --output "oci:$work/bk" --attest-format buildkit --json > "$work/bk.json"
python3 - "$work/bk" "$tag" "$image_digest" <<'PY' || fail "BuildKit layout"
import json, sys, hashlib
root, tag, image = sys.argv[1:4]
blob = lambda d: open(f"{root}/blobs/sha256/{d[7:]}", "rb").read()
idx = json.load(open(root + "/index.json"))
named = [m for m in idx["manifests"] if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == tag]
assert len(named) == 1 and named[0]["mediaType"] == "application/vnd.oci.image.index.v1+json", named
i = json.loads(blob(named[0]["digest"]))
img, att = i["manifests"]
assert img["digest"] == image, (img["digest"], image)  # one image digest whatever the format
assert img["platform"] == {"architecture": "amd64", "os": "linux"}, img
assert att["platform"] == {"architecture": "unknown", "os": "unknown"}, att
assert att["annotations"] == {"vnd.docker.reference.digest": image,
                              "vnd.docker.reference.type": "attestation-manifest"}, att
m = json.loads(blob(att["digest"]))
types = sorted(l["annotations"]["in-toto.io/predicate-type"] for l in m["layers"])
assert types == ["https://slsa.dev/provenance/v1", "https://spdx.dev/Document"], types
for l in m["layers"]:
    assert l["mediaType"] == "application/vnd.in-toto+json"
    assert "sha256:" + hashlib.sha256(blob(l["digest"])).hexdigest() == l["digest"]
refs = [x for x in idx["manifests"] if x.get("annotations", {}).get("org.opencontainers.image.ref.name") == "sha256-" + image[7:]]
assert len(refs) == 1, "the referrers tag is written in BuildKit mode too"
PY
"$DL" inspect --json "oci:$work/bk:$tag" | python3 -c "
import json, sys
w = sorted(a['where'].split(' sha256:')[0] for a in json.load(sys.stdin)['attestations'])
assert w == ['attestation manifest'] * 2 + ['referrer'] * 2, w" || fail "inspect of the BuildKit layout"
set +e
"$DL" build "${inputs[@]}" --output "oci:$work/typo" --attest-format buildkti > /dev/null 2> "$work/typo.err"
rc=$?
set -e
[ "$rc" = 2 ] || fail "--attest-format buildkti: exit $rc, expected 2 (usage)"
grep -q "did you mean buildkit" "$work/typo.err" || fail "--attest-format typo: $(cat "$work/typo.err")"

step "--manifest-format docker: the tag is the Docker manifest, the statements its referrers"
"$DL" build "${inputs[@]}" --output "oci:$work/dk" --manifest-format docker --json > /dev/null
python3 - "$work/dk" "$tag" <<'PY' || fail "docker format referrers"
import json, sys
root, tag = sys.argv[1:3]
idx = json.load(open(root + "/index.json"))["manifests"]
name = lambda m: m.get("annotations", {}).get("org.opencontainers.image.ref.name")
top = [m for m in idx if name(m) == tag]
assert len(top) == 1 and top[0]["mediaType"] == "application/vnd.docker.distribution.manifest.v2+json", top
refs = [m for m in idx if name(m) == "sha256-" + top[0]["digest"][7:]]
assert len(refs) == 1, "no referrers tag for the Docker manifest"
listed = json.load(open(f"{root}/blobs/sha256/{refs[0]['digest'][7:]}"))["manifests"]
for r in listed:
    m = json.load(open(f"{root}/blobs/sha256/{r['digest'][7:]}"))
    assert m["subject"]["digest"] == top[0]["digest"], m["subject"]
    assert m["subject"]["mediaType"] == "application/vnd.docker.distribution.manifest.v2+json", m["subject"]
assert len(listed) == 2, listed
PY

step "--no-attest: the tags point at the image manifest, no referrers tag"
"$DL" build "${inputs[@]}" --output "oci:$work/plain" --no-attest --json > "$work/plain.json"
python3 - "$work/plain.json" "$work/plain/index.json" <<'PY' || fail "--no-attest"
import json, sys
r, idx = (json.load(open(f)) for f in sys.argv[1:])
assert all(i["media_type"] == "application/vnd.oci.image.manifest.v1+json" for i in r["images"]), r["images"]
names = [m.get("annotations", {}).get("org.opencontainers.image.ref.name", "") for m in idx["manifests"]]
assert not any(n.startswith("sha256-") for n in names), names
PY
echo "ATTEST OK"
