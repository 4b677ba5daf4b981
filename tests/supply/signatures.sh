#!/usr/bin/env bash
# cosign-compatible signatures, checked by independent verifiers: build and
# push a slice of tests/e2e/matrix.yaml to a loopback Distribution registry
# with --sign-key, then
#  - skopeo with a policy.json `sigstoreSigned` (keyPath) requirement. A
#    skopeo with sigstore support must accept every tag and reject the wrong
#    key, a moved tag and a changed manifest. Debian 12's skopeo 1.9.3 (and
#    podman, buildah) are built with sigstore verification patched out
#    ("Debian-local change: sigstore disabled"): with it the test checks what
#    it can, that skopeo finds and reads every signature of a tag (one
#    reason per signature layer) and finds none on an unsigned tag;
#  - tests/supply/cosign_oracle.py, the containers/image algorithm in
#    Python with `openssl dgst -verify` doing the ECDSA check;
#  - `dlimage verify --key` (exit 0, 4 for a bad signature, 3 for a digest
#    that changed).
# Keys come from the openssl CLI: a plain EC key and a PKCS#8 encrypted one
# (COSIGN_PASSWORD), which never shows up in any output.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${DL_BUILD_DIR:-$ROOT/build}
DL=$BUILD/dlimage
: "${DL_BASE_OCI:?run ci/make-base.sh first (ci/test.sh does)}"
work=$(mktemp -d /tmp/dlimage-sign.XXXXXX)
cleanup() { "$ROOT/tests/registry/registryctl.sh" stop "$work/reg" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "SIGN FAIL: $*" >&2; exit 1; }
step() { echo "== $*"; }

step "keys (openssl), stand-in wheels, a loopback registry"
openssl ecparam -name prime256v1 -genkey -noout -out "$work/cosign.key" 2>/dev/null
openssl pkey -in "$work/cosign.key" -pubout -out "$work/cosign.pub"
openssl ecparam -name prime256v1 -genkey -noout -out "$work/other.key" 2>/dev/null
openssl pkey -in "$work/other.key" -pubout -out "$work/other.pub"
secret="pass-$RANDOM-$RANDOM"
openssl pkcs8 -topk8 -v2 aes-256-cbc -passout "pass:$secret" -in "$work/cosign.key" -out "$work/enc.key"
python3 "$ROOT/tests/fixtures/wheels/make_stand_ins.py" "$work/wheels" --payload-kb 16
export DL_BUILD_DIR=$BUILD
eval "$("$ROOT/tests/registry/registryctl.sh" start plain "$work/reg" | grep -E '^(host)=')"
[ -n "$host" ] || fail "registry did not start"
common=(-m "$ROOT/tests/e2e/matrix.yaml" --filter framework=tensorflow --filter accelerator=cpu
        --output "oci:$work/out" --base "oci:$DL_BASE_OCI" --wheels /usr/share/python-wheels --wheels "$work/wheels"
        --cache "$work/cache" --lock "$work/wheels.lock" --no-catalog --registry "$host" --plain-http "$host")

step "build + push + sign (encrypted key, COSIGN_PASSWORD)"
COSIGN_PASSWORD=$secret "$DL" build "${common[@]}" --push --sign-key "$work/enc.key" --json > "$work/push.json" 2> "$work/push.err"
! grep -q "$secret" "$work/push.json" "$work/push.err" || fail "the passphrase reached the output"
python3 - "$work/push.json" <<'PY' || fail "expected 6 new signatures"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["signing"] == {"signed": 6, "already_signed": 0}, d.get("signing")
PY
tags=$(python3 -c "import json,sys; print(' '.join(t for i in json.load(open(sys.argv[1]))['images'] for t in i['tags']))" "$work/push.json")

step "a wrong passphrase fails before anything is built, and is not printed"
if COSIGN_PASSWORD="wrong-$secret" "$DL" build "${common[@]}" --push --sign-key "$work/enc.key" > "$work/bad.out" 2> "$work/bad.err"; then
  fail "a wrong passphrase was accepted"
fi
grep -q "wrong passphrase" "$work/bad.err" || fail "no clear error: $(cat "$work/bad.err")"
! grep -q "$secret" "$work/bad.out" "$work/bad.err" || fail "the passphrase reached the output"

step "rerun: nothing re-signed"
"$DL" build "${common[@]}" --push --sign-key "$work/cosign.key" --json > "$work/push2.json"
python3 -c "import json,sys; s=json.load(open(sys.argv[1]))['signing']; assert s=={'signed':0,'already_signed':6}, s" "$work/push2.json" \
  || fail "the rerun signed again"

step "skopeo (policy sigstoreSigned, keyPath) and the oracle accept every tag"
mkdir -p "$work/regd"
printf 'docker:\n  %s:\n    use-sigstore-attachments: true\n' "$host" > "$work/regd/default.yaml"
policy() {  # policy.json requiring a signature by $1 for the test registry
  cat > "$work/policy.json" <<JSON
{"default": [{"type": "reject"}],
 "transports": {
   "docker": {"$host": [{"type": "sigstoreSigned", "keyPath": "$1", "signedIdentity": {"type": "matchRepoDigestOrExact"}}]},
   "oci": {"": [{"type": "insecureAcceptAnything"}]}}}
JSON
}
pull() { skopeo --policy "$work/policy.json" --registries.d "$work/regd" copy --quiet --src-tls-verify=false \
           "docker://$host/$1" "oci:$work/pulled:x" 2> "$work/skopeo.err"; }
sigstore_disabled=0
grep -q "Debian-local change: sigstore disabled" "$(command -v skopeo)" && sigstore_disabled=1
oracle() { python3 "$ROOT/tests/supply/cosign_oracle.py" "$host" "${1%%:*}" "${1#*:}" "$2" > "$work/oracle.txt"; }
skopeo_accepts() {  # TAG NSIGS: skopeo accepts TAG, or (sigstore disabled) reads its NSIGS signatures
  if [ $sigstore_disabled = 0 ]; then pull "$1" || fail "skopeo rejected $1: $(cat "$work/skopeo.err")"; return; fi
  if pull "$1"; then fail "a skopeo without sigstore accepted $1"; fi
  grep -q "None of the signatures were accepted" "$work/skopeo.err" || fail "skopeo found no signature on $1: $(cat "$work/skopeo.err")"
  n=$(grep -o "Debian-local change: sigstore disabled" "$work/skopeo.err" | wc -l)
  [ "$n" = "$2" ] || fail "skopeo read $n signatures of $1, expected $2: $(cat "$work/skopeo.err")"
}
skopeo_rejects() {
  if pull "$1"; then fail "skopeo accepted $1 ($2)"; fi
}
policy "$work/cosign.pub"
for t in $tags; do
  # The two tags of one image share its signature manifest: one layer each.
  skopeo_accepts "$t" 2
  oracle "$t" "$work/cosign.pub" || fail "oracle: $(cat "$work/oracle.txt")"
done

step "an unsigned tag: skopeo finds no signature"
skopeo --insecure-policy copy --quiet --src-tls-verify=false --dest-tls-verify=false \
  "docker://$host/qingcloud/tensorflow:1.12-py311-cpu" "docker://$host/qingcloud/unsigned:1"
if pull qingcloud/unsigned:1; then fail "skopeo accepted an unsigned image"; fi
grep -q "no signature exists" "$work/skopeo.err" || fail "unsigned: $(cat "$work/skopeo.err")"

step "dlimage verify --key agrees"
verify=(-m "$ROOT/tests/e2e/matrix.yaml" --filter framework=tensorflow --filter accelerator=cpu --output "oci:$work/out"
        --base "oci:$DL_BASE_OCI" --wheels /usr/share/python-wheels --wheels "$work/wheels" --cache "$work/cache"
        --lock "$work/wheels.lock" --no-catalog --registry "$host" --plain-http "$host")
"$DL" verify "${verify[@]}" --key "$work/cosign.pub" > "$work/verify.txt" || fail "verify --key: $(cat "$work/verify.txt")"
grep -q "^6/6 signatures verified" "$work/verify.txt" || fail "verify: $(cat "$work/verify.txt")"

step "the wrong key is rejected"
t1=qingcloud/tensorflow:1.12-py311-cpu
policy "$work/other.pub"
[ $sigstore_disabled = 1 ] || skopeo_rejects "$t1" "signed by another key"
if oracle "$t1" "$work/other.pub"; then fail "the oracle accepted another key"; fi
grep -q "does not verify" "$work/oracle.txt" || fail "oracle: $(cat "$work/oracle.txt")"
set +e; "$DL" verify "${verify[@]}" --key "$work/other.pub" > "$work/verify2.txt"; rc=$?; set -e
[ "$rc" = 4 ] || fail "verify with the wrong key: exit $rc, expected 4: $(cat "$work/verify2.txt")"
grep -q "does not verify with this key" "$work/verify2.txt" || fail "verify does not say why: $(cat "$work/verify2.txt")"
! grep -q "BEGIN" "$work/verify2.txt" || fail "key material in the output"

step "a tag moved to another signed image is rejected: its signature names another tag"
policy "$work/cosign.pub"
skopeo --insecure-policy copy --quiet --src-tls-verify=false --dest-tls-verify=false \
  "docker://$host/qingcloud/tensorflow:1.12-py311-cpu-avx" "docker://$host/qingcloud/tensorflow:latest-cpu"
[ $sigstore_disabled = 1 ] || skopeo_rejects qingcloud/tensorflow:latest-cpu "moved tag"
if oracle qingcloud/tensorflow:latest-cpu "$work/cosign.pub"; then fail "the oracle accepted a moved tag"; fi
set +e; "$DL" verify "${verify[@]}" --key "$work/cosign.pub" > "$work/verify3.txt"; rc=$?; set -e
[ "$rc" = 3 ] || fail "verify after the tag moved: exit $rc, expected 3"

step "a manifest changed under its signature is rejected: the signature names another digest"
api=http://$host/v2/qingcloud/tensorflow
mt=application/vnd.oci.image.manifest.v1+json  # the tag: the image manifest (attestations are its referrers)
curl -fsS -H "Accept: $mt" "$api/manifests/1.12-py311-cpu" -o "$work/m.json"
old=$(sha256sum "$work/m.json" | cut -d' ' -f1)
sigmt=application/vnd.oci.image.manifest.v1+json
curl -fsS -H "Accept: $sigmt" "$api/manifests/sha256-$old.sig" -o "$work/sig.json"
# The same manifest with one more annotation: another digest; the old signature copied to it.
python3 -c "import json,sys; m=json.load(open(sys.argv[1])); m.setdefault('annotations',{})['x']='tampered'; open(sys.argv[1],'w').write(json.dumps(m))" "$work/m.json"
new=$(sha256sum "$work/m.json" | cut -d' ' -f1)
curl -fsS -X PUT -H "Content-Type: $mt" --data-binary "@$work/m.json" "$api/manifests/1.12-py311-cpu" >/dev/null
curl -fsS -X PUT -H "Content-Type: $sigmt" --data-binary "@$work/sig.json" "$api/manifests/sha256-$new.sig" >/dev/null
[ $sigstore_disabled = 1 ] || skopeo_rejects "$t1" "changed manifest"
if oracle "$t1" "$work/cosign.pub"; then fail "the oracle accepted a changed manifest"; fi
grep -q "signs {'docker-manifest-digest': 'sha256:$old'}" "$work/oracle.txt" || fail "oracle: $(cat "$work/oracle.txt")"
echo "SIGN OK (skopeo sigstore verification: $([ $sigstore_disabled = 1 ] && echo "disabled in this build; discovery checked" || echo checked))"
