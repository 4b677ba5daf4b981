// LayerWriter::add_tree: a deterministic walk that only uses the public
// add(), so a tree layer and an entry-by-entry layer of the same files are
// byte-identical.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <utility>
#include <vector>

#include "builder/layer/layer_writer.h"

namespace dl::layer {

namespace {

struct Walker {
  LayerWriter* writer;
  std::map<std::pair<dev_t, ino_t>, std::string> first_path;  // hardlink detection

  Status walk(const fs::path& abs, const std::string& rel) {
    std::vector<std::string> names;
    std::error_code ec;
    for (fs::directory_iterator it(abs, ec), end; !ec && it != end; it.increment(ec))
      names.push_back(it->path().filename().string());
    if (ec) return io_error(abs.string() + ": cannot list directory: " + ec.message());
    std::sort(names.begin(), names.end());
    for (const auto& name : names) {
      fs::path child = abs / name;
      std::string child_rel = rel.empty() ? name : rel + "/" + name;
      DL_TRY(add_one(child, child_rel));
    }
    return {};
  }

  Status add_one(const fs::path& abs, const std::string& rel) {
    struct stat st;
    if (::lstat(abs.c_str(), &st) != 0) return io_error(abs.string() + ": lstat failed: " + std::strerror(errno));
    Entry e;
    e.path = rel;
    e.mode = st.st_mode & 07777;
    e.mtime = st.st_mtim.tv_sec;
    if (S_ISDIR(st.st_mode)) {
      e.type = EntryType::dir;
      DL_TRY(writer->add(e));
      return walk(abs, rel);
    }
    if (S_ISLNK(st.st_mode)) {
      std::string target(size_t(st.st_size) + 1, '\0');
      ssize_t n = ::readlink(abs.c_str(), target.data(), target.size());
      if (n < 0) return io_error(abs.string() + ": readlink failed: " + std::strerror(errno));
      target.resize(size_t(n));
      e.type = EntryType::symlink;
      e.link_target = target;
      return writer->add(e);
    }
    if (!S_ISREG(st.st_mode))
      return Error(ErrorKind::unsupported, abs.string() + ": not a regular file, directory or symlink");
    if (st.st_nlink > 1) {
      auto key = std::make_pair(st.st_dev, st.st_ino);
      auto it = first_path.find(key);
      if (it != first_path.end()) {
        e.type = EntryType::hardlink;
        e.link_target = it->second;
        return writer->add(e);
      }
      first_path.emplace(key, rel);
    }
    e.size = std::uint64_t(st.st_size);
    DL_ASSIGN_OR_RETURN(ReadFn reader, open_file_reader(abs));
    return writer->add(e, reader);
  }
};

}  // namespace

Status LayerWriter::add_tree(const fs::path& dir, const std::string& prefix) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return not_found(dir.string() + ": not a directory (expected the layer's root)");
  Walker w{this, {}};
  std::string rel;
  if (!prefix.empty()) {
    DL_ASSIGN_OR_RETURN(rel, clean_entry_path(prefix));
    Entry root;
    root.type = EntryType::dir;
    root.path = rel;
    DL_TRY(add(root));
  }
  return w.walk(dir, rel);
}

}  // namespace dl::layer
