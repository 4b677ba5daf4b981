#!/usr/bin/env bash
# Pulls every base image the matrix names into one OCI layout, byte for byte
# (so each keeps its registry digest), for the release workflow's shards:
# they all build on the same bytes, whatever the upstream tags do meanwhile.
# A base written as NAME:TAG@sha256:... in matrix.yaml is pulled by that
# digest. Each image is tagged in the layout under its bare tag, which the
# build's --base lookup finds (two bases with one bare tag are an error).
# Prints "REF DIGEST" per base, also kept in LAYOUT.digests.
# Usage: [MATRIX=matrix.yaml] ci/pull-bases.sh DLIMAGE LAYOUT_DIR [dlimage registry flags...]
set -euo pipefail
DL=${1:?usage: pull-bases.sh DLIMAGE LAYOUT_DIR}
layout=${2:?usage: pull-bases.sh DLIMAGE LAYOUT_DIR}
shift 2
: > "$layout.digests.tmp"
declare -A seen=()
for ref in $("$DL" matrix -m "${MATRIX:-matrix.yaml}" --format bases); do
  name=${ref%@*}
  tag=${name##*:}
  if [ "$tag" = "$name" ] || [[ $tag == */* ]]; then tag=latest; fi
  if [ -n "${seen[$tag]:-}" ]; then
    echo "pull-bases: $ref and ${seen[$tag]} share the tag '$tag' in $layout" >&2
    exit 1
  fi
  seen[$tag]=$ref
  digest=$("$DL" copy "$@" "docker://$ref" "oci:$layout:$tag" | sed -n 's/^digest: //p')
  echo "$ref $digest" | tee -a "$layout.digests.tmp"
done
mv "$layout.digests.tmp" "$layout.digests"
