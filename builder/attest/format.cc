#include "builder/attest/format.h"

#include "base/strings.h"

namespace dl::attest {

Result<Format> parse_format(std::string_view name) {
  if (name == "referrers") return Format::referrers;
  if (name == "buildkit") return Format::buildkit;
  std::string hint = nearest(name, {"referrers", "buildkit"});
  return invalid("attestation format '" + std::string(name) + "': expected referrers or buildkit" +
                 (hint.empty() ? "" : " (did you mean " + hint + "?)"));
}

std::string_view format_name(Format f) { return f == Format::buildkit ? "buildkit" : "referrers"; }

}  // namespace dl::attest
