// A layout is untrusted: symlinks below its root are never followed, a
// present blob is re-hashed before reuse (a corrupt one is rewritten, not
// kept), and a killed run's temp files are removed by the next open.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <utime.h>

#include <fcntl.h>

#include "base/sha256.h"
#include "builder/layout/layout.h"
#include "builder/layout/layout_store.h"
#include "builder/layout/store_image.h"

namespace dl::layout {
namespace {

using image::Descriptor;

Layout make(const fs::path& dir) {
  auto l = Layout::open_or_create(dir);
  EXPECT_TRUE(l.ok()) << l.error().message();
  return std::move(*l);
}

// Blob `d` of `from` into `to` the way base images travel (ImageStore copy).
Status copy_blob(const Layout& from, const Descriptor& d, const Layout& to) {
  LayoutStore src(from), dst(to);
  DL_ASSIGN_OR_RETURN(auto blob, src.open_blob({d.media_type, d.digest, std::uint64_t(d.size)}));
  return dst.put_blobs({blob});
}

Descriptor put(const Layout& l, const std::string& bytes) {
  auto d = l.put_blob(bytes, "application/octet-stream");
  EXPECT_TRUE(d.ok()) << d.error().message();
  return *d;
}

// A one-layer image tagged "base" whose layer holds `layer_bytes`.
StoredRefs small_image(const Layout& l, const std::string& layer_bytes) {
  Descriptor layer = put(l, layer_bytes);
  layer.media_type = "application/vnd.oci.image.layer.v1.tar";
  image::ImageConfig cfg;
  cfg.set_created(0);
  cfg.add_layer(Digest{"sha256", Sha256::hex(layer_bytes)}, "test", 0);
  LayoutStore st(l);
  auto s = store_image(st, image::ManifestFormat::oci, cfg, {layer}, {}, {"base"});
  EXPECT_TRUE(s.ok()) << s.error().message();
  return *s;
}

void overwrite_same_size(const fs::path& p) {
  auto text = read_file(p).value();
  text[text.size() / 2] ^= 0x20;
  ::chmod(p.c_str(), 0644);
  ASSERT_TRUE(write_file_atomic(p, text).ok());
}

TEST(HostileLayout, BlobSymlinkLeadingOutIsNeverFollowed) {
  TempDir t;
  std::string secret = "root:$6$hash:19000:0:99999:7:::\n";
  ASSERT_TRUE(write_file_atomic(t.path() / "shadow", secret).ok());
  Layout l = make(t.path() / "layout");
  Descriptor d{
      "application/octet-stream", Digest{"sha256", Sha256::hex(secret)}, std::int64_t(secret.size()), {}, {}, {}};
  ASSERT_EQ(::symlink((t.path() / "shadow").c_str(), l.blob_path(d.digest).c_str()), 0);
  EXPECT_FALSE(l.has_blob(d.digest));
  auto r = l.read_blob(d);
  ASSERT_FALSE(r.ok()) << "a symlinked blob was read: " << *r;
  EXPECT_NE(r.error().message().find("symlink"), std::string::npos) << r.error().message();
  // Copying it into another layout must not copy the host file either.
  Layout out = make(t.path() / "out");
  EXPECT_FALSE(copy_blob(l, d, out).ok());
  EXPECT_FALSE(out.has_blob(d.digest));
}

TEST(HostileLayout, SymlinkedBlobsDirectoryAndIndexAreRefused) {
  TempDir t;
  Layout real = make(t.path() / "real");
  auto img = small_image(real, "layer bytes");
  // A layout whose blobs/ points into another tree.
  fs::path evil = t.path() / "evil";
  ASSERT_TRUE(ensure_dir(evil).ok());
  fs::copy_file(real.root() / "oci-layout", evil / "oci-layout");
  fs::copy_file(real.root() / "index.json", evil / "index.json");
  ASSERT_EQ(::symlink((real.root() / "blobs").c_str(), (evil / "blobs").c_str()), 0);
  auto l = Layout::open(evil);
  ASSERT_TRUE(l.ok());
  LayoutStore evil_store(*l);
  auto read = read_image(evil_store, "base");
  ASSERT_FALSE(read.ok());
  EXPECT_NE(read.error().message().find("symlink"), std::string::npos) << read.error().message();
  // index.json as a link to somewhere else.
  fs::path evil2 = t.path() / "evil2";
  ASSERT_TRUE(ensure_dir(evil2).ok());
  fs::copy_file(real.root() / "oci-layout", evil2 / "oci-layout");
  ASSERT_EQ(::symlink((real.root() / "index.json").c_str(), (evil2 / "index.json").c_str()), 0);
  auto l2 = Layout::open(evil2);
  ASSERT_TRUE(l2.ok());
  EXPECT_FALSE(l2->resolve("base").ok());
}

TEST(HostileLayout, CorruptBlobInOutputIsRewrittenNotReused) {
  TempDir t;
  Layout l = make(t.path());
  std::string bytes(100000, 'x');
  Descriptor d = put(l, bytes);
  overwrite_same_size(l.blob_path(d.digest));
  auto bad = l.verify_blob(d);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().kind(), ErrorKind::integrity) << bad.error().message();
  // Storing the same content again replaces the corrupt file.
  Descriptor again = put(l, bytes);
  EXPECT_EQ(again.digest, d.digest);
  EXPECT_TRUE(l.verify_blob(d).ok());
  // The streaming path with an expected digest does the same.
  overwrite_same_size(l.blob_path(d.digest));
  size_t pos = 0;
  auto reader = [&](char* buf, size_t cap) -> Result<size_t> {
    size_t n = std::min(cap, bytes.size() - pos);
    std::copy_n(bytes.data() + pos, n, buf);
    pos += n;
    return n;
  };
  ASSERT_TRUE(l.put_blob(reader, d.media_type, d.digest).ok());
  EXPECT_TRUE(l.verify_blob(d).ok());
}

TEST(HostileLayout, CopyBlobVerifiesSourceAndReplacesCorruptTarget) {
  TempDir t;
  Layout from = make(t.path() / "from");
  Layout to = make(t.path() / "to");
  Descriptor d = put(from, std::string(50000, 'b'));
  ASSERT_TRUE(copy_blob(from, d, to).ok());
  overwrite_same_size(to.blob_path(d.digest));
  ASSERT_TRUE(copy_blob(from, d, to).ok());
  EXPECT_TRUE(to.verify_blob(d).ok()) << "a corrupt target blob was kept";
  Layout to2 = make(t.path() / "to2");
  overwrite_same_size(from.blob_path(d.digest));
  auto r = copy_blob(from, d, to2);
  ASSERT_FALSE(r.ok()) << "a corrupt source blob was linked in unverified";
  EXPECT_EQ(r.error().kind(), ErrorKind::integrity);
  EXPECT_FALSE(to2.has_blob(d.digest));
}

TEST(HostileLayout, NextOpenRemovesDeadRunsTempFilesButNotLiveOnes) {
  TempDir t;
  Layout l = make(t.path());
  fs::path tmp = t.path() / ".dlimage-tmp";
  // A "killed run": a child creates and locks temp files, then dies by SIGKILL.
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    auto w = l.blob_writer();
    auto idx = AtomicFile::create(t.path() / "index.json");
    if (!w.ok() || !idx.ok()) ::_exit(1);
    (void)(*w)->write("partial", 7);
    ::kill(::getpid(), SIGKILL);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status));
  // A live writer in this process.
  auto live = l.blob_writer();
  ASSERT_TRUE(live.ok());
  size_t before = 0;
  for (auto& e : fs::directory_iterator(tmp)) {
    ++before;
    struct utimbuf old {
      ::time(nullptr) - 3600, ::time(nullptr) - 3600
    };
    ::utime(e.path().c_str(), &old);
  }
  for (auto& e : fs::directory_iterator(t.path()))
    if (e.path().filename().string().find(".tmp-") != std::string::npos) {
      struct utimbuf old {
        ::time(nullptr) - 3600, ::time(nullptr) - 3600
      };
      ::utime(e.path().c_str(), &old);
    }
  ASSERT_EQ(before, 2u);
  ASSERT_TRUE(Layout::open_or_create(t.path()).ok());
  size_t after = 0;
  for (auto& e : fs::directory_iterator(tmp)) (void)e, ++after;
  EXPECT_EQ(after, 1u) << "the dead run's blob temp should be gone, the live one kept";
  for (auto& e : fs::directory_iterator(t.path()))
    EXPECT_EQ(e.path().filename().string().find(".tmp-"), std::string::npos) << e.path();
  ASSERT_TRUE((*live)->write("x", 1).ok());
  ASSERT_TRUE((*live)->finish().ok()) << "the live writer's temp file was removed under it";
}

}  // namespace
}  // namespace dl::layout
