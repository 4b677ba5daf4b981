// Release files (the signed table of contents of a suite) and their dates.
#include <ctime>

#include "base/decimal.h"
#include "base/strings.h"
#include "builder/apt/fetch.h"
#include "builder/deb/deb822.h"

namespace dl::apt {

const ReleaseFile::Entry* ReleaseFile::find(std::string_view path) const {
  for (const auto& e : sha256)
    if (e.path == path) return &e;
  return nullptr;
}

Result<ReleaseFile> parse_release(std::string_view text, const std::string& url) {
  auto paras = deb::parse_deb822(text, url, {.max_paragraphs = 1});
  if (!paras.ok()) return Error(ErrorKind::integrity, paras.error().message());
  if (paras->empty()) return Error(ErrorKind::integrity, url + ": empty Release file");
  const deb::Paragraph& p = (*paras)[0];
  ReleaseFile r;
  r.suite = p.get("Suite");
  r.codename = p.get("Codename");
  r.date = p.get("Date");
  r.valid_until = p.get("Valid-Until");
  r.acquire_by_hash = to_lower(p.get("Acquire-By-Hash")) == "yes";
  r.no_separate_all = p.get("No-Support-for-Architecture-all") == "Packages";
  for (auto& w : split(p.get("Architectures"), ' '))
    if (!w.empty()) r.architectures.push_back(w);
  for (auto& w : split(p.get("Components"), ' '))
    if (!w.empty()) r.components.push_back(w);
  for (const auto& line : split(p.folded("SHA256"), '\n')) {
    std::vector<std::string> w;
    for (auto& x : split(line, ' '))
      if (!x.empty()) w.push_back(x);
    if (w.empty()) continue;
    if (w.size() != 3 || w[0].size() != 64)
      return Error(ErrorKind::integrity, url + ": malformed SHA256 line '" + trim(line) + "'");
    ReleaseFile::Entry e;
    e.sha256 = to_lower(w[0]);
    auto size = parse_decimal(w[1]);
    if (!size) return Error(ErrorKind::integrity, url + ": malformed size in SHA256 line '" + trim(line) + "'");
    e.size = *size;
    e.path = w[2];
    r.sha256.push_back(std::move(e));
  }
  if (r.sha256.empty())
    return Error(ErrorKind::integrity, url + ": Release has no SHA256 list; expected SHA256 checksums");
  return r;
}

namespace {

// RFC 2822 dates as Release files write them: "Sat, 10 May 2025 09:07:38 UTC"
// (also "+0000"); apt accepts only UTC.
Result<std::time_t> parse_date(const std::string& s, const std::string& url, const char* field) {
  std::tm tm{};
  std::string t = trim(s);
  const char* rest = strptime(t.c_str(), "%a, %d %b %Y %H:%M:%S", &tm);
  if (!rest) rest = strptime(t.c_str(), "%d %b %Y %H:%M:%S", &tm);
  if (!rest) return Error(ErrorKind::integrity, url + ": unreadable " + field + " '" + t + "'");
  std::string zone = trim(rest);
  if (!zone.empty() && zone != "UTC" && zone != "GMT" && zone != "+0000" && zone != "Z")
    return Error(ErrorKind::integrity, url + ": " + field + " '" + t + "' is not in UTC");
  return timegm(&tm);
}

}  // namespace

Status check_release_dates(const ReleaseFile& r, const std::string& url, std::chrono::system_clock::time_point now) {
  std::time_t n = std::chrono::system_clock::to_time_t(now);
  if (!r.date.empty()) {
    DL_ASSIGN_OR_RETURN(std::time_t d, parse_date(r.date, url, "Date"));
    if (d > n + 60)
      return Error(ErrorKind::integrity,
                   url + ": Release Date " + r.date + " lies in the future (clock skew or a replay)");
  }
  if (!r.valid_until.empty()) {
    DL_ASSIGN_OR_RETURN(std::time_t v, parse_date(r.valid_until, url, "Valid-Until"));
    if (v < n)
      return Error(ErrorKind::integrity, url + ": Release expired: Valid-Until " + r.valid_until +
                                             " has passed (a stale or replayed mirror)");
  }
  return {};
}

}  // namespace dl::apt
