// PEP 503 simple repository API (HTML), with PEP 592 yanking and the
// data-requires-python attribute of PEP 345/503.
#include <cctype>
#include <charconv>

#include "builder/pypa/name.h"
#include "builder/wheel/source.h"
#include "net/fetch.h"
#include "net/url.h"

namespace dl::wheel {

namespace {

std::string html_unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '&') {
      out += s[i];
      continue;
    }
    size_t semi = s.find(';', i);
    if (semi == std::string_view::npos || semi - i > 8) {
      out += s[i];
      continue;
    }
    std::string_view ent = s.substr(i + 1, semi - i - 1);
    if (ent == "lt")
      out += '<';
    else if (ent == "gt")
      out += '>';
    else if (ent == "amp")
      out += '&';
    else if (ent == "quot")
      out += '"';
    else if (ent == "apos" || ent == "#39" || ent == "#x27")
      out += '\'';
    else {
      out += s.substr(i, semi - i + 1);
    }
    i = semi;
  }
  return out;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      unsigned byte = 0;
      std::from_chars(s.data() + i + 1, s.data() + i + 3, byte, 16);  // two hex digits, checked above
      out += char(byte);
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// RFC 3986 reference resolution, enough for index pages: absolute URLs,
// host-absolute paths and relative paths with "." / ".." segments.
std::string resolve(const std::string& base, const std::string& ref) {
  if (ref.find("://") != std::string::npos) return ref;
  size_t scheme_end = base.find("://");
  size_t path_start = scheme_end == std::string::npos ? 0 : base.find('/', scheme_end + 3);
  std::string origin = path_start == std::string::npos ? base : base.substr(0, path_start);
  std::string base_path = path_start == std::string::npos ? "/" : base.substr(path_start);
  if (ref.starts_with("//")) return base.substr(0, scheme_end + 1) + ref;
  std::string path = ref.starts_with("/") ? ref : base_path.substr(0, base_path.rfind('/') + 1) + ref;
  std::vector<std::string> out;
  size_t i = 1;
  bool trailing = false;
  while (i <= path.size()) {
    size_t slash = path.find('/', i);
    std::string seg = path.substr(i, slash == std::string::npos ? std::string::npos : slash - i);
    trailing = slash == std::string::npos ? false : slash == path.size() - 1;
    if (seg == "..") {
      if (!out.empty()) out.pop_back();
    } else if (seg != "." && !(seg.empty() && slash == std::string::npos))
      out.push_back(seg);
    if (slash == std::string::npos) break;
    i = slash + 1;
  }
  std::string joined;
  for (auto& s : out) joined += "/" + s;
  if (trailing && !joined.ends_with("/")) joined += "/";
  return origin + (joined.empty() ? "/" : joined);
}

// Value of attribute `name` in the text of one start tag, if present.
std::optional<std::string> attribute(std::string_view tag, std::string_view name) {
  size_t i = 0;
  while ((i = tag.find(name, i)) != std::string_view::npos) {
    bool start_ok = i > 0 && std::isspace(static_cast<unsigned char>(tag[i - 1]));
    size_t j = i + name.size();
    if (!start_ok || (j < tag.size() && (std::isalnum(static_cast<unsigned char>(tag[j])) || tag[j] == '-'))) {
      i = j;
      continue;
    }
    while (j < tag.size() && std::isspace(static_cast<unsigned char>(tag[j]))) ++j;
    if (j >= tag.size() || tag[j] != '=') return std::string();  // bare attribute
    ++j;
    while (j < tag.size() && std::isspace(static_cast<unsigned char>(tag[j]))) ++j;
    if (j < tag.size() && (tag[j] == '"' || tag[j] == '\'')) {
      size_t end = tag.find(tag[j], j + 1);
      if (end == std::string_view::npos) return std::nullopt;
      return html_unescape(tag.substr(j + 1, end - j - 1));
    }
    size_t end = j;
    while (end < tag.size() && !std::isspace(static_cast<unsigned char>(tag[end])) && tag[end] != '>') ++end;
    return html_unescape(tag.substr(j, end - j));
  }
  return std::nullopt;
}

class SimpleIndex : public WheelSource {
 public:
  SimpleIndex(std::string url, std::string variant, net::HttpClient* http)
      : url_(std::move(url)), variant_(std::move(variant)), http_(http ? http : &net::default_client()) {
    if (!url_.ends_with("/")) url_ += "/";
  }
  Result<std::vector<WheelLink>> list(const std::string& project) override {
    std::string page = url_ + pypa::normalize_name(project) + "/";
    auto html = net::get_text(*http_, page, kMaxPage);
    if (!html.ok()) {
      if (html.error().kind() == ErrorKind::not_found) return std::vector<WheelLink>{};
      return html.error();
    }
    DL_ASSIGN_OR_RETURN(auto links, parse_simple_page(*html, page));
    for (auto& l : links) {
      l.variant = variant_;
      l.source = describe();
    }
    return links;
  }
  std::string describe() const override {
    return "index " + net::redact_url(url_) + (variant_.empty() ? "" : " [" + variant_ + "]");
  }

 private:
  static constexpr size_t kMaxPage = 64u << 20;  // PyPI's largest project pages are ~10 MB
  std::string url_, variant_;
  net::HttpClient* http_;
};

}  // namespace

Result<std::vector<WheelLink>> parse_simple_page(const std::string& html, const std::string& page_url) {
  std::vector<WheelLink> out;
  size_t i = 0;
  while ((i = html.find('<', i)) != std::string::npos) {
    size_t end = html.find('>', i);
    if (end == std::string::npos) break;
    std::string_view tag(html.data() + i, end - i + 1);
    i = end + 1;
    if (tag.size() < 3 || std::tolower(static_cast<unsigned char>(tag[1])) != 'a' ||
        !std::isspace(static_cast<unsigned char>(tag[2])))
      continue;
    auto href = attribute(tag, "href");
    if (!href || href->empty()) continue;
    WheelLink l;
    std::string target = *href;
    if (size_t hash = target.find('#'); hash != std::string::npos) {
      std::string frag = target.substr(hash + 1);
      target.resize(hash);
      if (frag.starts_with("sha256=")) l.sha256 = frag.substr(7);
    }
    std::string path = target.substr(0, target.find('?'));
    l.filename = percent_decode(path.substr(path.rfind('/') + 1));
    if (!l.filename.ends_with(".whl")) continue;  // sdists are not our business
    l.url = resolve(page_url, target);
    auto allowed = net::require_http_url(l.url, net::redact_url(page_url) + ": link to " + l.filename);
    if (!allowed.ok()) return allowed.error();
    if (auto rp = attribute(tag, "data-requires-python")) l.requires_python = *rp;
    // PEP 714 renamed PEP 658's attribute; indexes may send either.
    if (auto m = attribute(tag, "data-core-metadata"))
      l.core_metadata = m->empty() ? "true" : *m;
    else if (auto m2 = attribute(tag, "data-dist-info-metadata"))
      l.core_metadata = m2->empty() ? "true" : *m2;
    if (auto y = attribute(tag, "data-yanked")) {
      l.yanked = true;
      l.yanked_reason = *y;
    }
    out.push_back(std::move(l));
  }
  return out;
}

std::unique_ptr<WheelSource> simple_index_source(std::string index_url, std::string variant, net::HttpClient* http) {
  return std::make_unique<SimpleIndex>(std::move(index_url), std::move(variant), http);
}

}  // namespace dl::wheel
