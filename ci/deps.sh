#!/usr/bin/env bash
# Installs the Debian packages dlimage builds and tests with, if missing.
# Usage: ci/deps.sh [extra-package...]
set -euo pipefail
PKGS=(
  build-essential cmake ninja-build pkg-config git
  libarchive-dev libcurl4-openssl-dev libssl-dev libyaml-cpp-dev libcli11-dev
  libzstd-dev nlohmann-json3-dev libgtest-dev zlib1g-dev libdeflate-dev libisal-dev
  docker-registry skopeo umoci mmdebstrap apache2-utils openssl ca-certificates
  zsh fish groff-base man-db
  python3 python3-pip-whl python3-setuptools-whl python3-wheel-whl pigz zstd curl chromium
  libsolv-dev libsolvext-dev gpgv sqv gnupg apt-utils dpkg-dev
  clang-14 clang-format-14 clang-tidy-14 libclang-rt-14-dev
  "$@"
)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "ci/deps.sh: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -q
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
