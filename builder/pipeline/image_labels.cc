#include "builder/pipeline/image_labels.h"

#include <cstdlib>
#include <functional>

#include "base/decimal.h"
#include "base/strings.h"

namespace dl::pipeline {

namespace {

struct Field {
  const char* key;  // after kLabelPrefix
  std::function<std::string(const LabelledImage&)> get;
  std::function<void(LabelledImage&, const std::string&)> set;
  bool optional = false;  // written only when non-empty
};

// The one table. Adding a label means adding a row: the writer and every
// reader follow.
const std::vector<Field>& fields() {
  using L = LabelledImage;
  using V = const std::string&;
  static const std::vector<Field> f = {
      // What the image runs on, and which engine made its layers (digests
      // are only reproducible with an equal engine identity).
      {"platform", [](const L& i) { return i.cell.base.os + "/" + i.cell.base.arch; },
       [](L& i, V v) {
         auto p = split(v, '/');
         if (p.size() == 2) i.cell.base.os = p[0], i.cell.base.arch = p[1];
       }},
      {"compression", [](const L& i) { return i.compression; }, [](L& i, V v) { i.compression = v; }},
      {"cell", [](const L& i) { return i.cell.id; }, [](L& i, V v) { i.cell.id = v; }},
      {"repo", [](const L& i) { return i.cell.repo; }, [](L& i, V v) { i.cell.repo = v; }},
      // The primary; the others are aliases.
      {"tag", [](const L& i) { return i.primary_tag.empty() ? i.cell.tags.front() : i.primary_tag; },
       [](L& i, V v) { i.primary_tag = v; }},
      {"framework", [](const L& i) { return i.cell.framework; }, [](L& i, V v) { i.cell.framework = v; }},
      {"version", [](const L& i) { return i.cell.version; }, [](L& i, V v) { i.cell.version = v; }},
      {"python", [](const L& i) { return i.cell.python; },
       [](L& i, V v) {
         i.cell.python = v;
         i.cell.pythons = split(v, '/');
       }},
      {"accelerator", [](const L& i) { return i.cell.accelerator.key; }, [](L& i, V v) { i.cell.accelerator.key = v; }},
      {"accelerator.kind", [](const L& i) { return i.cell.accelerator.kind; },
       [](L& i, V v) { i.cell.accelerator.kind = v; }},
      {"isa", [](const L& i) { return i.cell.isa.key; }, [](L& i, V v) { i.cell.isa.key = v; }},
      {"isa.features", [](const L& i) { return join(i.cell.isa.features, " "); },
       [](L& i, V v) {
         for (auto& x : split(v, ' '))
           if (!x.empty()) i.cell.isa.features.push_back(x);
       }},
      {"isa.rank", [](const L& i) { return std::to_string(i.cell.isa.rank); },
       [](L& i, V v) {
         // A label from a registry: anything but a small number ranks as plain (0).
         auto n = parse_decimal(v);
         i.cell.isa.rank = n && *n < 1000 ? static_cast<int>(*n) : 0;
       }},
      {"cuda", [](const L& i) { return i.cell.accelerator.cuda; }, [](L& i, V v) { i.cell.accelerator.cuda = v; },
       true},
      {"cudnn", [](const L& i) { return i.cell.accelerator.cudnn; }, [](L& i, V v) { i.cell.accelerator.cudnn = v; },
       true},
      {"rocm", [](const L& i) { return i.cell.accelerator.rocm; }, [](L& i, V v) { i.cell.accelerator.rocm = v; },
       true},
      // What `dlimage plan` and `diff` compare, to say why an image changed.
      {"recipe.digest", [](const L& i) { return i.recipe_digest; }, [](L& i, V v) { i.recipe_digest = v; }},
      {"lock.digest", [](const L& i) { return i.lock_digest; }, [](L& i, V v) { i.lock_digest = v; }, true},
  };
  return f;
}

}  // namespace

std::map<std::string, std::string> labels_of(const LabelledImage& img) {
  std::map<std::string, std::string> out;
  for (const auto& f : fields()) {
    std::string v = f.get(img);
    if (f.optional && v.empty()) continue;
    out[kLabelPrefix + std::string(f.key)] = std::move(v);
  }
  return out;
}

std::optional<LabelledImage> from_labels(const std::map<std::string, std::string>& labels) {
  auto get = [&](const char* key) {
    auto it = labels.find(kLabelPrefix + std::string(key));
    return it == labels.end() ? std::string() : it->second;
  };
  if (get("cell").empty()) return std::nullopt;  // not built by dlimage
  LabelledImage out;
  // Unknown unless labelled: the caller falls back to the config's own fields.
  out.cell.base.os.clear();
  out.cell.base.arch.clear();
  out.cell.isa.rank = -1;
  for (const auto& f : fields())
    if (auto v = get(f.key); !v.empty()) f.set(out, v);
  if (out.cell.isa.rank < 0) out.cell.isa.rank = int(out.cell.isa.features.size());
  return out;
}

std::vector<std::string> label_keys() {
  std::vector<std::string> out;
  for (const auto& f : fields()) out.push_back(kLabelPrefix + std::string(f.key));
  return out;
}

}  // namespace dl::pipeline
