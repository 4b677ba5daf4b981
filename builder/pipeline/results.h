// The results of a release run as data: the JSON `dlimage build --json`
// prints (a CI shard's artifact) and `dlimage verify --results` reads back
// to check the registry without rebuilding. Digests are always full;
// "tags" are the matrix's references, "pushed_tags" the ones this run pushed
// (after --registry rewriting).
//
// Schema 1 (the "schema" field; a reader refuses any other):
//   {"schema": 1, "kind": "dlimage.build",
//    "run": {"version", "commit", "command_line", "registry", "started", "seconds"},
//    "previous": "what the changes are against ("" = nothing)",
//    "images": [{"id", "tags": [REF...], "digest", "media_type", "size",
//                "uncompressed_size" (0 = unknown), "base": {"ref", "digest"},
//                "inputs": {"lock_digest", "recipe_digest"}, "os_packages",
//                "wheels", "changes": ["unchanged" | reasons],
//                "pushed", "pushed_tags": [REF...], "layers_*"}],
//    "dedup": {...}, "phases": [...], "push": {...}, "failures": [...],
//    "error": "what stopped the run" (only when it stopped)}
// Fields are only ever added within a schema; a reader ignores unknown ones.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "builder/pipeline/push.h"
#include "builder/pipeline/release.h"

namespace dl::pipeline {

inline constexpr int kResultsSchema = 1;

// The results document of a run, indented JSON text.
std::string results_json(const ReleaseReport& r);

// Every (tag, digest) of the images in a results file. A file that is not
// a schema-1 results document, or larger than 64 MiB, is an error naming
// the file.
Result<std::vector<ExpectedTag>> load_results(const std::string& path);

}  // namespace dl::pipeline
