#include "builder/wheel/metadata.h"

#include <cctype>
#include <charconv>

#include "base/base64.h"
#include "base/strings.h"

namespace dl::wheel {

namespace {

Error bad(const std::string& where, int line, const std::string& what) {
  return invalid(where + ":" + std::to_string(line) + ": " + what);
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

// Splits into lines, dropping "\r" before "\n".
std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    size_t end = nl == std::string_view::npos ? text.size() : nl;
    std::string_view l = text.substr(start, end - start);
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    out.push_back(l);
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  return out;
}

}  // namespace

std::optional<std::string> Headers::get(std::string_view key) const {
  for (auto& [k, v] : fields)
    if (iequals(k, key)) return v;
  return std::nullopt;
}

std::vector<std::string> Headers::all(std::string_view key) const {
  std::vector<std::string> out;
  for (auto& [k, v] : fields)
    if (iequals(k, key)) out.push_back(v);
  return out;
}

Result<Headers> parse_headers(std::string_view text, const std::string& where) {
  Headers h;
  int n = 0;
  for (std::string_view l : lines_of(text)) {
    ++n;
    if (l.empty()) break;  // the body (long description) follows
    if (l[0] == ' ' || l[0] == '\t') {
      if (h.fields.empty()) return bad(where, n, "continuation line before any field");
      h.fields.back().second += "\n" + trim(l);
      continue;
    }
    size_t colon = l.find(':');
    if (colon == std::string_view::npos || colon == 0)
      return bad(where, n, "expected \"Key: value\", got \"" + std::string(l.substr(0, 80)) + "\"");
    h.fields.emplace_back(trim(l.substr(0, colon)), trim(l.substr(colon + 1)));
  }
  return h;
}

Result<WheelFile> parse_wheel_file(std::string_view text, const std::string& where) {
  DL_ASSIGN_OR_RETURN(Headers h, parse_headers(text, where));
  WheelFile w;
  auto version = h.get("Wheel-Version");
  if (!version) return invalid(where + ": missing Wheel-Version (expected \"Wheel-Version: 1.0\")");
  w.wheel_version = *version;
  auto parts = split(*version, '.');
  auto to_int = [](const std::string& s, int& out) {
    auto r = std::from_chars(s.data(), s.data() + s.size(), out);
    return r.ec == std::errc() && r.ptr == s.data() + s.size() && !s.empty();
  };
  if (parts.size() != 2 || !to_int(parts[0], w.major) || !to_int(parts[1], w.minor))
    return invalid(where + ": Wheel-Version \"" + *version + "\" is not MAJOR.MINOR");
  if (w.major != 1)
    return Error(ErrorKind::unsupported, where + ": Wheel-Version " + *version + " is not supported (expected 1.x)");
  auto pure = h.get("Root-Is-Purelib");
  if (!pure) return invalid(where + ": missing Root-Is-Purelib (expected true or false)");
  std::string p = to_lower(*pure);
  if (p != "true" && p != "false")
    return invalid(where + ": Root-Is-Purelib is \"" + *pure + "\" (expected true or false)");
  w.root_is_purelib = p == "true";
  w.tags = h.all("Tag");
  w.generator = h.get("Generator").value_or("");
  return w;
}

Result<Metadata> parse_metadata(std::string_view text, const std::string& where) {
  DL_ASSIGN_OR_RETURN(Headers h, parse_headers(text, where));
  Metadata m;
  m.metadata_version = h.get("Metadata-Version").value_or("");
  auto name = h.get("Name");
  auto version = h.get("Version");
  if (!name || name->empty()) return invalid(where + ": missing Name");
  if (!version || version->empty()) return invalid(where + ": missing Version");
  m.name = *name;
  m.version = *version;
  m.summary = h.get("Summary").value_or("");
  m.requires_python = h.get("Requires-Python").value_or("");
  m.requires_dist = h.all("Requires-Dist");
  m.provides_extra = h.all("Provides-Extra");
  return m;
}

Result<std::vector<RecordLine>> parse_record(std::string_view text, const std::string& where) {
  std::vector<RecordLine> out;
  size_t i = 0;
  int line = 1;
  while (i < text.size()) {
    std::vector<std::string> fields;
    std::string cur;
    int row_line = line;
    bool row_done = false;
    while (!row_done) {
      if (i < text.size() && text[i] == '"') {  // quoted field: "" is a literal quote
        ++i;
        while (true) {
          if (i >= text.size()) return bad(where, row_line, "unterminated quoted field");
          char c = text[i++];
          if (c == '"') {
            if (i < text.size() && text[i] == '"') {
              cur += '"';
              ++i;
              continue;
            }
            break;
          }
          if (c == '\n') ++line;
          cur += c;
        }
        if (i < text.size() && text[i] != ',' && text[i] != '\n' && text[i] != '\r')
          return bad(where, row_line, "unexpected character after closing quote");
      } else {
        while (i < text.size() && text[i] != ',' && text[i] != '\n' && text[i] != '\r') cur += text[i++];
      }
      fields.push_back(std::move(cur));
      cur.clear();
      if (i < text.size() && text[i] == ',') {
        ++i;
        continue;
      }
      if (i < text.size() && text[i] == '\r') ++i;
      if (i < text.size() && text[i] == '\n') ++i;
      ++line;
      row_done = true;
    }
    if (fields.size() == 1 && fields[0].empty()) continue;  // blank line
    if (fields.size() != 3)
      return bad(where, row_line, "expected 3 fields (path,hash,size), got " + std::to_string(fields.size()));
    RecordLine r;
    r.path = fields[0];
    r.hash = fields[1];
    r.line = row_line;
    if (r.path.empty()) return bad(where, row_line, "empty path");
    if (!fields[2].empty()) {
      uint64_t sz = 0;
      auto res = std::from_chars(fields[2].data(), fields[2].data() + fields[2].size(), sz);
      if (res.ec != std::errc() || res.ptr != fields[2].data() + fields[2].size())
        return bad(where, row_line, "size \"" + fields[2] + "\" is not a decimal integer");
      r.size = sz;
    }
    if (!r.hash.empty() && r.hash.find('=') == std::string::npos)
      return bad(where, row_line, "hash \"" + r.hash + "\" is not ALGORITHM=DIGEST");
    out.push_back(std::move(r));
  }
  return out;
}

std::string format_record_line(std::string_view path, std::string_view hash, std::optional<uint64_t> size) {
  std::string p;
  if (path.find_first_of(",\"\r\n") != std::string_view::npos) {
    p = "\"";
    for (char c : path) {
      if (c == '"') p += '"';
      p += c;
    }
    p += "\"";
  } else {
    p = std::string(path);
  }
  return p + "," + std::string(hash) + "," + (size ? std::to_string(*size) : std::string()) + "\n";
}

Result<std::vector<EntryPoint>> parse_entry_points(std::string_view text, const std::string& where) {
  std::vector<EntryPoint> out;
  std::string group;
  int n = 0;
  for (std::string_view raw : lines_of(text)) {
    ++n;
    std::string l = trim(raw);
    if (l.empty() || l[0] == '#' || l[0] == ';') continue;
    if (l.front() == '[') {
      if (l.back() != ']') return bad(where, n, "expected \"[group]\"");
      group = trim(std::string_view(l).substr(1, l.size() - 2));
      continue;
    }
    if (group.empty()) return bad(where, n, "entry point outside any [group]");
    size_t eq = l.find('=');
    if (eq == std::string::npos) return bad(where, n, "expected \"name = module:attr\"");
    EntryPoint e;
    e.group = group;
    e.name = trim(std::string_view(l).substr(0, eq));
    std::string value = trim(std::string_view(l).substr(eq + 1));
    if (size_t br = value.find('['); br != std::string::npos) value = trim(std::string_view(value).substr(0, br));
    size_t colon = value.find(':');
    e.module = trim(std::string_view(value).substr(0, colon));
    if (colon != std::string::npos) e.attr = trim(std::string_view(value).substr(colon + 1));
    if (e.name.empty() || e.module.empty()) return bad(where, n, "expected \"name = module:attr\"");
    out.push_back(std::move(e));
  }
  return out;
}

std::string record_hash_from_hex(std::string_view hex) {
  auto nib = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
  std::string bytes;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) bytes += char(nib(hex[i]) << 4 | nib(hex[i + 1]));
  return "sha256=" + base64_encode(bytes, Base64::url);
}

}  // namespace dl::wheel
