#include "builder/cpu/resolve_format.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>

#include "base/strings.h"
#include "builder/cpu/levels.h"

namespace dl::cpu {
namespace {

std::string machine_line(const Machine& m) {
  std::string s = "machine: cpu " + m.cpu;
  s += "; NVIDIA driver " + (m.nvidia_driver ? m.nvidia_driver->text : std::string("none"));
  if (m.compute_capability) s += " (compute capability " + m.compute_capability->text + ")";
  s += "; ROCm " + (m.rocm ? m.rocm->text : std::string("none"));
  return s + "\n";
}

std::string accelerator_of(const matrix::Cell& c) {
  return c.accelerator.key.empty() ? c.accelerator.kind : c.accelerator.key;
}

std::string pad(const std::string& s, size_t w) {
  return s.size() >= w ? s + "  " : s + std::string(w - s.size() + 2, ' ');
}

}  // namespace

std::string digest_of(const CellDigests& d, const matrix::Cell& c) {
  auto it = d.find(c.id);
  return it == d.end() ? "" : it->second;
}

std::string docker_run_line(const matrix::Cell& c, const std::string& digest) {
  std::string flags;
  if (c.accelerator.kind == "cuda") flags = " --gpus all";
  if (c.accelerator.kind == "rocm") flags = " --device=/dev/kfd --device=/dev/dri --group-add video";
  return "docker run -it --rm" + flags + " " + c.ref() + (digest.empty() ? "" : "@" + digest);
}

std::string format_explain(const Resolution& r) {
  std::string out = "excluded:\n";
  if (r.excluded.empty()) out += "  (none)\n";
  for (const auto& v : r.excluded) out += "  " + v.cell->ref() + ": " + join(v.reasons, "; ") + "\n";
  return out;
}

// The auto tags among the runnable images, each with the entry a
// variant-aware engine (Docker >= 23) picks on this machine: the highest
// level in the index the machine reaches and can run.
struct AutoPick {
  std::string ref;           // repo:auto_tag
  const matrix::Cell* cell;  // what it resolves to here
  std::string variant;       // "" = the plain entry
};
std::vector<AutoPick> auto_picks(const Resolution& r, const Machine& m) {
  auto model = CpuModel::embedded();
  std::string level = model.ok() ? amd64_level(*model, m.features) : "v1";
  std::vector<AutoPick> out;
  std::map<std::string, size_t> at;
  for (const auto& v : r.runnable) {
    const auto& c = *v.cell;
    if (c.auto_tag.empty()) continue;
    auto variant = amd64_variant(c.isa.features);
    if (!variant) continue;
    if (!variant->empty() && *variant > level) continue;  // the engine would not pick it
    std::string ref = c.repo + ":" + c.auto_tag;
    auto [it, fresh] = at.emplace(ref, out.size());
    if (fresh)
      out.push_back({ref, &c, *variant});
    else if (*variant > out[it->second].variant)
      out[it->second] = {ref, &c, *variant};
  }
  return out;
}

std::string format_table(const Resolution& r, const Machine& m, bool explain, const CellDigests& digests) {
  std::string out = machine_line(m);
  size_t w_ref = 3, w_acc = 11, w_isa = 3;
  for (const auto& v : r.runnable) {
    w_ref = std::max(w_ref, v.cell->ref().size());
    w_acc = std::max(w_acc, accelerator_of(*v.cell).size());
    w_isa = std::max(w_isa, v.cell->isa.key.size());
  }
  if (r.runnable.empty()) {
    out += "(no compatible image)\n";
  } else {
    bool with_digest = !digests.empty();
    out += pad("TAG", w_ref) + (with_digest ? pad("DIGEST", 71) : "") + pad("ACCELERATOR", w_acc) + pad("ISA", w_isa) +
           "ALIASES\n";
    for (const auto& v : r.runnable) {
      std::vector<std::string> aliases(v.cell->tags.begin() + 1, v.cell->tags.end());
      std::string line = pad(v.cell->ref(), w_ref) + (with_digest ? pad(digest_of(digests, *v.cell), 71) : "") +
                         pad(accelerator_of(*v.cell), w_acc) + pad(v.cell->isa.key, w_isa) + join(aliases, ", ");
      out += trim(line) + "\n";
    }
  }
  if (!r.runnable.empty())
    out += "run the best: " + docker_run_line(*r.runnable.front().cell, digest_of(digests, *r.runnable.front().cell)) +
           "\n";
  auto autos = auto_picks(r, m);
  if (!autos.empty()) {
    out +=
        "auto tags (Docker >= 23 picks by CPU; podman/containerd need --variant/--platform; Docker 18.09 takes the "
        "plain build):\n";
    for (auto& a : autos)
      out += "  " + a.ref + " -> " + a.cell->ref() +
             (a.variant.empty() ? " (plain)" : " (--platform linux/amd64/" + a.variant + ")") + "\n";
  }
  if (explain) out += format_explain(r);
  return out;
}

std::string format_tags(const Resolution& r, const Machine&) {
  // Images only: scripts pull each line, and an auto tag is another name for
  // one of them (the table and JSON show what it gives this machine).
  std::string out;
  for (const auto& v : r.runnable)
    for (size_t i = 0; i < v.cell->tags.size(); ++i) out += v.cell->ref(i) + "\n";
  return out;
}

std::string format_json(const Resolution& r, const Machine& m, const CellDigests& digests) {
  nlohmann::json j;
  j["schema"] = 1;  // the --json document version (README "Output for scripts")
  j["kind"] = "dlimage.resolve";
  j["machine"] = {
      {"cpu", m.cpu},
      {"vendor", m.vendor},
      {"features", m.features},
      {"nvidia_driver", m.nvidia_driver ? nlohmann::json(m.nvidia_driver->text) : nlohmann::json()},
      {"compute_capability", m.compute_capability ? nlohmann::json(m.compute_capability->text) : nlohmann::json()},
      {"rocm", m.rocm ? nlohmann::json(m.rocm->text) : nlohmann::json()}};
  j["compatible"] = nlohmann::json::array();
  for (const auto& v : r.runnable) {
    const auto& c = *v.cell;
    std::vector<std::string> refs;
    for (size_t i = 0; i < c.tags.size(); ++i) refs.push_back(c.ref(i));
    j["compatible"].push_back({{"ref", c.ref()},
                               {"tags", refs},
                               {"repo", c.repo},
                               {"framework", c.framework},
                               {"version", c.version},
                               {"python", c.python},
                               {"accelerator", accelerator_of(c)},
                               {"isa", c.isa.key},
                               {"digest", digest_of(digests, c)},  // "" = from the matrix, not published
                               {"docker_run", docker_run_line(c, digest_of(digests, c))}});
  }
  j["auto"] = nlohmann::json::array();
  for (auto& a : auto_picks(r, m))
    j["auto"].push_back({{"ref", a.ref}, {"picks", a.cell->ref()}, {"variant", a.variant}});
  j["excluded"] = nlohmann::json::array();
  for (const auto& v : r.excluded) j["excluded"].push_back({{"ref", v.cell->ref()}, {"reasons", v.reasons}});
  return j.dump(2) + "\n";
}

}  // namespace dl::cpu
