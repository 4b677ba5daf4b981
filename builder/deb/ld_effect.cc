// libc-bin's ldconfig trigger, reproduced: after an install, the final
// tree's /etc/ld.so.cache (ld_cache.h), written as one more entry of the
// install (a layer's file, or a file on disk through its temp name).
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "base/confined.h"
#include "base/strings.h"
#include "builder/deb/install_state.h"
#include "builder/deb/ld_cache.h"

namespace dl::deb {

namespace {

constexpr const char* kCache = "etc/ld.so.cache";

// The tree an install leaves: its Tree (every base path in a layer stack,
// the new ones on disk) and, for contents, what the install captured plus
// the base's kept files, or the directory itself.
class InstallLdTree : public LdTree {
 public:
  InstallLdTree(const InstallState& st, std::optional<std::filesystem::path> root) : st_(st), root_(std::move(root)) {}
  Result<std::string> resolve(const std::string& p) const override { return st_.base.tree.resolve(p); }
  std::optional<Node> find(const std::string& p) const override {
    if (p.empty()) return Node{layer::EntryType::dir, "", ""};
    return st_.base.tree.find(p);
  }
  std::vector<std::string> list(const std::string& dir) const override {
    std::set<std::string> names;
    if (root_) {
      std::error_code ec;
      for (std::filesystem::directory_iterator it(*root_ / dir, ec), end; !ec && it != end; it.increment(ec))
        names.insert(it->path().filename().string());
    } else {
      const auto& nodes = st_.base.tree.nodes();
      std::string prefix = dir.empty() ? "" : dir + "/";
      // Child by child: a child's subtree is the range [child/, child0) ('/' + 1 == '0'), jumped over.
      for (auto it = nodes.lower_bound(prefix); it != nodes.end() && it->first.starts_with(prefix);) {
        std::string rest = it->first.substr(prefix.size());
        auto slash = rest.find('/');
        names.insert(rest.substr(0, slash));
        if (slash == std::string::npos)
          ++it;
        else
          it = nodes.lower_bound(prefix + rest.substr(0, slash) + "0");
      }
    }
    return {names.begin(), names.end()};
  }
  Result<std::optional<std::string>> read(const std::string& p, std::size_t max) const override {
    if (root_) {
      DL_ASSIGN_OR_RETURN(auto text, read_bounded(*root_ / p, max, "/" + p));
      return std::optional<std::string>(std::move(text));
    }
    const auto& confs = st_.ld.conf_texts();
    if (auto it = confs.find(p); it != confs.end()) return std::optional<std::string>(it->second);
    if (st_.emitted.count(p)) return invalid("/" + p + ": larger than " + std::to_string(max) + " bytes");
    if (auto it = st_.base.dpkg_files.find(p); it != st_.base.dpkg_files.end()) {
      if (it->second.size() > max) return invalid("/" + p + ": larger than " + std::to_string(max) + " bytes");
      return std::optional<std::string>(it->second);
    }
    return std::optional<std::string>();
  }

 private:
  const InstallState& st_;
  std::optional<std::filesystem::path> root_;
};

// A base file in a directory on disk, read only as far as the probe needs.
std::optional<ElfFacts> probe_on_disk(const std::filesystem::path& root, const std::string& rel) {
  auto fd = open_regular_beneath(root, split(rel, '/'));
  if (!fd.ok()) return ElfFacts{};
  struct Close {
    int fd;
    ~Close() { ::close(fd); }
  } close_fd{*fd};
  off_t size = ::lseek(*fd, 0, SEEK_END);
  if (size < 0 || ::lseek(*fd, 0, SEEK_SET) != 0) return ElfFacts{};
  ElfProbe probe{std::uint64_t(size)};
  std::vector<char> buf(64 * 1024);
  while (!probe.done()) {
    ssize_t n = ::read(*fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    probe.feed(buf.data(), size_t(n));
  }
  return probe.finish();
}

// The architecture whose ldconfig the tree carries: libc-bin's, new or from the base.
std::string libc_bin_arch(const InstallState& st, const std::vector<const DebControl*>& installed) {
  for (const auto* c : installed)
    if (c->package() == "libc-bin") return c->architecture();
  for (const auto& p : st.base.status)
    if (p.get("Package") == "libc-bin" && p.get("Status").ends_with(" installed")) return p.get("Architecture");
  return "";
}

}  // namespace

Status write_ld_cache(InstallState& st, const std::vector<const DebControl*>& installed) {
  // Only amd64's ldconfig is reproduced (and checked against the real one);
  // a tree without libc-bin has no ldconfig and gets no cache.
  if (libc_bin_arch(st, installed) != "amd64") return {};
  std::optional<std::filesystem::path> root = st.sink.disk_root();
  InstallLdTree tree(st, root);
  LdCacheRequest req;
  req.tree = &tree;
  req.multiarch = "x86_64-linux-gnu";
  req.fresh = &st.ld.facts();
  req.written = &st.emitted;
  bool have_cache = st.base.tree.exists(kCache);
  if (root) {
    req.probe = [r = *root](const std::string& p) { return probe_on_disk(r, p); };
  } else if (auto it = st.base.dpkg_files.find(kCache); have_cache && it != st.base.dpkg_files.end()) {
    req.base_cache = it->second;
  }
  auto built = build_ld_cache(req);
  if (!built.ok()) return built.error().wrap("/etc/ld.so.cache");
  // As the trigger: rewritten when this install touched a library
  // directory or the configuration (or there is no cache yet).
  bool touched = !have_cache;
  auto in_dirs = [&](const std::string& p) {
    auto slash = p.rfind('/');
    return p.starts_with("etc/ld.so.conf") || built->dirs.count(slash == std::string::npos ? "" : p.substr(0, slash));
  };
  for (const auto& p : st.emitted) touched = touched || in_dirs(p);
  for (const auto& p : st.removed) touched = touched || in_dirs(p);
  if (!touched) return {};
  DL_ASSIGN_OR_RETURN(std::string where, st.base.tree.resolve_parent(kCache, ""));
  return st.emit_file(where, built->bytes);
}

}  // namespace dl::deb
