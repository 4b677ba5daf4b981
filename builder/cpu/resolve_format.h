// How `dlimage resolve` prints a Resolution: a table for people, one ref per
// line for scripts (aliases right after their image), or JSON.
#pragma once

#include <map>
#include <string>

#include "builder/cpu/resolve.h"

namespace dl::cpu {

// Digests by cell id, when the images are the published ones (resolve
// --from): the table gets a DIGEST column, JSON a "digest" per image, and
// the docker run line pins the digest.
using CellDigests = std::map<std::string, std::string>;

std::string format_table(const Resolution& r, const Machine& m, bool explain, const CellDigests& digests = {});
// Images only; auto tags (matrix auto_tag) are in the table and JSON.
std::string format_tags(const Resolution& r, const Machine& m);
std::string format_json(const Resolution& r, const Machine& m, const CellDigests& digests = {});
// A ready command for an image: `--gpus all` for CUDA (Docker >= 19.03 with
// the NVIDIA container toolkit), the ROCm device nodes for ROCm.
// With a digest, the reference is pinned: REPO:TAG@sha256:...
std::string docker_run_line(const matrix::Cell& c, const std::string& digest = "");
// "excluded:" followed by one line per excluded image and its reasons.
std::string format_explain(const Resolution& r);

}  // namespace dl::cpu
