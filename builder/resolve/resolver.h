// Resolving requirements to one wheel per project for one Environment, with
// pip's answers: the algorithm is resolvelib's backtracking with pip's
// provider (preference order, candidate order, extras as separate nodes
// pinned to their base, Requires-Python as a node, PEP 592 yanking), so the
// closure equals `pip download --only-binary=:all:` for the same target
// (tests/resolve_pip_test.sh checks that on generated graphs).
// A failure is explained as a derivation a person can follow:
//   because the request needs keras==2.2.4
//   and keras 2.2.4 needs h5py<2
//   and the request needs h5py>=2.7
//   and no version of h5py matches h5py<2,>=2.7 (available: 2.9.0, 2.8.0),
//   the requirements cannot be satisfied.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "base/result.h"
#include "builder/resolve/environment.h"
#include "builder/resolve/index.h"

namespace dl::resolve {

struct Pin {
  std::string name;     // PEP 503 normalised
  std::string version;  // normalised
  wheel::WheelLink file;
  std::vector<std::string> extras;     // extras that were activated, sorted
  std::vector<std::string> requires_;  // names of the pins it depends on, sorted
};

struct ResolveOptions {
  // Locked versions (normalised name -> version): tried first, as pip tries
  // an installed version first, so re-resolving changes as little as possible.
  std::map<std::string, std::string> preferred;
  bool allow_prereleases = false;
  size_t max_rounds = 200000;
};

struct Resolution {
  std::vector<Pin> pins;  // sorted by name
  size_t rounds = 0;
  size_t backtracks = 0;
};

// `requirements` are PEP 508 strings; ones whose marker is false for `env`
// are dropped, as pip drops them. Unsatisfiable: ErrorKind::invalid_input
// carrying the derivation (several lines).
Result<Resolution> resolve(Index& index, const Environment& env, const std::vector<std::string>& requirements,
                           const ResolveOptions& options = {});

// "name==version filename" lines, sorted: the CLI's and the tests' format.
std::string format_pins(const Resolution& r);

}  // namespace dl::resolve
