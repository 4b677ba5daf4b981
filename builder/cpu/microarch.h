// The CPU model: named microarchitectures (data/microarchitectures.yaml) with
// their full feature sets, spelled as Linux /proc/cpuinfo flags. Names are for
// people (`--cpu haswell`, "this machine is a zen3"); verdicts about which
// image runs where use feature sets only (see resolve.h).
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace dl::cpu {

using FeatureSet = std::set<std::string>;

struct Microarchitecture {
  std::string name;                  // canonical, e.g. "sandybridge"
  std::string vendor;                // GenuineIntel | AuthenticAMD | ARM | generic
  std::vector<std::string> parents;  // "from"
  std::vector<std::string> aliases;  // "SandyBridge", "snb", "Sandy Bridge"
  FeatureSet features;               // full set, inherited ones included
  std::string arch;                  // OCI spelling (amd64, arm64): declared by a root, inherited
  size_t ancestors = 0;              // distinct transitive parents
};

class CpuModel {
 public:
  // Errors read "<source>:<line>:<col>: <what>".
  static Result<CpuModel> parse(std::string_view yaml_text, const std::string& source);
  static Result<CpuModel> load(const std::string& path);
  // The copy of data/microarchitectures.yaml compiled into the binary.
  static Result<CpuModel> embedded();

  const std::vector<Microarchitecture>& all() const { return archs_; }
  // Case-insensitive, and '-', '_' and ' ' are one separator ("neoverse-n1"
  // is neoverse_n1, as GCC's -mcpu spells it); accepts canonical names and
  // aliases. nullptr if unknown.
  const Microarchitecture* find(std::string_view name) const;
  // The generic root of an architecture (x86_64 for amd64, aarch64 for
  // arm64): what is known of a machine given only --arch. nullptr if none.
  const Microarchitecture* generic_for(std::string_view oci_arch) const;
  // Like find(), but an unknown name is an error suggesting the nearest name.
  Result<const Microarchitecture*> lookup(std::string_view name) const;
  // Maps other spellings ("sse4.1", "sse3") to the /proc/cpuinfo flag name.
  std::string canonical_flag(std::string_view flag) const;
  FeatureSet canonical_flags(const FeatureSet& flags) const;

  // The most specific microarchitecture whose features are all in `flags`:
  // most features wins; ties prefer a vendor match, then the older entry (fewer
  // ancestors: alderlake over raptorlake, whose ISA is identical). Entries of
  // another vendor are skipped when `vendor` is known (a Zen has every Skylake
  // feature but is not a Skylake). nullptr when nothing matches.
  const Microarchitecture* best_match(const FeatureSet& flags, std::string_view vendor) const;

 private:
  std::vector<Microarchitecture> archs_;
  std::vector<std::pair<std::string, std::string>> flag_aliases_;
};

// Every ISA feature a matrix's isa: entries require must be a flag the CPU
// data knows (or an alias of one): a misspelt "avx512" would otherwise make an
// image no machine is ever offered. The error names the entry and suggests
// the nearest known flag.
Status check_isa_features(const CpuModel& model,
                          const std::vector<std::pair<std::string, std::vector<std::string>>>& isa,
                          const std::string& source);

// Features in `required` that `have` lacks, in `required`'s order.
std::vector<std::string> missing_features(const std::vector<std::string>& required, const FeatureSet& have);

}  // namespace dl::cpu
