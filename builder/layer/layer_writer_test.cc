#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <locale.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "builder/layer/layer_writer.h"

namespace dl::layer {
namespace {

struct TarItem {
  std::string path, hardlink, symlink, content, uname;
  unsigned mode = 0;
  int filetype = 0;
  long long uid = -1, gid = -1, mtime = -1;
  bool has_atime = false, has_ctime = false;
};

// Decodes any layer blob (gzip, zstd or plain) with libarchive's reader.
std::vector<TarItem> read_tar(const std::string& blob) {
  // UTF-8 names need a UTF-8 LC_CTYPE in libarchive's reader too.
  static locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", locale_t(0));
  locale_t old = uselocale(utf8);
  std::vector<TarItem> items;
  archive* a = archive_read_new();
  archive_read_support_filter_all(a);
  archive_read_support_format_tar(a);
  EXPECT_EQ(archive_read_open_memory(a, blob.data(), blob.size()), ARCHIVE_OK) << archive_error_string(a);
  archive_entry* e;
  while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
    TarItem t;
    t.path = archive_entry_pathname_utf8(e) ? archive_entry_pathname_utf8(e) : archive_entry_pathname(e);
    if (archive_entry_hardlink(e)) t.hardlink = archive_entry_hardlink(e);
    if (archive_entry_symlink(e)) t.symlink = archive_entry_symlink(e);
    if (archive_entry_uname(e)) t.uname = archive_entry_uname(e);
    t.mode = archive_entry_perm(e);
    t.filetype = int(archive_entry_filetype(e));
    t.uid = archive_entry_uid(e);
    t.gid = archive_entry_gid(e);
    t.mtime = archive_entry_mtime(e);
    t.has_atime = archive_entry_atime_is_set(e);
    t.has_ctime = archive_entry_ctime_is_set(e);
    char buf[8192];
    la_ssize_t n;
    while ((n = archive_read_data(a, buf, sizeof buf)) > 0) t.content.append(buf, size_t(n));
    items.push_back(t);
  }
  archive_read_free(a);
  uselocale(old);
  return items;
}

void write(const fs::path& p, const std::string& data, unsigned mode, time_t mtime) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << data;
  ::chmod(p.c_str(), mode);
  struct timespec ts[2] = {{mtime, 0}, {mtime, 0}};
  ::utimensat(AT_FDCWD, p.c_str(), ts, AT_SYMLINK_NOFOLLOW);
}

const std::string kLong = std::string(120, 'n') + "/" + std::string(90, 'f') + ".txt";

// The same content; times, owners and creation order differ per `variant`.
void make_tree(const fs::path& root, int variant) {
  time_t t = 1500000000 + variant * 1000;
  std::vector<std::function<void()>> steps = {
      [&] { write(root / "usr/bin/tool", "#!/bin/sh\necho hi\n", variant ? 0700 : 0775, t); },
      [&] { write(root / "usr/lib/libx.so", std::string(300000, 'x'), 0600, t + 5); },
      [&] { write(root / "etc/conf", "a=1\n", 0640, t + 9); },
      [&] { write(root / kLong, "long", 0644, t); },
  };
  if (variant) std::reverse(steps.begin(), steps.end());
  for (auto& s : steps) s();
  fs::create_directories(root / "empty/dir");
  fs::create_symlink("../lib/libx.so", root / "usr/bin/libx-link");
  fs::create_hard_link(root / "usr/bin/tool", root / "usr/bin/tool2");
  if (variant) {
    for (auto& p : fs::recursive_directory_iterator(root)) ::lchown(p.path().c_str(), 1000 + variant, 1000 + variant);
  }
}

struct Built {
  LayerInfo info;
  std::string blob;
};

Built build_tree(const fs::path& root, CompressOptions c, std::int64_t epoch = 0) {
  StringSink out;
  LayerOptions o;
  o.compression = c;
  o.source_date_epoch = epoch;
  auto w = LayerWriter::create(o, &out);
  EXPECT_TRUE(w.ok());
  auto s = (*w)->add_tree(root);
  EXPECT_TRUE(s.ok()) << s.error().message();
  auto info = (*w)->finish();
  EXPECT_TRUE(info.ok()) << info.error().message();
  return {*info, out.out};
}

TEST(LayerWriter, SameTreeDifferentMetadataGivesIdenticalBytes) {
  TempDir a, b;
  make_tree(a.path(), 0);
  make_tree(b.path(), 1);
  for (auto algo : {Compression::gzip, Compression::zstd}) {
    Built x = build_tree(a.path(), {algo, 0, 1});
    Built y = build_tree(b.path(), {algo, 0, 2});
    EXPECT_EQ(x.info.diff_id, y.info.diff_id);
    EXPECT_EQ(x.info.digest, y.info.digest);
    EXPECT_EQ(x.blob, y.blob);
    EXPECT_EQ(x.info.size, x.blob.size());
    EXPECT_EQ(x.info.digest, Digest::of(x.blob));
  }
  Built n = build_tree(a.path(), {Compression::none, 0, 1});
  EXPECT_EQ(n.info.diff_id, n.info.digest);
  EXPECT_EQ(n.info.diff_id, build_tree(a.path(), {Compression::gzip, 0, 1}).info.diff_id);
}

TEST(LayerWriter, TarHasSortedNormalisedEntries) {
  TempDir a;
  make_tree(a.path(), 1);
  Built x = build_tree(a.path(), {Compression::gzip, 6, 2}, 1600000000);
  auto items = read_tar(x.blob);
  std::vector<std::string> paths;
  for (auto& t : items) paths.push_back(t.path);
  std::string long_dir = std::string(120, 'n');
  std::vector<std::string> want = {"empty",
                                   "empty/dir",
                                   "etc",
                                   "etc/conf",
                                   long_dir,
                                   kLong,
                                   "usr",
                                   "usr/bin",
                                   "usr/bin/libx-link",
                                   "usr/bin/tool",
                                   "usr/bin/tool2",
                                   "usr/lib",
                                   "usr/lib/libx.so"};
  // libarchive may or may not print the trailing slash of directories.
  for (auto& p : paths)
    if (!p.empty() && p.back() == '/') p.pop_back();
  EXPECT_EQ(paths, want);
  for (auto& t : items) {
    EXPECT_EQ(t.uid, 0) << t.path;
    EXPECT_EQ(t.gid, 0) << t.path;
    EXPECT_EQ(t.uname, "") << t.path;
    EXPECT_LE(t.mtime, 1600000000) << t.path;
    EXPECT_FALSE(t.has_atime) << t.path;
    EXPECT_FALSE(t.has_ctime) << t.path;
  }
  auto find = [&](const std::string& p) {
    for (auto& t : items)
      if (t.path == p) return t;
    ADD_FAILURE() << "missing " << p;
    return TarItem{};
  };
  EXPECT_EQ(find("etc/conf").mtime, 1500001009) << "mtimes before the epoch are kept";
  EXPECT_EQ(find("usr/bin/").mtime, 1600000000) << "directories made now are clamped to the epoch";
  EXPECT_EQ(find("usr/bin/tool").mode, 0755u);
  EXPECT_EQ(find("usr/bin/tool").content, "#!/bin/sh\necho hi\n");
  EXPECT_EQ(find("usr/lib/libx.so").mode, 0644u);
  EXPECT_EQ(find("usr/lib/libx.so").content.size(), 300000u);
  EXPECT_EQ(find("etc/conf").mode, 0644u);
  EXPECT_EQ(find("usr/bin/tool2").hardlink, "usr/bin/tool");
  EXPECT_EQ(find("usr/bin/libx-link").symlink, "../lib/libx.so");
  EXPECT_EQ(find(kLong).content, "long");
}

TEST(LayerWriter, MtimesAreClampedToSourceDateEpoch) {
  TempDir a;
  make_tree(a.path(), 0);
  for (auto& t : read_tar(build_tree(a.path(), {Compression::none, 0, 1}, 0).blob)) EXPECT_EQ(t.mtime, 0) << t.path;
}

TEST(LayerWriter, EntriesWithReadersAndParentsAndWhiteouts) {
  StringSink out;
  LayerOptions o;
  o.compression = {Compression::zstd, 3, 2};
  o.source_date_epoch = 42;
  auto w = LayerWriter::create(o, &out);
  ASSERT_TRUE(w.ok());
  std::vector<Entry> entries(3);
  entries[0].path = "/opt/pkg/zeta.py";
  entries[0].size = 5;
  entries[1].path = "./opt/pkg/alpha.py";
  entries[1].size = 5;
  entries[1].mode = 0700;
  entries[2].path = "opt/pkg/link";
  entries[2].type = EntryType::symlink;
  entries[2].link_target = "alpha.py";
  for (auto& e : entries) ASSERT_TRUE(clean_entry_path(e.path).ok());
  for (auto& e : entries) e.path = *clean_entry_path(e.path);
  sort_entries(entries);
  for (auto& e : entries) {
    std::string body = "hello";
    size_t pos = 0;
    ReadFn r = [&](char* buf, size_t cap) -> Result<size_t> {
      size_t n = std::min(cap, body.size() - pos);
      std::copy_n(body.data() + pos, n, buf);
      pos += n;
      return n;
    };
    ASSERT_TRUE((*w)->add(e, e.type == EntryType::file ? r : ReadFn{}).ok());
  }
  ASSERT_TRUE((*w)->add_whiteout("usr/share/doc").ok());
  ASSERT_TRUE((*w)->add_opaque_whiteout("var/cache").ok());
  auto info = (*w)->finish();
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->oci_media_type(), "application/vnd.oci.image.layer.v1.tar+zstd");
  auto items = read_tar(out.out);
  std::vector<std::string> paths;
  for (auto& t : items) {
    paths.push_back(t.path);
    EXPECT_EQ(t.mtime, 42);
  }
  std::vector<std::string> want = {"opt",
                                   "opt/pkg",
                                   "opt/pkg/alpha.py",
                                   "opt/pkg/link",
                                   "opt/pkg/zeta.py",
                                   "usr",
                                   "usr/share",
                                   "usr/share/.wh.doc",
                                   "var",
                                   "var/cache",
                                   "var/cache/.wh..wh..opq"};
  for (auto& p : paths)
    if (!p.empty() && p.back() == '/') p.pop_back();
  EXPECT_EQ(paths, want);
  EXPECT_EQ(items[2].mode, 0755u);
  EXPECT_EQ(items[2].content, "hello");
}

TEST(LayerWriter, ReaderYieldingWrongSizeIsAnError) {
  StringSink out;
  auto w = LayerWriter::create({}, &out);
  ASSERT_TRUE(w.ok());
  Entry e;
  e.path = "a/b.whl-file";
  e.size = 10;
  bool once = false;
  auto s = (*w)->add(e, [&](char* buf, size_t) -> Result<size_t> {
    if (once) return size_t(0);
    once = true;
    buf[0] = 'x';
    return size_t(1);
  });
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message().find("a/b.whl-file"), std::string::npos) << s.error().message();
  EXPECT_NE(s.error().message().find("declared 10"), std::string::npos) << s.error().message();
  Entry bad;
  bad.path = "../escape";
  EXPECT_FALSE((*w)->add(bad).ok());
  EXPECT_FALSE((*w)->add_bytes("later", "x").ok()) << "a half-written entry poisons the layer";
  EXPECT_FALSE((*w)->finish().ok());
}

TEST(LayerWriter, NonAsciiNamesSurviveAsUtf8) {
  StringSink out;
  auto w = LayerWriter::create({}, &out);
  ASSERT_TRUE(w.ok());
  const std::string name = "opt/caf\xc3\xa9/\xe6\x97\xa5\xe6\x9c\xac.txt";
  auto s = (*w)->add_bytes(name, "x");
  ASSERT_TRUE(s.ok()) << s.error().message();
  ASSERT_TRUE((*w)->finish().ok());
  auto items = read_tar(out.out);
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[2].path, name);
}

TEST(LayerWriter, EntryPathOrderMatchesTarSortName) {
  EXPECT_TRUE(entry_path_less("a", "a/b"));
  EXPECT_TRUE(entry_path_less("a/b", "a-b"));  // '/' before '-': children follow their dir
  EXPECT_TRUE(entry_path_less("a/z", "b"));
  EXPECT_FALSE(entry_path_less("b", "a/z"));
  EXPECT_EQ(whiteout_path("x/y/"), "x/.wh.y");
  EXPECT_EQ(opaque_whiteout_path("x/"), "x/.wh..wh..opq");
}

TEST(LayerWriter, WriteTreeLayerToFile) {
  TempDir a, out;
  make_tree(a.path(), 0);
  auto info = write_tree_layer(a.path(), {}, out.path() / "layer.tar.gz");
  ASSERT_TRUE(info.ok()) << info.error().message();
  auto bytes = read_file(out.path() / "layer.tar.gz");
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(Digest::of(*bytes), info->digest);
  EXPECT_EQ(bytes->size(), info->size);
  EXPECT_EQ(std::distance(fs::directory_iterator(out.path()), fs::directory_iterator()), 1) << "temp file left";
}

}  // namespace
}  // namespace dl::layer
