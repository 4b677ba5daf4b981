#include "builder/pypa/requirement.h"

#include <cctype>

#include "base/strings.h"
#include "builder/pypa/name.h"

namespace dl::pypa {
namespace {

bool name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.'; }
bool space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

struct Cursor {
  std::string_view s;
  size_t i = 0;
  Error fail(size_t at, const std::string& msg) const {
    return invalid("invalid requirement '" + std::string(s) + "': column " + std::to_string(at + 1) + ": " + msg);
  }
  void ws() {
    while (i < s.size() && space(s[i])) ++i;
  }
  bool at_end() const { return i >= s.size(); }
  std::string found() const { return at_end() ? "end of text" : "'" + std::string(1, s[i]) + "'"; }
};

// Specifier clauses one by one so an error can name the clause's column.
Result<SpecifierSet> parse_specifiers(const Cursor& c, size_t begin, size_t end) {
  std::string text(c.s.substr(begin, end - begin));
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t comma = text.find(',', pos);
    if (comma == std::string::npos) comma = text.size();
    std::string clause = trim(std::string_view(text).substr(pos, comma - pos));
    size_t lead = pos;
    while (lead < comma && space(text[lead])) ++lead;
    if (clause.empty()) {
      if (comma < text.size() || pos != 0) {
        return c.fail(begin + lead, "empty version clause (expected e.g. >=1.0 between commas)");
      }
    } else {
      auto s = Specifier::parse(clause);
      if (!s.ok()) {
        const std::string& m = s.error().message();
        size_t cut = m.find("': ");
        return c.fail(begin + lead,
                      "version clause '" + clause + "': " + (cut == std::string::npos ? m : m.substr(cut + 3)));
      }
    }
    pos = comma + 1;
  }
  return SpecifierSet::parse(text);
}

}  // namespace

Result<Requirement> parse_requirement(std::string_view text) {
  Cursor c{text};
  Requirement r;
  c.ws();
  size_t start = c.i;
  while (!c.at_end() && name_char(text[c.i])) ++c.i;
  r.name = std::string(text.substr(start, c.i - start));
  if (r.name.empty()) return c.fail(start, "expected a project name, found " + c.found());
  if (!is_valid_name(r.name)) {
    return c.fail(
        start, "invalid project name '" + r.name + "' (expected letters and digits, with '.', '-' or '_' only inside)");
  }
  c.ws();
  if (!c.at_end() && text[c.i] == '[') {
    size_t open = c.i++;
    for (;;) {
      c.ws();
      if (!c.at_end() && text[c.i] == ']' && r.extras.empty()) break;
      size_t es = c.i;
      while (!c.at_end() && name_char(text[c.i])) ++c.i;
      std::string extra(text.substr(es, c.i - es));
      if (extra.empty() || !is_valid_name(extra)) {
        return c.fail(es, "expected an extra name, found " + (extra.empty() ? c.found() : "'" + extra + "'"));
      }
      r.extras.push_back(extra);
      c.ws();
      if (!c.at_end() && text[c.i] == ',') {
        ++c.i;
        continue;
      }
      if (!c.at_end() && text[c.i] == ']') break;
      return c.fail(c.i, "expected ',' or ']' in the extras opened at column " + std::to_string(open + 1) + ", found " +
                             c.found());
    }
    ++c.i;  // ']'
    c.ws();
  }

  if (!c.at_end() && text[c.i] == '@') {
    ++c.i;
    c.ws();
    size_t us = c.i;
    while (!c.at_end() && !space(text[c.i])) ++c.i;
    r.url = std::string(text.substr(us, c.i - us));
    if (r.url.empty() || r.url.find(':') == std::string::npos) {
      return c.fail(us, "expected a URL after '@' (e.g. https://host/file.whl), found " +
                            (r.url.empty() ? c.found() : "'" + r.url + "'"));
    }
    c.ws();
  } else if (!c.at_end() && text[c.i] != ';') {
    bool paren = text[c.i] == '(';
    size_t ss = paren ? c.i + 1 : c.i;
    if (!paren && std::string_view("<>=!~").find(text[c.i]) == std::string_view::npos) {
      return c.fail(c.i, "unexpected " + c.found() +
                             " (expected '[extras]', a version specifier such as >=1.0, '@ url', "
                             "'; marker' or end of text)");
    }
    size_t se = text.find(paren ? ')' : ';', ss);
    if (paren && se == std::string_view::npos) {
      return c.fail(c.i, "expected ')' to close this '('");
    }
    if (se == std::string_view::npos) se = text.size();
    DL_ASSIGN_OR_RETURN(r.specifier, parse_specifiers(c, ss, se));
    c.i = paren ? se + 1 : se;
    c.ws();
  }

  if (!c.at_end()) {
    if (text[c.i] != ';') {
      return c.fail(c.i, "unexpected " + c.found() + " (expected ';' before a marker, or end of text)");
    }
    ++c.i;
    DL_ASSIGN_OR_RETURN(Marker m, Marker::parse_within(text, c.i, "invalid requirement"));
    r.marker = std::move(m);
  }
  return r;
}

std::string Requirement::normalized_name() const { return normalize_name(name); }

std::string Requirement::str() const {
  std::string s = name;
  if (!extras.empty()) s += "[" + join(extras, ",") + "]";
  if (!url.empty()) {
    s += " @ " + url;
    if (marker) s += " ";
  } else {
    s += specifier.str();
  }
  if (marker) s += "; " + marker->str();
  return s;
}

Result<bool> Requirement::applies(const Environment& env) const {
  if (!marker) return true;
  return marker->evaluate(env);
}

}  // namespace dl::pypa
