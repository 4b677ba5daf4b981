#include "builder/deb/ld_cache.h"

#include <algorithm>

#include "builder/deb/ld_cache_file.h"

namespace dl::deb {

namespace {

constexpr std::size_t kMaxConf = 1 << 20;
constexpr std::size_t kMaxBaseCache = 64 << 20;

std::string base_name(const std::string& p) {
  return p.substr(p.rfind('/') == std::string::npos ? 0 : p.rfind('/') + 1);
}
std::string join_path(const std::string& dir, const std::string& name) { return dir.empty() ? name : dir + "/" + name; }

bool is_conf(const std::string& p) { return p == "etc/ld.so.conf" || p.starts_with("etc/ld.so.conf.d/"); }
// Worth reading: library names, and what their links point at (lib*.so.1.2.3).
bool maybe_library(const std::string& p) {
  std::string n = base_name(p);
  return looks_like_dso(n) || n.find(".so") != std::string::npos;
}

// One library of a directory, as glibc's search_dir() keeps it (dlib_entry).
struct Lib {
  std::string name, soname;
  std::int32_t flag = 0;
  bool is_link = false;
  std::uint32_t osversion = 0;
};

bool prelink_temp(const std::string& n) {
  const std::string a = ".#prelink#", b = ".#prelink#.";
  return n.ends_with(a) || (n.size() >= b.size() + 6 && n.compare(n.size() - b.size() - 6, b.size(), b) == 0);
}

void add_lib(std::vector<Lib>& libs, Lib l) {
  for (auto& d : libs) {
    if (d.soname != l.soname) continue;
    // A file beats a link; otherwise the newer name (dl_cache_libcmp) wins.
    if ((!l.is_link && d.is_link) || (l.is_link == d.is_link && dl_cache_libcmp(d.name, l.name) < 0)) {
      if (d.flag != l.flag && ((d.flag == kFlagElf && (l.flag == 2 || l.flag == kFlagElfLibc6)) ||
                               ((d.flag == 2 || d.flag == kFlagElfLibc6) && l.flag == kFlagElf)))
        d.flag = l.flag;
      d.name = l.name;
      d.is_link = l.is_link;
      d.osversion = l.osversion;
    }
    return;
  }
  libs.push_back(std::move(l));
}

struct Scan {
  const LdCacheRequest& req;
  const LdTree& tree;

  bool written(const std::string& p) const { return req.written->count(p) > 0; }

  // The facts of the regular file `real`, or nullopt when unknown.
  std::optional<ElfFacts> facts(const std::string& real) const {
    if (auto it = req.fresh->find(real); it != req.fresh->end() && written(real)) return it->second;
    if (written(real)) return ElfFacts{};  // written, but not named like a library: not one
    if (req.probe) return req.probe(real);
    return std::nullopt;
  }

  // The regular file a directory entry stands for, and whether it is a link.
  std::optional<std::string> file_of(const std::string& p, bool& is_link) const {
    auto node = tree.find(p);
    if (!node || node->type == layer::EntryType::dir) return std::nullopt;
    is_link = node->type == layer::EntryType::symlink;
    std::string real = p;
    if (is_link) {
      auto r = tree.resolve(p);
      if (!r.ok()) return std::nullopt;
      node = tree.find(*r);
      if (!node || node->type == layer::EntryType::dir || node->type == layer::EntryType::symlink) return std::nullopt;
      real = *r;
    }
    if (node->type == layer::EntryType::hardlink && !node->target.empty()) real = node->target;
    return real;
  }

  Result<std::vector<LdCacheEntry>> dir(const LdDir& d, std::set<std::string>& unknown) const {
    std::vector<Lib> libs;
    for (const auto& name : tree.list(d.real)) {
      if (!looks_like_dso(name) || prelink_temp(name)) continue;
      std::string p = join_path(d.real, name);
      bool is_link = false;
      auto real = file_of(p, is_link);
      if (!real) continue;
      auto f = facts(*real);
      if (!f) {
        unknown.insert(name);
        continue;
      }
      if (f->kind == ElfFacts::Kind::beyond_limits)
        return invalid("/" + p + ": " + f->why + "; dlimage cannot read its SONAME for /etc/ld.so.cache");
      if (f->kind != ElfFacts::Kind::library) continue;
      Lib l{name, f->has_soname ? f->soname : name, f->flags, is_link, f->osversion};
      if (l.is_link && name != l.soname && !(name.ends_with(".so") && l.soname.starts_with(name))) l.is_link = false;
      if (l.is_link) l.soname = name;
      if (l.flag == kFlagElf && (d.flag == 2 || d.flag == kFlagElfLibc6)) l.flag = d.flag;
      add_lib(libs, std::move(l));
    }
    std::vector<LdCacheEntry> out;
    for (const auto& l : libs) out.push_back({l.flag, l.soname, d.path + "/" + l.soname, l.osversion, 0});
    return out;
  }

  // A base cache entry still true: its file is where it was, unknown to
  // this scan (not written by this install), and not recomputed.
  bool still_true(const LdCacheEntry& e, const LdDir& d, const std::set<std::string>& unknown,
                  const std::vector<LdCacheEntry>& computed) const {
    if (e.hwcap != 0 || base_name(e.value) != e.key || !unknown.count(e.key)) return false;
    for (const auto& c : computed)
      if (c.key == e.key) return false;
    bool is_link = false;
    auto real = file_of(join_path(d.real, e.key), is_link);
    return real && !written(*real);
  }
};

}  // namespace

layer::ReadFn LdCacheInputs::observe(const std::string& path, std::uint64_t size, const layer::ReadFn& content) {
  const bool conf = is_conf(path) && size <= kMaxConf;
  if (!content || (!conf && !maybe_library(path))) return content;
  auto facts = facts_;
  auto confs = confs_;
  facts->erase(path);
  confs->erase(path);
  if (size == 0) return content;
  auto probe = conf ? nullptr : std::make_shared<ElfProbe>(size);
  auto text = conf ? std::make_shared<std::string>() : nullptr;
  auto fed = std::make_shared<std::uint64_t>(0);
  return [=](char* buf, std::size_t n) -> Result<std::size_t> {
    DL_ASSIGN_OR_RETURN(std::size_t got, content(buf, n));
    *fed += got;
    if (probe) {
      probe->feed(buf, got);
      if (*fed >= size) (*facts)[path] = probe->finish();
    } else {
      text->append(buf, got);
      if (*fed >= size) (*confs)[path] = *text;
    }
    return got;
  };
}

Result<LdCacheResult> build_ld_cache(const LdCacheRequest& req) {
  const LdTree& tree = *req.tree;
  DL_ASSIGN_OR_RETURN(auto dirs, ld_search_dirs(tree, req.multiarch));
  std::vector<LdCacheEntry> base;
  if (req.base_cache && !req.probe) {
    if (req.base_cache->size() > kMaxBaseCache) return invalid("base /etc/ld.so.cache: larger than 64 MiB");
    DL_ASSIGN_OR_RETURN(base, parse_ld_cache(*req.base_cache, "base /etc/ld.so.cache"));
  }
  Scan scan{req, tree};
  LdCacheResult out;
  std::vector<LdCacheEntry> all;
  for (const auto& d : dirs) {
    out.dirs.insert(d.real);
    std::set<std::string> unknown;
    DL_ASSIGN_OR_RETURN(auto computed, scan.dir(d, unknown));
    std::vector<LdCacheEntry> kept;
    for (const auto& e : base) {
      std::string dir = e.value.substr(0, e.value.rfind('/') == std::string::npos ? 0 : e.value.rfind('/'));
      auto real = tree.resolve(
          dir.substr(dir.find_first_not_of('/') == std::string::npos ? dir.size() : dir.find_first_not_of('/')));
      if (!real.ok() || *real != d.real || !scan.still_true(e, d, unknown, computed)) continue;
      LdCacheEntry k = e;
      k.value = d.path + "/" + e.key;
      if (std::find(kept.begin(), kept.end(), k) == kept.end()) kept.push_back(std::move(k));
    }
    // Within a directory keys are distinct; a fixed order keeps the bytes stable.
    computed.insert(computed.end(), kept.begin(), kept.end());
    std::sort(computed.begin(), computed.end(),
              [](const LdCacheEntry& a, const LdCacheEntry& b) { return a.key < b.key; });
    all.insert(all.end(), computed.begin(), computed.end());
  }
  sort_ld_cache(all);
  out.bytes = encode_ld_cache(all, kLdCacheGenerator);
  return out;
}

}  // namespace dl::deb
