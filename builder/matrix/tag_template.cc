#include "builder/matrix/tag_template.h"

#include "base/strings.h"

namespace dl::matrix {

Result<TagTemplate> TagTemplate::compile(const std::string& text, const std::set<std::string>& known,
                                         size_t* err_offset) {
  TagTemplate t;
  t.text_ = text;
  size_t i = 0;
  while (i < text.size()) {
    size_t open = text.find('{', i);
    size_t close_stray = text.find('}', i);
    if (close_stray != std::string::npos && (open == std::string::npos || close_stray < open)) {
      *err_offset = close_stray;
      return invalid("unmatched '}' in tag template '" + text + "'; expected '{name}'");
    }
    if (open == std::string::npos) {
      t.pieces_.push_back({false, text.substr(i), i});
      break;
    }
    if (open > i) t.pieces_.push_back({false, text.substr(i, open - i), i});
    size_t close = text.find('}', open);
    if (close == std::string::npos) {
      *err_offset = open;
      return invalid("unterminated '{' in tag template '" + text + "'; expected '}'");
    }
    std::string name = text.substr(open + 1, close - open - 1);
    if (!known.count(name)) {
      *err_offset = open;
      std::vector<std::string> names(known.begin(), known.end());
      std::string hint = nearest(name, names);
      return invalid("tag template '" + text + "' names unknown variable '" + name + "'; " +
                     (hint.empty() ? "expected one of: " + join(names, ", ") : "did you mean '" + hint + "'?"));
    }
    t.pieces_.push_back({true, name, open});
    i = close + 1;
  }
  return t;
}

std::string TagTemplate::render(const std::map<std::string, std::string>& vars) const {
  std::string out;
  for (const auto& p : pieces_) {
    if (!p.is_var) {
      out += p.text;
      continue;
    }
    auto it = vars.find(p.text);
    if (it != vars.end()) out += it->second;
  }
  return out;
}

bool valid_tag(const std::string& tag) {
  if (tag.empty() || tag.size() > 128) return false;
  auto word = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  };
  if (!word(tag[0])) return false;
  for (char c : tag)
    if (!word(c) && c != '.' && c != '-') return false;
  return true;
}

}  // namespace dl::matrix
