#include "builder/deb/deb822.h"

#include "base/strings.h"

namespace dl::deb {

namespace {
bool iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}
}  // namespace

const Field* Paragraph::find(std::string_view name) const {
  for (const auto& f : fields)
    if (iequal(f.name, name)) return &f;
  return nullptr;
}

std::string Paragraph::get(std::string_view name) const {
  const Field* f = find(name);
  return f ? f->value : std::string();
}

std::string Paragraph::folded(std::string_view name) const {
  std::string out;
  bool first = true;
  for (const auto& text : split(get(name), '\n')) {
    std::string_view l = text;
    if (!first) {
      out += '\n';
      if (!l.empty() && (l[0] == ' ' || l[0] == '\t')) l.remove_prefix(1);
      if (l == ".") l = {};
    }
    out.append(l);
    first = false;
  }
  return trim(out);
}

bool Paragraph::has(std::string_view name) const { return find(name) != nullptr; }

void Paragraph::set(std::string_view name, std::string value) {
  for (auto& f : fields)
    if (iequal(f.name, name)) {
      f.value = std::move(value);
      return;
    }
  fields.push_back(Field{std::string(name), std::move(value), 0});
}

void Paragraph::erase(std::string_view name) {
  std::erase_if(fields, [&](const Field& f) { return iequal(f.name, name); });
}

Result<std::vector<Paragraph>> parse_deb822(std::string_view text, std::string_view what, const Deb822Limits& limits) {
  std::vector<Paragraph> out;
  Paragraph cur;
  int line_no = 0;
  auto where = [&] { return std::string(what) + ":" + std::to_string(line_no) + ": "; };
  auto flush = [&]() -> Status {
    if (cur.fields.empty()) return {};
    if (out.size() >= limits.max_paragraphs)
      return invalid(where() + "more than " + std::to_string(limits.max_paragraphs) + " paragraphs");
    out.push_back(std::move(cur));
    cur = Paragraph{};
    return {};
  };
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (trim(line).empty()) {
      DL_TRY(flush());
      continue;
    }
    if (line[0] == '#') continue;
    if (line[0] == ' ' || line[0] == '\t') {
      if (cur.fields.empty()) return invalid(where() + "continuation line before any field");
      std::string& v = cur.fields.back().value;
      if (v.size() + line.size() > limits.max_field_bytes)
        return invalid(where() + "field '" + cur.fields.back().name + "' is longer than " +
                       std::to_string(limits.max_field_bytes) + " bytes");
      v += "\n";
      v += line;
      continue;
    }
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0)
      return invalid(where() + "expected 'Field: value', got '" + std::string(line.substr(0, 60)) + "'");
    std::string name(line.substr(0, colon));
    if (name.find_first_of(" \t") != std::string::npos)
      return invalid(where() + "field name '" + name + "' contains a space");
    if (cur.has(name)) return invalid(where() + "field '" + name + "' repeated in one paragraph");
    // Leading blanks go; trailing ones are kept, as dpkg keeps them.
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value[0] == ' ' || value[0] == '\t')) value.remove_prefix(1);
    if (value.size() > limits.max_field_bytes)
      return invalid(where() + "field '" + name + "' is longer than " + std::to_string(limits.max_field_bytes) +
                     " bytes");
    if (cur.fields.empty()) cur.line = line_no;
    cur.fields.push_back(Field{std::move(name), std::string(value), line_no});
  }
  DL_TRY(flush());
  return out;
}

std::string render(const Paragraph& p) {
  std::string s;
  for (const auto& f : p.fields) {
    s += f.name;
    s += ':';
    if (!f.value.empty() && f.value[0] != '\n') s += ' ';
    s += f.value;
    s += '\n';
  }
  return s;
}

}  // namespace dl::deb
