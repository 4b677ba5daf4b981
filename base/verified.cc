#include "base/verified.h"

#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <tuple>
#include <utility>

#include "base/fs.h"
#include "base/strings.h"

namespace dl {

namespace {

using Identity = std::tuple<dev_t, ino_t, off_t, long, long, long, long>;
using Key = std::pair<std::string, std::string>;  // (claim, path)

bool identity_of(const std::string& path, Identity& id) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
  id = {st.st_dev, st.st_ino, st.st_size, st.st_mtim.tv_sec, st.st_mtim.tv_nsec, st.st_ctim.tv_sec, st.st_ctim.tv_nsec};
  return true;
}

struct Memo {
  std::mutex mu;
  std::map<Key, Identity> files;
  // Bounded: past this many entries it starts over (hashing again is only
  // slower, never wrong).
  static constexpr size_t kMax = 1 << 16;
};

Memo& memo() {
  static Memo m;
  return m;
}

// A saved memo past this is not read (a runaway or hostile file); kMax
// entries keep a saved one far below it.
constexpr std::uintmax_t kMaxSavedBytes = 32u << 20;
// Status changes younger than this at the save are not saved (the header's
// racy rule).
constexpr long kRacySeconds = 2;

std::string identity_text(const Identity& id) {
  auto [dev, ino, size, ms, mns, cs, cns] = id;
  char buf[160];
  std::snprintf(buf, sizeof buf, "%llu %llu %lld %ld %ld %ld %ld", static_cast<unsigned long long>(dev),
                static_cast<unsigned long long>(ino), static_cast<long long>(size), ms, mns, cs, cns);
  return buf;
}

bool parse_identity(const std::string& text, Identity& id) {
  unsigned long long dev = 0, ino = 0;
  long long size = 0;
  long ms = 0, mns = 0, cs = 0, cns = 0;
  int used = 0;
  // NOLINTNEXTLINE(cert-err34-c): the %n count below rejects anything but the exact fields.
  int got =
      std::sscanf(text.c_str(), "%llu %llu %lld %ld %ld %ld %ld%n", &dev, &ino, &size, &ms, &mns, &cs, &cns, &used);
  if (got != 7 || used < 0 || static_cast<size_t>(used) != text.size()) return false;
  id = {static_cast<dev_t>(dev), static_cast<ino_t>(ino), static_cast<off_t>(size), ms, mns, cs, cns};
  return true;
}

bool printable_field(const std::string& s) { return !s.empty() && s.find_first_of("\t\n") == std::string::npos; }

}  // namespace

bool verified_before(const std::string& path, const std::string& claim) {
  Identity now;
  if (!identity_of(path, now)) return false;
  std::lock_guard<std::mutex> l(memo().mu);
  auto it = memo().files.find({claim, path});
  return it != memo().files.end() && it->second == now;
}

void remember_verified(const std::string& path, const std::string& claim) {
  Identity now;
  if (!identity_of(path, now)) return;
  std::lock_guard<std::mutex> l(memo().mu);
  if (memo().files.size() >= Memo::kMax) memo().files.clear();
  memo().files[{claim, path}] = now;
}

void load_verified(const std::string& file) {
  std::error_code ec;
  auto size = fs::file_size(file, ec);
  if (ec || size > kMaxSavedBytes) return;
  auto text = read_file(file);
  if (!text.ok()) return;
  std::lock_guard<std::mutex> l(memo().mu);
  // One line per entry: identity TAB claim TAB path.
  for (auto& line : split(*text, '\n')) {
    if (memo().files.size() >= Memo::kMax) break;
    auto fields = split(line, '\t');
    Identity id;
    if (fields.size() != 3 || !printable_field(fields[1]) || !printable_field(fields[2]) ||
        !parse_identity(fields[0], id))
      continue;
    memo().files.emplace(Key{fields[1], fields[2]}, id);
  }
}

Status save_verified(const std::string& file) {
  std::map<Key, Identity> files;
  {
    std::lock_guard<std::mutex> l(memo().mu);
    files = memo().files;
  }
  long racy = static_cast<long>(
                  std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
                      .count()) -
              kRacySeconds;
  std::string out;
  for (auto& [key, id] : files) {
    Identity now;
    if (!printable_field(key.first) || !printable_field(key.second) || !identity_of(key.second, now) || now != id ||
        std::get<5>(id) >= racy)
      continue;
    out += identity_text(id) + "\t" + key.first + "\t" + key.second + "\n";
  }
  return write_file_atomic(file, out);
}

}  // namespace dl
