#include "builder/apt/index_scan.h"

#include <algorithm>
#include <cstdlib>

namespace dl::apt {

const IndexMeta::Entry* IndexMeta::find(const std::string& name, const std::string& version,
                                        const std::string& arch) const {
  auto it = by_key.find(name + " " + version + " " + arch);
  return it == by_key.end() ? nullptr : &it->second;
}

namespace {

std::string_view value_of(std::string_view line, size_t field_len) {
  std::string_view v = line.substr(field_len);
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\r')) v.remove_suffix(1);
  return v;
}

bool field(std::string_view line, std::string_view name) {
  return line.size() > name.size() && line.compare(0, name.size(), name) == 0 && line[name.size()] == ':';
}

}  // namespace

void scan_index(std::string_view text, IndexMeta& meta) {
  std::string_view name, version, arch, multi;
  uint64_t size = 0;
  bool essential = false;
  auto flush = [&] {
    if (!name.empty()) {
      std::string key;
      key.reserve(name.size() + version.size() + arch.size() + 2);
      key.append(name).append(" ").append(version).append(" ").append(arch.empty() ? "all" : arch);
      meta.by_key[key] = IndexMeta::Entry{size, essential, std::string(multi)};
      if (essential) meta.essential_names.emplace_back(name);
    }
    name = version = arch = multi = {};
    size = 0;
    essential = false;
  };
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    if (line.empty() || line == "\r") {
      flush();
      if (nl == text.size()) break;
      continue;
    }
    switch (line[0]) {
      case 'P': if (field(line, "Package")) name = value_of(line, 8); break;
      case 'V': if (field(line, "Version")) version = value_of(line, 8); break;
      case 'A': if (field(line, "Architecture")) arch = value_of(line, 13); break;
      case 'S': if (field(line, "Size")) size = std::strtoull(std::string(value_of(line, 5)).c_str(), nullptr, 10); break;
      case 'E': if (field(line, "Essential")) essential = value_of(line, 10) == "yes"; break;
      case 'M': if (field(line, "Multi-Arch")) multi = value_of(line, 11); break;
      default: break;
    }
    if (nl == text.size()) break;
  }
  flush();
  std::sort(meta.essential_names.begin(), meta.essential_names.end());
  meta.essential_names.erase(std::unique(meta.essential_names.begin(), meta.essential_names.end()),
                             meta.essential_names.end());
}

}  // namespace dl::apt
