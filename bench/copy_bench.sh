#!/usr/bin/env bash
# Copy a multi-layer image (~300 MB by default) from an OCI layout to a local
# docker-registry with `dlimage copy` and with `skopeo copy`, each into a
# fresh repository, and print both times and their ratio.
#   bench/copy_bench.sh [DLIMAGE_BINARY] [TOTAL_MB]
set -euo pipefail
DLIMAGE=${1:-${DLIMAGE:-build/dlimage}}
TOTAL_MB=${2:-300}
LAYERS=6
command -v docker-registry >/dev/null || { echo "docker-registry missing (Debian package docker-registry)"; exit 1; }
command -v skopeo >/dev/null || { echo "skopeo missing (Debian package skopeo)"; exit 1; }
[ -x "$DLIMAGE" ] || { echo "dlimage binary not found: $DLIMAGE"; exit 1; }

WORK=$(mktemp -d /var/tmp/copy-bench-XXXXXX)
REG_PID=
cleanup() { [ -n "$REG_PID" ] && kill "$REG_PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$WORK/registry.yml" <<YML
version: 0.1
storage: {filesystem: {rootdirectory: $WORK/storage}, delete: {enabled: true}}
http: {addr: 127.0.0.1:$PORT}
log: {level: error}
YML
docker-registry serve "$WORK/registry.yml" > "$WORK/registry.log" 2>&1 &
REG_PID=$!
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$PORT/v2/" >/dev/null && break; sleep 0.1; done

# OCI layout: LAYERS incompressible "layers" (random bytes stored as
# uncompressed tar media type; the copy moves bytes and never unpacks).
L=$WORK/layout
mkdir -p "$L/blobs/sha256"
echo '{"imageLayoutVersion":"1.0.0"}' > "$L/oci-layout"
layers_json=""; diff_ids=""
per=$((TOTAL_MB / LAYERS))
for i in $(seq $LAYERS); do
  head -c $((per * 1024 * 1024 + i)) /dev/urandom > "$WORK/layer"
  d=$(sha256sum "$WORK/layer" | cut -d' ' -f1); s=$(stat -c %s "$WORK/layer")
  mv "$WORK/layer" "$L/blobs/sha256/$d"
  layers_json+="${layers_json:+,}{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"sha256:$d\",\"size\":$s}"
  diff_ids+="${diff_ids:+,}\"sha256:$d\""
done
printf '{"architecture":"amd64","os":"linux","config":{},"rootfs":{"type":"layers","diff_ids":[%s]}}' "$diff_ids" > "$WORK/config"
cd_=$(sha256sum "$WORK/config" | cut -d' ' -f1); cs=$(stat -c %s "$WORK/config"); mv "$WORK/config" "$L/blobs/sha256/$cd_"
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[%s]}' "$cd_" "$cs" "$layers_json" > "$WORK/manifest"
md=$(sha256sum "$WORK/manifest" | cut -d' ' -f1); ms=$(stat -c %s "$WORK/manifest"); mv "$WORK/manifest" "$L/blobs/sha256/$md"
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"bench"}}]}' "$md" "$ms" > "$L/index.json"

now() { date +%s.%N; }
t0=$(now)
"$DLIMAGE" copy --plain-http "127.0.0.1:$PORT" --jobs 4 "oci:$L:bench" "docker://127.0.0.1:$PORT/bench/dlimage:latest" > /dev/null
t1=$(now)
skopeo copy -q --dest-tls-verify=false "oci:$L:bench" "docker://127.0.0.1:$PORT/bench/skopeo:latest"
t2=$(now)
python3 - "$t0" "$t1" "$t2" "$TOTAL_MB" <<'PY'
import sys
t0, t1, t2, mb = map(float, sys.argv[1:])
d, s = t1 - t0, t2 - t1
print(f"copy {mb:.0f} MB oci layout -> local registry")
print(f"dlimage copy: {d:.2f} s")
print(f"skopeo copy:  {s:.2f} s")
print(f"ratio dlimage/skopeo: {d / s:.2f} (lower is better)")
PY
