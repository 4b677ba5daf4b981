#include "builder/deb/ld_conf.h"

#include <fnmatch.h>
#include <strings.h>

#include <algorithm>
#include <cctype>

#include "base/strings.h"

namespace dl::deb {

namespace {

std::string rel(const std::string& abs) {
  size_t i = abs.find_first_not_of('/');
  return i == std::string::npos ? "" : abs.substr(i);
}

struct Reader {
  const LdTree& tree;
  const LdConfLimits& lim;
  std::vector<LdDir> dirs;
  unsigned files = 0;

  Status add_dir(std::string line, const std::string& where) {
    std::int32_t flag = -1;
    if (auto eq = line.find('='); eq != std::string::npos) {
      std::string type = line.substr(eq + 1);
      line.resize(eq);
      if (type == "libc4") flag = 0;
      if (type == "libc5") flag = 2;
      if (type == "libc6" || type == "glibc2") flag = 3;
    }
    while (!line.empty() && (std::isspace(static_cast<unsigned char>(line.back())) || line.back() == '/'))
      line.pop_back();
    if (line.empty()) return {};
    auto real = tree.resolve(rel(line));
    if (!real.ok()) return {};  // ldconfig: "Can't stat", and goes on
    auto node = tree.find(*real);
    if (!real->empty() && (!node || node->type != layer::EntryType::dir)) return {};
    for (auto& d : dirs)
      if (d.real == *real) {
        d.flag = flag;  // as ldconfig: the newer DIR=TYPE wins, the first name stays
        return {};
      }
    if (dirs.size() >= lim.max_dirs)
      return invalid(where + ": more than " + std::to_string(lim.max_dirs) + " library directories");
    dirs.push_back({line, *real, flag});
    return {};
  }

  // glob(3) with flags 0 over the tree: sorted, a leading '.' matched only explicitly.
  Result<std::vector<std::string>> glob(const std::string& pattern, const std::string& where) {
    std::vector<std::string> found = {""};
    auto parts = split(rel(pattern), '/');
    for (size_t i = 0; i < parts.size(); ++i) {
      const std::string& part = parts[i];
      if (part.empty()) continue;
      bool last = i + 1 == parts.size();
      std::vector<std::string> next;
      for (const auto& base : found) {
        auto real = tree.resolve(base);
        if (!real.ok()) continue;
        std::vector<std::string> names;
        if (part.find_first_of("*?[\\") == std::string::npos) {
          names.push_back(part);
        } else {
          for (const auto& n : tree.list(*real))
            if (::fnmatch(part.c_str(), n.c_str(), FNM_PERIOD) == 0) names.push_back(n);
        }
        for (const auto& n : names) {
          std::string p = base.empty() ? n : base + "/" + n;
          auto r = tree.resolve(p);
          if (!r.ok()) continue;
          auto node = tree.find(*r);
          if (!node || (!last && node->type != layer::EntryType::dir)) continue;
          next.push_back(p);
          if (next.size() > 4096) return invalid(where + ": include '" + pattern + "' matches more than 4096 paths");
        }
      }
      found = std::move(next);
    }
    std::sort(found.begin(), found.end());
    if (found.size() == 1 && found[0].empty()) found.clear();
    for (auto& f : found) f = "/" + f;
    return found;
  }

  Status parse(const std::string& file, unsigned depth) {
    if (depth > lim.max_depth)
      return invalid(file + ": includes nest deeper than " + std::to_string(lim.max_depth) + " (a loop?)");
    if (++files > lim.max_files)
      return invalid(file + ": more than " + std::to_string(lim.max_files) + " ld.so.conf files");
    auto real = tree.resolve(rel(file));
    if (!real.ok()) return {};
    auto node = tree.find(*real);
    if (!node || node->type == layer::EntryType::dir) return {};  // ldconfig reads what it can open
    auto text = tree.read(*real, lim.max_file_bytes);
    if (!text.ok()) return text.error().wrap(file);
    if (!*text) return invalid(file + ": cannot read it from the base layers (only /etc/ld.so.conf* files are kept)");
    unsigned lineno = 0;
    for (auto line : split(**text, '\n')) {
      ++lineno;
      std::string where = file + ":" + std::to_string(lineno);
      if (line.size() > lim.max_line)
        return invalid(where + ": line longer than " + std::to_string(lim.max_line) + " bytes");
      if (auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
      // getline() keeps a NUL byte, ldconfig's string stops there.
      if (auto nul = line.find('\0'); nul != std::string::npos) line.resize(nul);
      size_t b = 0;
      while (b < line.size() && std::isspace(static_cast<unsigned char>(line[b]))) ++b;
      std::string cp = line.substr(b);
      if (cp.empty()) continue;
      auto blank = [&](size_t i) { return i < cp.size() && (cp[i] == ' ' || cp[i] == '\t'); };
      if (cp.compare(0, 7, "include") == 0 && blank(7)) {
        for (const auto& word : split(cp.substr(8), ' ')) {
          for (const auto& pat : split(word, '\t')) {
            if (pat.empty()) continue;
            std::string pattern = pat[0] == '/' ? pat : file.substr(0, file.rfind('/')) + "/" + pat;
            DL_ASSIGN_OR_RETURN(auto matches, glob(pattern, where));
            for (const auto& m : matches) DL_TRY(parse(m, depth + 1));
          }
        }
      } else if (cp.size() > 5 && strncasecmp(cp.c_str(), "hwcap", 5) == 0 && blank(5)) {
        continue;  // ldconfig ignores hwcap lines too
      } else {
        DL_TRY(add_dir(cp, where));
      }
    }
    return {};
  }
};

}  // namespace

Result<std::vector<LdDir>> ld_search_dirs(const LdTree& tree, const std::string& multiarch,
                                          const LdConfLimits& limits) {
  Reader r{tree, limits, {}, 0};
  DL_TRY(r.parse("/etc/ld.so.conf", 0));
  // Debian's ldconfig: SLIBDIR, LIBDIR, then /lib and /usr/lib.
  for (const std::string& d :
       {"/lib/" + multiarch, "/usr/lib/" + multiarch, std::string("/lib"), std::string("/usr/lib")})
    DL_TRY(r.add_dir(d, "<builtin>"));
  return r.dirs;
}

}  // namespace dl::deb
