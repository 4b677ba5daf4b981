#include "builder/deb/base_scan.h"

#include <archive.h>
#include <archive_entry.h>

#include <cstring>

#include "base/utf8_locale.h"
#include "builder/deb/dpkg_db.h"
#include "builder/layer/gunzip.h"

namespace dl::deb {

namespace {
bool kept(const std::string& p) {
  const std::string d = kDpkgDir;
  // info/*.list: what an upgrade of a base package must remove (upgrade.h).
  // etc/ld.so.*: what /etc/ld.so.cache is rebuilt from (ld_cache.h).
  return p == d + "/status" || p.starts_with(d + "/triggers/") || p.starts_with(d + "/alternatives/") ||
         (p.starts_with(d + "/info/") && p.ends_with(".list")) || p == "etc/ld.so.conf" || p == "etc/ld.so.cache" ||
         p.starts_with("etc/ld.so.conf.d/");
}
const std::uint64_t kMaxKept = 256 << 20;  // a status file of every Debian package is ~60 MB
// All kept files together: a CUDA devel image's lists and status are ~50 MB.
const std::uint64_t kMaxKeptTotal = 1024ull << 20;
}  // namespace

struct BaseScanner::Impl {
  Tree tree;
  std::map<std::string, std::string> files;
  std::uint64_t kept = 0;  // bytes in `files`

  void erase(std::map<std::string, std::string>::iterator& it) {
    kept -= it->second.size();
    it = files.erase(it);
  }
  void remove_tree(const std::string& path) {
    tree.remove_tree(path);
    if (auto it = files.find(path); it != files.end()) erase(it);
    std::string prefix = path.empty() ? "" : path + "/";
    for (auto it = files.lower_bound(prefix); it != files.end() && it->first.starts_with(prefix);) erase(it);
  }
  Status keep(const std::string& path, std::string data, const std::string& layer) {
    auto it = files.find(path);
    if (it != files.end()) erase(it);
    if (kept + data.size() > kMaxKeptTotal)
      return invalid(layer + ": the dpkg database and ld.so files of the base layers exceed 1 GiB (at " + path + ")");
    kept += data.size();
    files[path] = std::move(data);
    return {};
  }
};

BaseScanner::BaseScanner() : impl_(std::make_unique<Impl>()) {}
BaseScanner::BaseScanner(BaseTree start) : impl_(std::make_unique<Impl>()) {
  impl_->tree = std::move(start.tree);
  impl_->files = std::move(start.dpkg_files);
  if (!start.status_text.empty()) impl_->files[std::string(kDpkgDir) + "/status"] = std::move(start.status_text);
  for (const auto& [p, text] : impl_->files) impl_->kept += text.size();
}
BaseScanner::~BaseScanner() = default;

Result<std::uint64_t> BaseScanner::add_layer(const layer::ReadFn& blob, const std::string& name) {
  // gzip undone by ISA-L (layer/gunzip.h), anything else by libarchive.
  bool zstd = false;
  bool first = true;
  layer::ReadFn sniffed = [&](char* buf, size_t cap) -> Result<size_t> {
    DL_ASSIGN_OR_RETURN(size_t n, blob(buf, cap));
    if (first && n >= 4) zstd = std::memcmp(buf, "\x28\xb5\x2f\xfd", 4) == 0;
    first = false;
    return n;
  };
  layer::ReadFn plain = layer::gunzip_reader(sniffed);
  struct Src {
    const layer::ReadFn* read;
    std::vector<char> buf = std::vector<char>(256 * 1024);
    Status err;
    std::uint64_t bytes = 0;
    static la_ssize_t cb(archive*, void* self, const void** out) {
      auto* s = static_cast<Src*>(self);
      auto got = (*s->read)(s->buf.data(), s->buf.size());
      if (!got.ok()) {
        s->err = got.error();
        return -1;
      }
      s->bytes += *got;
      *out = s->buf.data();
      return la_ssize_t(*got);
    }
  } src{&plain, std::vector<char>(256 * 1024), {}};
  Utf8Locale utf8;
  archive* a = archive_read_new();
  struct Free {
    archive* a;
    ~Free() { archive_read_free(a); }
  } free_a{a};
  archive_read_support_filter_all(a);
  archive_read_support_format_tar(a);
  archive_read_support_format_gnutar(a);
  archive_read_support_format_empty(a);
  auto fail = [&](const std::string& what) -> Error {
    if (!src.err.ok()) return src.err.error().wrap(name);
    return invalid(name + ": " + what + ": " +
                   (archive_error_string(a) ? archive_error_string(a) : "libarchive error"));
  };
  if (archive_read_open(a, &src, nullptr, &Src::cb, nullptr) != ARCHIVE_OK) return fail("not a tar layer");
  archive_entry* ae = nullptr;
  int r;
  while ((r = archive_read_next_header(a, &ae)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
    std::string raw = archive_entry_pathname(ae) ? archive_entry_pathname(ae) : "";
    if (raw.find_first_not_of("./") == std::string::npos && raw.find("..") == std::string::npos) continue;  // the root
    auto path = layer::clean_entry_path(raw);
    if (!path.ok()) return path.error().wrap(name);
    std::string p = *path;
    std::string dir = p.find('/') == std::string::npos ? "" : p.substr(0, p.rfind('/'));
    std::string base = p.substr(p.find('/') == std::string::npos ? 0 : p.rfind('/') + 1);
    if (base == ".wh..wh..opq") {
      impl_->remove_tree(dir);
      impl_->tree.put(dir, Node{layer::EntryType::dir, "", ""});
      continue;
    }
    if (base.starts_with(".wh.")) {
      impl_->remove_tree((dir.empty() ? "" : dir + "/") + base.substr(4));
      continue;
    }
    Node n;
    if (archive_entry_hardlink(ae))
      n.type = layer::EntryType::hardlink;
    else if (archive_entry_filetype(ae) == AE_IFDIR)
      n.type = layer::EntryType::dir;
    else if (archive_entry_filetype(ae) == AE_IFLNK) {
      n.type = layer::EntryType::symlink;
      n.target = archive_entry_symlink(ae) ? archive_entry_symlink(ae) : "";
    }
    if (n.type != layer::EntryType::dir) impl_->remove_tree(p);  // a file replaces whatever was there
    impl_->tree.put(p, n);
    if (n.type == layer::EntryType::file && kept(p)) {
      std::int64_t size = archive_entry_size(ae);
      if (size < 0 || std::uint64_t(size) > kMaxKept) return invalid(name + ": " + p + " is larger than 256 MiB");
      std::string data(size_t(size), '\0');
      if (archive_read_data(a, data.data(), data.size()) != la_ssize_t(data.size())) return fail(p);
      DL_TRY(impl_->keep(p, std::move(data), name));
    }
  }
  if (r != ARCHIVE_EOF) return fail("corrupt or truncated layer");
  // What follows the tar's end marker (record padding, the gzip trailer):
  // read, so the blob's digest and the gzip CRC are checked and the tar's
  // size is its whole size.
  for (;;) {
    auto got = plain(src.buf.data(), src.buf.size());
    if (!got.ok()) return got.error().wrap(name);
    if (*got == 0) break;
    src.bytes += *got;
  }
  return zstd ? std::uint64_t(0) : src.bytes;
}

Result<BaseTree> BaseScanner::finish() {
  BaseTree b;
  std::string status_path = std::string(kDpkgDir) + "/status";
  auto it = impl_->files.find(status_path);
  if (it != impl_->files.end()) {
    DL_ASSIGN_OR_RETURN(b.status, parse_deb822(it->second, "/" + status_path));
    b.status_text = std::move(it->second);
    impl_->files.erase(it);
  }
  b.dpkg_files = std::move(impl_->files);
  b.tree = std::move(impl_->tree);
  return b;
}

Result<std::string> resolve_file(const Tree& tree, const std::string& path) {
  std::string rel = path.starts_with("/") ? path.substr(1) : path;
  DL_ASSIGN_OR_RETURN(std::string real, tree.resolve(rel));
  auto n = tree.find(real);
  if (!n) return not_found("/" + rel + (real == rel ? "" : " (-> /" + real + ")") + " does not exist");
  if (n->type == layer::EntryType::dir) return invalid("/" + rel + " is a directory");
  return real;
}

}  // namespace dl::deb
