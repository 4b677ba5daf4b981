#include "builder/apt/resolve.h"

// libsolv's Solvable has a member named `requires`, a C++20 keyword; the
// rename only changes the spelling, not the layout, and is undone below.
#ifdef __clang__
#pragma clang diagnostic ignored "-Wkeyword-macro"
#endif
#define requires solv_requires
extern "C" {
#include <solv/evr.h>
#include <solv/pool.h>
#include <solv/poolarch.h>
#include <solv/problems.h>
#include <solv/repo.h>
#include <solv/repo_deb.h>
#include <solv/selection.h>
#include <solv/solv_xfopen.h>
#include <solv/solver.h>
#include <solv/solverdebug.h>
#include <solv/transaction.h>
}
#undef requires

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <set>

#include "base/fs.h"
#include "base/strings.h"
#include "builder/apt/index_scan.h"

namespace dl::apt {

bool ResolvedPackage::operator<(const ResolvedPackage& o) const {
  if (name != o.name) return name < o.name;
  if (arch != o.arch) return arch < o.arch;
  return compare_versions(version, o.version) < 0;
}

namespace {

struct PoolDeleter {
  void operator()(Pool* p) const { pool_free(p); }
};
struct SolverDeleter {
  void operator()(Solver* s) const { solver_free(s); }
};
struct TransDeleter {
  void operator()(Transaction* t) const { transaction_free(t); }
};
struct QueueGuard {
  Queue q;
  QueueGuard() { queue_init(&q); }
  ~QueueGuard() { queue_free(&q); }
};

Status add_text_repo(Pool* pool, Repo* repo, const std::string& text, const std::string& what) {
  FILE* f = solv_fmemopen(text.data(), text.size(), "r");
  if (!f) return io_error(what + ": cannot open in memory");
  int rc = repo_add_debpackages(repo, f, 0);
  fclose(f);
  if (rc != 0) return invalid(what + ": " + pool_errstr(pool));
  return {};
}

// The text of every rule behind each problem, which names the packages.
std::string explain(Solver* solv, int nproblems) {
  std::vector<std::string> lines;
  QueueGuard rules;
  for (Id problem = 1; problem <= nproblems; ++problem) {
    solver_findallproblemrules(solv, problem, &rules.q);
    for (int i = 0; i < rules.q.count; ++i) {
      Id source, target, dep;
      SolverRuleinfo type = solver_ruleinfo(solv, rules.q.elements[i], &source, &target, &dep);
      std::string line = solver_problemruleinfo2str(solv, type, source, target, dep);
      if (std::find(lines.begin(), lines.end(), line) == lines.end()) lines.push_back(line);
    }
  }
  // The job rule itself only says "conflicting requests": noise next to the
  // rules that name packages.
  if (lines.size() > 1) lines.erase(std::remove(lines.begin(), lines.end(), "conflicting requests"), lines.end());
  return join(lines, "; ");
}

// A cached index mapped read-only: parsed in place, never copied.
class Mapped {
 public:
  static Result<std::shared_ptr<Mapped>> open(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return io_error(path + ": " + std::strerror(errno));
    struct stat st {};
    fstat(fd, &st);
    auto m = std::make_shared<Mapped>();
    m->size_ = static_cast<size_t>(st.st_size);
    if (m->size_) {
      void* p = mmap(nullptr, m->size_, PROT_READ, MAP_PRIVATE, fd, 0);
      if (p == MAP_FAILED) {
        ::close(fd);
        return io_error(path + ": mmap: " + std::strerror(errno));
      }
      m->data_ = static_cast<const char*>(p);
    }
    ::close(fd);
    return m;
  }
  Mapped() = default;
  Mapped(const Mapped&) = delete;
  Mapped& operator=(const Mapped&) = delete;
  ~Mapped() {
    if (data_) munmap(const_cast<char*>(data_), size_);
  }
  std::string_view text() const { return {data_ ? data_ : "", size_}; }

 private:
  const char* data_ = nullptr;
  size_t size_ = 0;
};

struct Loaded {
  std::unique_ptr<Pool, PoolDeleter> pool;
  Repo* installed = nullptr;
  std::vector<std::pair<Repo*, const RepoIndex*>> repos;
  std::vector<std::shared_ptr<Mapped>> texts;  // parallel to repos
};

Result<Loaded> load(const std::vector<RepoIndex>& repos, const std::vector<InstalledPackage>& installed,
                    const std::string& arch) {
  Loaded l;
  l.pool.reset(pool_create());
  Pool* pool = l.pool.get();
  pool_setdisttype(pool, DISTTYPE_DEB);
  pool_setarch(pool, arch.c_str());
  l.installed = repo_create(pool, "@System");
  std::string status;
  for (const auto& p : installed) status += p.paragraph + "\n";
  DL_TRY(add_text_repo(pool, l.installed, status, "dpkg status"));
  pool_set_installed(pool, l.installed);
  std::set<std::string> seen;  // the same index named twice is loaded once
  for (const auto& ix : repos) {
    if (!seen.insert(ix.packages_path).second) continue;
    DL_ASSIGN_OR_RETURN(auto text, Mapped::open(ix.packages_path));
    Repo* r = repo_create(pool, ix.packages_url.c_str());
    FILE* f = solv_fmemopen(text->text().data(), text->text().size(), "r");
    if (!f) return io_error(ix.packages_path + ": cannot open in memory");
    int rc = repo_add_debpackages(r, f, 0);
    fclose(f);
    if (rc != 0) return invalid(ix.packages_url + ": " + pool_errstr(pool));
    l.texts.push_back(text);
    l.repos.emplace_back(r, &ix);
  }
  pool_addfileprovides(pool);
  pool_createwhatprovides(pool);
  return l;
}

std::vector<std::string> all_names(Pool* pool) {
  std::set<std::string> names;
  for (Id p = 2; p < pool->nsolvables; ++p) {
    Solvable* s = pool->solvables + p;
    if (s->repo) names.insert(pool_id2str(pool, s->name));
  }
  return {names.begin(), names.end()};
}

// Available (not installed) solvables named `name`, for arch `arch` or "all".
std::vector<Id> candidates(Loaded& l, const PackageSpec& spec, const std::string& arch) {
  Pool* pool = l.pool.get();
  std::vector<Id> out;
  Id name = pool_str2id(pool, spec.name.c_str(), 0);
  if (!name) return out;
  Id p, pp;
  FOR_PROVIDES(p, pp, name) {
    Solvable* s = pool->solvables + p;
    if (s->name != name || s->repo == l.installed) continue;
    std::string a = pool_id2str(pool, s->arch);
    if (a != "all" && a != (spec.arch.empty() ? arch : spec.arch)) continue;
    if (!spec.version.empty() && spec.version != pool_id2str(pool, s->evr)) continue;
    out.push_back(p);
  }
  return out;
}

// apt's candidate: the highest version among the available ones.
Id best(Pool* pool, const std::vector<Id>& ids) {
  Id b = ids[0];
  for (Id p : ids)
    if (pool_evrcmp(pool, pool->solvables[p].evr, pool->solvables[b].evr, EVRCMP_COMPARE) > 0) b = p;
  return b;
}

Result<Id> job_for(Loaded& l, const PackageSpec& spec, const std::string& arch) {
  Pool* pool = l.pool.get();
  auto c = candidates(l, spec, arch);
  if (!c.empty()) return best(pool, c);
  Id name = pool_str2id(pool, spec.name.c_str(), 0);
  bool known = false;
  std::set<std::string> providers;
  if (name) {
    Id p, pp;
    FOR_PROVIDES(p, pp, name) {
      Solvable* s = pool->solvables + p;
      if (s->name == name)
        known = true;
      else if (s->repo != l.installed)
        providers.insert(pool_id2str(pool, s->name));
    }
  }
  if (!spec.version.empty() && known) {
    std::vector<std::string> versions;
    PackageSpec any = spec;
    any.version.clear();
    for (Id p : candidates(l, any, arch)) versions.push_back(pool_id2str(pool, pool->solvables[p].evr));
    return invalid("package " + spec.name + ": version '" + spec.version +
                   "' is not available; available: " + (versions.empty() ? "none" : join(versions, ", ")));
  }
  if (known && !spec.arch.empty())
    return invalid("package " + spec.name + ":" + spec.arch + ": not available for architecture " + spec.arch);
  if (!providers.empty() && spec.version.empty()) {
    if (providers.size() == 1) {
      PackageSpec real = spec;
      real.name = *providers.begin();
      auto rc = candidates(l, real, arch);
      if (!rc.empty()) return best(pool, rc);  // apt: "selecting X instead of virtual Y"
    }
    return invalid("package " + spec.name + " is virtual, provided by " +
                   join({providers.begin(), providers.end()}, ", ") + "; name one of them");
  }
  if (known) return 0;  // installed only: nothing to do
  std::string near = nearest(spec.name, all_names(pool));
  return Error(ErrorKind::not_found,
               "unknown package '" + spec.name + "'" + (near.empty() ? "" : "; did you mean '" + near + "'?"));
}

// Filename comes from a hostile index and becomes part of a URL and a cache
// path: relative, no "..", no scheme, no control characters.
Status check_filename(const std::string& pkg, const std::string& f) {
  bool bad = f.empty() || f[0] == '/' || f.find("://") != std::string::npos;
  for (const auto& part : split(f, '/')) bad = bad || part == ".." || part == "." || part.empty();
  for (char c : f) bad = bad || static_cast<unsigned char>(c) < 0x21 || c == '?' || c == '#' || c == '\\';
  if (bad) return Error(ErrorKind::integrity, "package " + pkg + ": unsafe Filename '" + f + "' in the index");
  return {};
}

// apt picks, for each dependency group "a | b | c", the first alternative
// it can install, and for a name that is a real package, that package
// rather than something that Provides it. libsolv chooses by its own policy
// at such choice points, so we walk the request's closure the way apt's
// MarkInstall does and favor those picks (SOLVER_FAVOR only breaks ties:
// correctness stays libsolv's).
class AptPreference {
 public:
  AptPreference(Loaded& l, bool recommends) : l_(l), pool_(l.pool.get()), recommends_(recommends) {}

  void walk(const std::vector<Id>& roots) {
    for (Id p : roots) picked_.insert(p);
    for (Id p : roots) mark(p, 0);
  }
  const std::set<Id>& picked() const { return picked_; }

 private:
  // Depth first and in dependency order, as apt's MarkInstall recurses; a
  // group is looked at only when its turn comes, so an earlier pick that
  // provides it counts.
  void mark(Id p, int depth) {
    if (depth > 2000) return;  // apt bounds its recursion too
    Solvable* s = pool_->solvables + p;
    std::vector<Id> deps = dep_list(s->repo, s->solv_requires);
    if (recommends_) {
      auto rec = dep_list(s->repo, s->recommends);
      deps.insert(deps.end(), rec.begin(), rec.end());
    }
    for (Id dep : deps) {
      if (satisfied(dep)) continue;
      Id pick = choose(dep);
      if (pick && picked_.insert(pick).second) mark(pick, depth + 1);
    }
  }
  // Pre-Depends first (dpkg needs them before unpacking), then Depends.
  static std::vector<Id> dep_list(Repo* repo, Offset off) {
    std::vector<Id> depends, pre;
    if (!off) return depends;
    bool after_marker = false;
    for (Id* dp = repo->idarraydata + off; *dp; ++dp) {
      if (*dp == SOLVABLE_PREREQMARKER) {
        after_marker = true;
        continue;
      }
      (after_marker ? pre : depends).push_back(*dp);
    }
    pre.insert(pre.end(), depends.begin(), depends.end());
    return pre;
  }
  // Some alternative is installed already or picked already.
  bool satisfied(Id dep) {
    Pool* pool = pool_;  // FOR_PROVIDES names it
    for (Id alt : alternatives(dep)) {
      Id p, pp;
      FOR_PROVIDES(p, pp, alt) {
        if (pool_->solvables[p].repo == l_.installed || picked_.count(p)) return true;
      }
    }
    return false;
  }
  Id choose(Id dep) {
    Pool* pool = pool_;
    for (Id alt : alternatives(dep)) {
      Id name = alt;
      while (ISRELDEP(name)) name = GETRELDEP(pool_, name)->name;
      std::vector<Id> real, any;
      Id p, pp;
      FOR_PROVIDES(p, pp, alt) {
        Solvable* s = pool_->solvables + p;
        if (s->repo == l_.installed) continue;
        if (!pool_installable(pool_, s)) continue;
        (s->name == name ? real : any).push_back(p);
      }
      if (!real.empty()) return best(pool_, real);
      if (any.empty()) continue;
      // One provider (in one or more versions): apt takes it. Several
      // names: apt's CompareProviders prefers an Essential one, then the
      // higher Priority (`awk`: mawk, required, over gawk, optional); a
      // tie is left to libsolv's policy.
      load_ranks(any);
      std::map<int, std::vector<Id>> by_rank;
      for (Id q : any) by_rank[rank(pool_->solvables[q].name)].push_back(q);
      const std::vector<Id>& top = by_rank.rbegin()->second;
      bool one_name = true;
      for (Id q : top) one_name = one_name && pool_->solvables[q].name == pool_->solvables[top[0]].name;
      return one_name ? best(pool_, top) : 0;
    }
    return 0;
  }
  // Essential first, then Priority, from the index stanzas (libsolv keeps
  // neither): one scan of the indexes per choice point with new names.
  int rank(Id name) { return rank_[name]; }
  void load_ranks(const std::vector<Id>& providers) {
    std::set<std::string, std::less<>> names;
    for (Id q : providers)
      if (!rank_.count(pool_->solvables[q].name)) names.insert(pool_id2str(pool_, pool_->solvables[q].name));
    if (names.empty()) return;
    static const std::map<std::string, int, std::less<>> priorities = {
        {"extra", 1}, {"optional", 2}, {"standard", 3}, {"important", 4}, {"required", 5}};
    for (const auto& n : names) rank_[pool_str2id(pool_, n.c_str(), 0)] = 0;
    for (const auto& t : l_.texts)
      for (const auto& m : scan_stanzas(t->text(), names)) {
        auto pr = priorities.find(m.priority);
        int& r = rank_[pool_str2id(pool_, m.name.c_str(), 0)];
        r = std::max(r, (m.essential ? 10 : 0) + (pr == priorities.end() ? 0 : pr->second));
      }
  }
  std::vector<Id> alternatives(Id dep) {
    std::vector<Id> out;
    while (ISRELDEP(dep) && GETRELDEP(pool_, dep)->flags == REL_OR) {
      out.push_back(GETRELDEP(pool_, dep)->name);
      dep = GETRELDEP(pool_, dep)->evr;
    }
    out.push_back(dep);
    return out;
  }

  Loaded& l_;
  Pool* pool_;
  bool recommends_;
  std::set<Id> picked_;
  std::map<Id, int> rank_;  // name -> rank(), cached
};

// Size, Essential and Multi-Arch from the stanzas of the chosen packages.
Status add_index_fields(const Loaded& l, std::vector<ResolvedPackage>& pkgs) {
  std::set<std::string, std::less<>> names;
  for (const auto& p : pkgs) names.insert(p.name);
  std::map<std::string, StanzaMeta> meta;  // "name version arch"
  for (const auto& t : l.texts)
    for (auto& m : scan_stanzas(t->text(), names)) meta[m.name + " " + m.version + " " + m.arch] = std::move(m);
  for (auto& p : pkgs) {
    auto it = meta.find(p.name + " " + p.version + " " + p.arch);
    if (it == meta.end() || it->second.size == 0)
      return Error(ErrorKind::integrity, "package " + p.name + " " + p.version + ": index lists no Size");
    p.size = it->second.size;
    p.essential = it->second.essential;
    p.multi_arch = it->second.multi_arch;
  }
  return {};
}

}  // namespace

int compare_versions(std::string_view a, std::string_view b) {
  static Pool* pool = [] {
    Pool* p = pool_create();
    pool_setdisttype(p, DISTTYPE_DEB);
    return p;
  }();
  return pool_evrcmp_str(pool, std::string(a).c_str(), std::string(b).c_str(), EVRCMP_COMPARE);
}

Result<std::vector<ResolvedPackage>> resolve(const std::vector<RepoIndex>& repos,
                                             const std::vector<InstalledPackage>& installed,
                                             const ResolveRequest& req) {
  DL_ASSIGN_OR_RETURN(Loaded l, load(repos, installed, req.arch));
  Pool* pool = l.pool.get();
  QueueGuard job;
  std::vector<PackageSpec> wanted = req.packages;
  if (req.essential) {
    std::set<std::string> names;
    for (const auto& t : l.texts)
      for (auto& n : essential_names(t->text())) names.insert(std::move(n));
    for (const auto& n : names) wanted.push_back(PackageSpec{n, "", ""});
  }
  std::vector<Id> roots;
  for (const auto& spec : wanted) {
    DL_ASSIGN_OR_RETURN(Id p, job_for(l, spec, req.arch));
    if (p) {
      queue_push2(&job.q, SOLVER_INSTALL | SOLVER_SOLVABLE, p);
      roots.push_back(p);
    }
  }
  AptPreference pref(l, req.recommends);
  pref.walk(roots);
  // Weak installs: libsolv drops any that would break the request, so the
  // result stays libsolv's; otherwise apt's picks win over libsolv's own
  // tie-breaking (which prefers a package that Replaces+Conflicts the rest).
  for (Id p : pref.picked()) queue_push2(&job.q, SOLVER_INSTALL | SOLVER_SOLVABLE | SOLVER_WEAK, p);
  std::unique_ptr<Solver, SolverDeleter> solv(solver_create(pool));
  solver_set_flag(solv.get(), SOLVER_FLAG_IGNORE_RECOMMENDED, req.recommends ? 0 : 1);
  solver_set_flag(solv.get(), SOLVER_FLAG_ALLOW_UNINSTALL, 0);
  int nproblems = solver_solve(solv.get(), &job.q);
  std::vector<std::string> names;
  for (const auto& s : wanted) names.push_back(s.name);
  if (nproblems) return invalid("cannot install " + join(names, " ") + ": " + explain(solv.get(), nproblems));
  std::unique_ptr<Transaction, TransDeleter> trans(solver_create_transaction(solv.get()));
  std::vector<ResolvedPackage> out;
  for (int i = 0; i < trans->steps.count; ++i) {
    Id p = trans->steps.elements[i];
    Solvable* s = pool->solvables + p;
    int type = transaction_type(trans.get(), p, SOLVER_TRANSACTION_SHOW_ACTIVE | SOLVER_TRANSACTION_SHOW_OBSOLETES);
    if (s->repo == l.installed) {
      if (type == SOLVER_TRANSACTION_ERASE)
        return invalid("cannot install " + join(names, " ") + ": it would remove " + pool_solvable2str(pool, s) +
                       " from the base");
      continue;
    }
    ResolvedPackage r;
    r.name = pool_id2str(pool, s->name);
    r.version = pool_id2str(pool, s->evr);
    r.arch = pool_id2str(pool, s->arch);
    unsigned int medianr = 0;
    const char* loc = solvable_lookup_location(s, &medianr);
    r.filename = loc ? loc : "";
    DL_TRY(check_filename(r.name, r.filename));
    Id ctype = 0;
    const char* sum = solvable_lookup_checksum(s, SOLVABLE_CHECKSUM, &ctype);
    if (!sum || ctype != REPOKEY_TYPE_SHA256)
      return Error(ErrorKind::integrity, "package " + r.name + " " + r.version + ": index lists no SHA256");
    r.sha256 = sum;
    for (const auto& [repo, ix] : l.repos)
      if (repo == s->repo) {
        r.repo_uri = ix->uri;
        r.url = ix->uri + "/" + r.filename;
      }
    r.upgrade = type == SOLVER_TRANSACTION_UPGRADE || type == SOLVER_TRANSACTION_DOWNGRADE ||
                type == SOLVER_TRANSACTION_CHANGE || type == SOLVER_TRANSACTION_REINSTALL;
    out.push_back(std::move(r));
  }
  DL_TRY(add_index_fields(l, out));
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace dl::apt
