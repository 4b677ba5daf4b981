#include "builder/matrix/matrix.h"

#include <algorithm>
#include <charconv>
#include <set>

#include "base/confined.h"
#include "base/fs.h"
#include "base/sha256.h"
#include "base/strings.h"
#include "builder/matrix/matrix_model.h"
#include "builder/matrix/yaml_source.h"

namespace dl::matrix {

const PythonLayout& Cell::python_layout(const std::string& py) const {
  for (auto& p : base.pythons)
    if (p.version == py) return p;
  return base.pythons.front();  // the loader guarantees a match
}

std::string Cell::wheel_arch() const {
  if (base.arch == "amd64") return "x86_64";
  if (base.arch == "arm64") return "aarch64";
  if (base.arch == "386") return "i686";
  return base.arch;
}

std::vector<std::string> Cell::refs() const {
  std::vector<std::string> out;
  for (size_t i = 0; i < tags.size(); ++i) out.push_back(ref(i));
  return out;
}

Result<Matrix> parse(const std::string& yaml_text, const std::string& source_name, const Limits& limits) {
  yamlsrc::Source src(source_name);
  return yamlsrc::guarded(src, [&]() -> Result<Matrix> {
    DL_ASSIGN_OR_RETURN(auto root, src.parse(yaml_text));
    DL_ASSIGN_OR_RETURN(auto doc, model::parse_document(src, root));
    return model::expand(src, doc, limits.max_cells);
  });
}

Result<Matrix> load(const std::string& path, const Limits& limits) {
  DL_ASSIGN_OR_RETURN(auto text, read_bounded(path, yamlsrc::Limits{}.max_bytes, "the matrix"));
  return parse(text, path, limits);
}

namespace {
const std::vector<std::string> kFilterKeys = {"repo", "framework", "version", "python", "accelerator", "isa", "tag"};

bool any_glob(const std::vector<std::string>& patterns, const std::string& value) {
  for (auto& p : patterns)
    if (glob_match(p, value)) return true;
  return false;
}
}  // namespace

bool Filter::matches(const Cell& c) const {
  for (const auto& [key, values] : terms) {
    bool ok = false;
    if (key == "repo") ok = any_glob(values, c.repo);
    if (key == "framework") ok = any_glob(values, c.framework);
    if (key == "version") ok = any_glob(values, c.version);
    if (key == "python") {
      ok = any_glob(values, c.python);
      for (auto& p : c.pythons) ok = ok || any_glob(values, p);
    }
    if (key == "accelerator") ok = any_glob(values, c.accelerator.key) || any_glob(values, c.accelerator.kind);
    if (key == "isa") ok = any_glob(values, c.isa.key);
    if (key == "tag")
      for (size_t i = 0; i < c.tags.size(); ++i) ok = ok || any_glob(values, c.tags[i]) || any_glob(values, c.ref(i));
    if (!ok) return false;
  }
  return true;
}

Result<Filter> parse_filters(const std::vector<std::string>& args) {
  Filter f;
  for (const auto& arg : args) {
    auto eq = arg.find('=');
    if (eq == std::string::npos || eq == 0)
      return invalid("--filter '" + arg + "': expected KEY=VALUE with KEY one of " + join(kFilterKeys, ", "));
    std::string key = arg.substr(0, eq);
    if (std::find(kFilterKeys.begin(), kFilterKeys.end(), key) == kFilterKeys.end()) {
      std::string hint = nearest(key, kFilterKeys);
      return invalid("--filter '" + arg + "': unknown key '" + key + "'; " +
                     (hint.empty() ? "" : "did you mean '" + hint + "'? ") + "expected one of " +
                     join(kFilterKeys, ", "));
    }
    f.terms[key].push_back(arg.substr(eq + 1));
  }
  return f;
}

bool Shard::contains(const Cell& c) const {
  // The id is already a hash; its first 8 hex digits are uniform enough.
  unsigned long h = 0;
  std::from_chars(c.id.data(), c.id.data() + std::min<size_t>(c.id.size(), 8), h, 16);
  return h % count + 1 == index;
}

Result<Shard> parse_shard(const std::string& text) {
  auto slash = text.find('/');
  auto bad = [&] { return invalid("--shard '" + text + "': expected I/N with 1 <= I <= N, e.g. 2/4"); };
  if (slash == std::string::npos) return bad();
  unsigned i = 0, n = 0;
  const char* end = text.data() + text.size();
  auto [pi, ei] = std::from_chars(text.data(), text.data() + slash, i);
  auto [pn, en] = std::from_chars(text.data() + slash + 1, end, n);
  if (ei != std::errc() || en != std::errc() || pi != text.data() + slash || pn != end || n == 0 || i == 0 || i > n)
    return bad();
  return Shard{i, n};
}

namespace {

// Every value a filter key can match in the matrix, for "did you mean".
std::vector<std::string> key_values(const Matrix& m, const std::string& key) {
  std::set<std::string> out;
  for (const auto& c : m.cells) {
    if (key == "repo") out.insert(c.repo);
    if (key == "framework") out.insert(c.framework);
    if (key == "version") out.insert(c.version);
    if (key == "python") {
      out.insert(c.python);
      out.insert(c.pythons.begin(), c.pythons.end());
    }
    if (key == "accelerator") {
      out.insert(c.accelerator.key);
      out.insert(c.accelerator.kind);
    }
    if (key == "isa") out.insert(c.isa.key);
    if (key == "tag")
      for (size_t i = 0; i < c.tags.size(); ++i) {
        out.insert(c.tags[i]);
        out.insert(c.ref(i));
      }
  }
  return {out.begin(), out.end()};
}

Status check_filter_values(const Matrix& m, const Filter& f) {
  for (const auto& [key, patterns] : f.terms) {
    auto values = key_values(m, key);
    for (const auto& p : patterns) {
      if (p.find_first_not_of('*') == std::string::npos) continue;  // "*" matches everything
      bool hit = false;
      for (const auto& v : values) hit = hit || glob_match(p, v);
      if (hit) continue;
      std::string hint = nearest(p, values);
      std::string listed = values.size() <= 12 ? "; values: " + join(values, ", ") : "";
      return invalid("--filter " + key + "=" + p + ": no image in " + m.source + " has " + key + " '" + p + "'" +
                     (hint.empty() ? listed : "; did you mean '" + hint + "'?"));
    }
  }
  return {};
}

}  // namespace

Result<std::vector<Cell>> select(const Matrix& m, const Filter& f, const Shard& s) {
  DL_TRY(check_filter_values(m, f));
  std::vector<Cell> out;
  size_t filtered = 0;
  for (auto& c : m.cells) {
    if (!f.matches(c)) continue;
    ++filtered;
    if (s.contains(c)) out.push_back(c);
  }
  if (filtered == 0) {
    std::vector<std::string> terms;
    for (const auto& [key, values] : f.terms) terms.push_back(key + "=" + join(values, "|"));
    return invalid("the filters " + join(terms, " and ") + " select no image of " + m.source +
                   " (each value exists, but not together)");
  }
  return out;
}

}  // namespace dl::matrix
