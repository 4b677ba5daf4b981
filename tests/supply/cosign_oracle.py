#!/usr/bin/env python3
"""An independent check of a cosign signature on a registry, done the way
containers/image (skopeo, podman) does it, without dlimage's code: read the
tag's manifest digest, fetch sha256-<hex>.sig, and for each simple-signing
layer fetch the payload blob (digest checked), parse it strictly, and check
the ECDSA signature (annotation dev.cosignproject.cosign/signature) with the
`openssl` CLI against the public key. Exit 0 when one layer names this tag
(docker-reference) and this digest and verifies; 1 otherwise, printing why.

usage: cosign_oracle.py HOST REPO TAG PUBKEY
"""
import base64, hashlib, json, subprocess, sys, tempfile, urllib.request, os

host, repo, tag, pubkey = sys.argv[1:5]
OCI = "application/vnd.oci.image.manifest.v1+json"
ACCEPT = ", ".join([OCI, "application/vnd.oci.image.index.v1+json",
                    "application/vnd.docker.distribution.manifest.v2+json"])

def get(path, accept=ACCEPT):
    req = urllib.request.Request(f"http://{host}/v2/{repo}/{path}", headers={"Accept": accept})
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.read()

manifest = get(f"manifests/{tag}")
digest = "sha256:" + hashlib.sha256(manifest).hexdigest()
try:
    sig = json.loads(get(f"manifests/sha256-{digest[7:]}.sig", OCI))
except Exception as e:
    print(f"no signature manifest for {digest}: {e}")
    sys.exit(1)
reasons = []
for layer in sig.get("layers", []):
    if layer.get("mediaType") != "application/vnd.dev.cosign.simplesigning.v1+json":
        continue
    payload = get(f"blobs/{layer['digest']}")
    if "sha256:" + hashlib.sha256(payload).hexdigest() != layer["digest"]:
        reasons.append("payload digest mismatch"); continue
    p = json.loads(payload)
    if set(p) != {"critical", "optional"} or set(p["critical"]) != {"identity", "image", "type"}:
        reasons.append(f"payload fields {sorted(p)}"); continue
    c = p["critical"]
    if c["type"] != "cosign container image signature":
        reasons.append(f"type {c['type']}"); continue
    if c["image"] != {"docker-manifest-digest": digest}:
        reasons.append(f"signs {c['image']}, not {digest}"); continue
    if c["identity"] != {"docker-reference": f"{host}/{repo}:{tag}"}:
        reasons.append(f"identity {c['identity']}"); continue
    der = base64.b64decode(layer["annotations"]["dev.cosignproject.cosign/signature"])
    with tempfile.TemporaryDirectory() as d:
        open(os.path.join(d, "p"), "wb").write(payload)
        open(os.path.join(d, "s"), "wb").write(der)
        r = subprocess.run(["openssl", "dgst", "-sha256", "-verify", pubkey, "-signature",
                            os.path.join(d, "s"), os.path.join(d, "p")], capture_output=True, text=True)
    if r.returncode != 0:
        reasons.append("openssl: signature does not verify with this key"); continue
    print(f"{host}/{repo}:{tag} {digest}: signature verified")
    sys.exit(0)
print(f"{host}/{repo}:{tag} {digest}: no valid signature: {reasons}")
sys.exit(1)
