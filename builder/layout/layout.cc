#include "builder/layout/layout.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "base/confined.h"
#include "base/strings.h"
#include "base/temp_sweep.h"
#include "base/verified.h"

namespace dl::layout {

namespace {

constexpr const char* kTmpDir = ".dlimage-tmp";
constexpr const char* kLayoutFile = R"({"imageLayoutVersion":"1.0.0"})";

std::string errno_text() { return std::strerror(errno); }

// Exclusive flock held for the lifetime of the object.
class IndexLock {
 public:
  static Result<IndexLock> acquire(const fs::path& lock_path) {
    int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return io_error(lock_path.string() + ": cannot open lock file: " + errno_text());
    while (::flock(fd, LOCK_EX) != 0) {
      if (errno == EINTR) continue;
      ::close(fd);
      return io_error(lock_path.string() + ": flock failed: " + errno_text());
    }
    return IndexLock(fd);
  }
  IndexLock(IndexLock&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  IndexLock& operator=(IndexLock&&) = delete;
  ~IndexLock() {
    if (fd_ >= 0) ::close(fd_);  // closing releases the flock
  }

 private:
  explicit IndexLock(int fd) : fd_(fd) {}
  int fd_;
};

// Blob and metadata paths below the root, opened without following links.
std::vector<std::string> blob_parts(const Digest& d) { return {"blobs", d.algorithm, d.hex}; }

constexpr std::size_t kMaxIndexBytes = 64 << 20;

Result<std::string> read_fd(int fd, std::size_t max, const fs::path& shown) {
  std::string out;
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return io_error(shown.string() + ": read failed: " + errno_text());
    if (n == 0) return out;
    if (out.size() + size_t(n) > max)
      return invalid(shown.string() + ": larger than " + std::to_string(max) + " bytes; expected at most that");
    out.append(buf, size_t(n));
  }
}

// Owns `fd`; shared so the ReadFn stays copyable.
Result<layer::ReadFn> fd_reader(int fd, std::string name) {
  struct Fd {
    int fd;
    ~Fd() { ::close(fd); }
  };
  std::shared_ptr<Fd> owned(new Fd{fd});
  return layer::ReadFn([owned, name](char* buf, size_t cap) -> Result<size_t> {
    for (;;) {
      ssize_t n = ::read(owned->fd, buf, cap);
      if (n >= 0) return size_t(n);
      if (errno == EINTR) continue;
      return io_error(name + ": read failed: " + std::strerror(errno));
    }
  });
}

Result<std::string> read_inside(const fs::path& root, const std::string& name, std::size_t max) {
  DL_ASSIGN_OR_RETURN(int fd, open_regular_beneath(root, {name}));
  auto text = read_fd(fd, max, root / name);
  ::close(fd);
  return text;
}

std::string ref_of(const image::Descriptor& d) {
  auto it = d.annotations.find(std::string(image::annotation::kRefName));
  return it == d.annotations.end() ? "" : it->second;
}

}  // namespace

Result<Layout> Layout::open(const fs::path& dir) {
  auto text = read_inside(dir, "oci-layout", 4096);
  if (!text.ok()) return not_found(dir.string() + ": not an OCI image layout (no readable oci-layout file)");
  if (text->find("imageLayoutVersion") == std::string::npos)
    return invalid((dir / "oci-layout").string() + ": expected {\"imageLayoutVersion\":\"1.0.0\"}");
  // Nothing is created here: base images may live in read-only layouts.
  return Layout(dir);
}

Result<Layout> Layout::open_or_create(const fs::path& dir) {
  DL_TRY(ensure_dir(dir / "blobs" / "sha256"));
  DL_TRY(ensure_dir(dir / kTmpDir));
  {
    DL_ASSIGN_OR_RETURN(IndexLock lock, IndexLock::acquire(dir / "index.json.lock"));
    std::error_code ec;
    if (!fs::exists(dir / "oci-layout", ec)) DL_TRY(write_file_atomic(dir / "oci-layout", kLayoutFile));
    if (!fs::exists(dir / "index.json", ec)) {
      DL_ASSIGN_OR_RETURN(std::string empty, image::serialize(image::Index{}));
      DL_TRY(write_file_atomic(dir / "index.json", empty));
    }
  }
  DL_ASSIGN_OR_RETURN(Layout l, open(dir));
  // What a killed run left behind goes now; live writers' files stay.
  DL_TRY(l.remove_stale_temp(std::chrono::seconds(2)));
  return l;
}

fs::path Layout::blob_path(const Digest& d) const { return root_ / "blobs" / d.algorithm / d.hex; }

bool Layout::has_blob(const Digest& d) const {
  auto fd = open_regular_beneath(root_, blob_parts(d));
  if (!fd.ok()) return false;
  ::close(*fd);
  return true;
}

Status Layout::verify_blob(const image::Descriptor& d) const {
  // Once per process for one file (base/verified.h): every image of a build
  // reuses the shared layers.
  std::string path = blob_path(d.digest).string(), claim = d.digest.str() + " " + std::to_string(d.size);
  if (verified_before(path, claim)) return {};
  DL_ASSIGN_OR_RETURN(auto reader, open_blob(d));
  layer::NullSink sink;
  auto copied = layer::copy_stream(reader, sink);
  if (!copied.ok()) return copied.error().wrap(root_.string());
  remember_verified(path, claim);
  return {};
}

Result<std::unique_ptr<BlobWriter>> Layout::blob_writer(std::optional<Digest> expected) const {
  DL_TRY(ensure_dir(root_ / "blobs" / "sha256"));
  DL_TRY(ensure_dir(root_ / kTmpDir));
  std::string tmpl = (root_ / kTmpDir / "blob-XXXXXX").string();
  int fd = ::mkstemp(tmpl.data());
  if (fd < 0) return io_error(tmpl + ": cannot create temp blob: " + errno_text());
  ::fchmod(fd, 0644);
  if (auto locked = lock_temp_file(fd, tmpl); !locked.ok()) {
    ::close(fd);
    ::unlink(tmpl.c_str());
    return locked.error();
  }
  return std::unique_ptr<BlobWriter>(new BlobWriter(root_ / "blobs" / "sha256", tmpl, fd, std::move(expected)));
}

Result<image::Descriptor> Layout::put_blob(const layer::ReadFn& reader, std::string_view media_type,
                                           std::optional<Digest> expected) const {
  if (expected && has_blob(*expected)) {
    std::error_code ec;
    auto size = fs::file_size(blob_path(*expected), ec);
    image::Descriptor d{std::string(media_type), *expected, std::int64_t(size), {}, {}, {}};
    // Trusted only once re-hashed; a corrupt one is rewritten below.
    if (!ec && verify_blob(d).ok()) return d;
  }
  DL_ASSIGN_OR_RETURN(auto w, blob_writer(expected));
  DL_TRY(layer::copy_stream(reader, *w));
  DL_TRY(w->finish());
  return w->descriptor(media_type);
}

Result<image::Descriptor> Layout::put_blob(std::string_view bytes, std::string_view media_type) const {
  image::Descriptor d = image::describe(media_type, bytes);
  if (has_blob(d.digest) && verify_blob(d).ok()) return d;
  DL_ASSIGN_OR_RETURN(auto w, blob_writer(d.digest));
  DL_TRY(w->write(bytes.data(), bytes.size()));
  DL_TRY(w->finish());
  return d;
}

Result<layer::ReadFn> Layout::open_blob(const image::Descriptor& d) const {
  auto fd = open_regular_beneath(root_, blob_parts(d.digest));
  if (!fd.ok()) return fd.error().wrap("blob " + d.digest.str());
  std::string path = blob_path(d.digest).string();
  auto raw = fd_reader(*fd, path);
  struct State {
    layer::ReadFn raw;
    Sha256 sha;
    std::uint64_t got = 0;
    bool checked = false;
    bool hashed = true;
  };
  auto st = std::make_shared<State>();
  st->raw = std::move(*raw);
  // Hashed already in this process and unchanged since (base/verified.h):
  // the base layer a build just linked in is not hashed again by the scan
  // that reads it next. The size is still checked.
  st->hashed = !verified_before(path, d.digest.str() + " " + std::to_string(d.size));
  std::string name = d.digest.str();
  std::uint64_t want_size = std::uint64_t(d.size);
  Digest want = d.digest;
  return layer::ReadFn([st, name, want_size, want](char* buf, size_t cap) -> Result<size_t> {
    DL_ASSIGN_OR_RETURN(size_t n, st->raw(buf, cap));
    if (st->hashed) st->sha.update(buf, n);
    st->got += n;
    if (st->got > want_size)
      return Error(ErrorKind::integrity,
                   "blob " + name + ": longer than the descriptor's size " + std::to_string(want_size));
    if (n == 0 && !st->checked) {
      st->checked = true;
      if (st->got != want_size)
        return Error(ErrorKind::integrity,
                     "blob " + name + ": " + std::to_string(st->got) + " bytes, expected " + std::to_string(want_size));
      std::string hex = st->hashed ? st->sha.hex_digest() : want.hex;
      if (hex != want.hex) return Error(ErrorKind::integrity, "blob " + name + ": content hashes to sha256:" + hex);
    }
    return n;
  });
}

Result<std::string> Layout::read_blob(const image::Descriptor& d, std::size_t max_size) const {
  if (d.size < 0 || std::size_t(d.size) > max_size)
    return invalid("blob " + d.digest.str() + ": size " + std::to_string(d.size) + " exceeds the limit " +
                   std::to_string(max_size) + " for an in-memory blob");
  DL_ASSIGN_OR_RETURN(auto reader, open_blob(d));
  layer::StringSink out;
  DL_TRY(layer::copy_stream(reader, out));
  return out.out;
}

Result<image::Index> Layout::read_index() const {
  fs::path p = root_ / "index.json";
  auto text = read_inside(root_, "index.json", kMaxIndexBytes);
  if (!text.ok() && text.error().kind() == ErrorKind::not_found) return image::Index{};
  if (!text.ok()) return text.error();
  return image::parse_index(*text, p.string());
}

Status Layout::update_index(const std::function<Status(image::Index&)>& change) const {
  DL_ASSIGN_OR_RETURN(IndexLock lock, IndexLock::acquire(root_ / "index.json.lock"));
  DL_ASSIGN_OR_RETURN(image::Index idx, read_index());
  idx.format = image::ManifestFormat::oci;  // index.json is always an OCI index
  DL_ASSIGN_OR_RETURN(std::string before, image::serialize(idx));
  DL_TRY(change(idx));
  DL_ASSIGN_OR_RETURN(std::string text, image::serialize(idx));
  // Unchanged (a rebuild re-tagging what it made last time): no write, no
  // fsync.
  if (text == before && fs::exists(root_ / "index.json")) return {};
  return write_file_atomic(root_ / "index.json", text);
}

Status Layout::tag(const std::string& ref_name, const image::Descriptor& manifest) const {
  if (ref_name.empty()) return invalid("layout tag: empty reference name");
  if (!has_blob(manifest.digest))
    return not_found(root_.string() + ": cannot tag " + ref_name + ": manifest blob " + manifest.digest.str() +
                     " is not in the layout (write blobs before tagging)");
  image::Descriptor d = manifest;
  d.annotations[std::string(image::annotation::kRefName)] = ref_name;
  auto already = [&](const image::Index& idx) {
    size_t same = 0, named = 0;
    for (const auto& e : idx.manifests)
      if (ref_of(e) == ref_name) ++named, same += e == d;
    return named == 1 && same == 1;
  };
  // Already so (a rebuild re-tagging what it made last time): one read, no
  // lock, no serializing.
  if (auto idx = read_index(); idx.ok() && already(*idx)) return {};
  return update_index([&](image::Index& idx) -> Status {
    // Already so: left where it is (and index.json is not rewritten).
    if (already(idx)) return {};
    std::erase_if(idx.manifests, [&](const image::Descriptor& e) { return ref_of(e) == ref_name; });
    idx.manifests.push_back(d);
    return {};
  });
}

Status Layout::untag(const std::string& ref_name) const {
  return update_index([&](image::Index& idx) -> Status {
    std::erase_if(idx.manifests, [&](const image::Descriptor& d) { return ref_of(d) == ref_name; });
    return {};
  });
}

Result<image::Descriptor> Layout::resolve(const std::string& ref_name) const {
  DL_ASSIGN_OR_RETURN(image::Index idx, read_index());
  std::vector<std::string> known;
  for (const auto& d : idx.manifests) {
    if (ref_of(d) == ref_name) return d;
    if (!ref_of(d).empty()) known.push_back(ref_of(d));
  }
  std::sort(known.begin(), known.end());
  std::string msg = root_.string() + ": no image tagged '" + ref_name + "'";
  msg += known.empty() ? " (the layout has no tags)" : " (tags: " + join(known, ", ") + ")";
  return not_found(msg);
}

Result<image::Index> Layout::list() const { return read_index(); }

Status Layout::validate(bool verify_digests) const {
  DL_ASSIGN_OR_RETURN(std::string marker, read_file(root_ / "oci-layout"));
  if (marker.find("imageLayoutVersion") == std::string::npos)
    return invalid((root_ / "oci-layout").string() + ": expected imageLayoutVersion");
  DL_ASSIGN_OR_RETURN(image::Index idx, read_index());
  auto check_blob = [&](const image::Descriptor& d, const std::string& who) -> Status {
    std::error_code ec;
    auto size = fs::file_size(blob_path(d.digest), ec);
    if (ec) return not_found(who + ": blob " + d.digest.str() + " is missing");
    if (std::int64_t(size) != d.size)
      return Error(ErrorKind::integrity, who + ": blob " + d.digest.str() + " has " + std::to_string(size) +
                                             " bytes, descriptor says " + std::to_string(d.size));
    if (!verify_digests) return {};
    DL_ASSIGN_OR_RETURN(auto reader, open_blob(d));
    layer::NullSink sink;
    auto copied = layer::copy_stream(reader, sink);
    if (!copied.ok()) return copied.error().wrap(who);
    return {};
  };
  std::function<Status(const image::Descriptor&, const std::string&)> check_manifest =
      [&](const image::Descriptor& d, const std::string& who) -> Status {
    DL_TRY(check_blob(d, who));
    if (image::is_index_media_type(d.media_type)) {
      DL_ASSIGN_OR_RETURN(std::string text, read_blob(d));
      DL_ASSIGN_OR_RETURN(image::Index sub, image::parse_index(text, who, d.media_type));
      for (const auto& m : sub.manifests) DL_TRY(check_manifest(m, who));
      return {};
    }
    if (!image::is_manifest_media_type(d.media_type)) return {};
    DL_ASSIGN_OR_RETURN(std::string text, read_blob(d));
    DL_ASSIGN_OR_RETURN(image::Manifest m, image::parse_manifest(text, who, d.media_type));
    DL_TRY(check_blob(m.config, who + " config"));
    for (size_t i = 0; i < m.layers.size(); ++i) DL_TRY(check_blob(m.layers[i], who + " layer " + std::to_string(i)));
    return {};
  };
  for (const auto& d : idx.manifests) {
    std::string who = root_.string() + ":" + (ref_of(d).empty() ? d.digest.str() : ref_of(d));
    DL_TRY(check_manifest(d, who));
  }
  return {};
}

Status Layout::remove_stale_temp(std::chrono::seconds age) const {
  auto any = [](std::string_view) { return true; };
  DL_TRY(sweep_dead_temp(root_ / kTmpDir, any, age));
  DL_TRY(sweep_dead_temp(root_, is_atomic_temp_name, age));  // index.json, oci-layout
  DL_TRY(sweep_dead_temp(root_ / ".dlimage-cache" / "layers", is_atomic_temp_name, age));
  return {};
}

Status verify_file(const fs::path& file, const Digest& d, std::uint64_t size) {
  int fd = ::open(file.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    if (e == ELOOP) return invalid(file.string() + ": is a symlink; expected a regular blob file");
    return Error(e == ENOENT ? ErrorKind::not_found : ErrorKind::io,
                 file.string() + ": cannot open: " + std::strerror(e));
  }
  DL_ASSIGN_OR_RETURN(auto reader, fd_reader(fd, file.string()));
  Sha256 sha;
  std::uint64_t got = 0;
  std::vector<char> buf(1 << 16);
  for (;;) {
    DL_ASSIGN_OR_RETURN(size_t n, reader(buf.data(), buf.size()));
    if (n == 0) break;
    sha.update(buf.data(), n);
    got += n;
  }
  if (got != size)
    return Error(ErrorKind::integrity,
                 file.string() + ": " + std::to_string(got) + " bytes, expected " + std::to_string(size));
  if (sha.hex_digest() != d.hex)
    return Error(ErrorKind::integrity,
                 file.string() + ": content hashes to sha256:" + sha.hex_digest() + ", expected " + d.str());
  return {};
}

Result<LayoutRef> parse_layout_ref(const std::string& text, const std::string& default_ref) {
  std::string rest = text.rfind("oci:", 0) == 0 ? text.substr(4) : text;
  auto expected = [&] {
    return invalid("'" + text + "': expected " + (default_ref.empty() ? "DIR:REF" : "DIR[:REF]") +
                   " (an OCI layout directory and a tag or digest)");
  };
  LayoutRef out{rest, default_ref};
  size_t colon = rest.rfind(':');
  if (colon != std::string::npos && rest.find('/', colon) == std::string::npos) {
    if (colon == 0 || colon + 1 == rest.size()) return expected();
    out = {rest.substr(0, colon), rest.substr(colon + 1)};
  }
  // dlimage's own tags are "repo:tag" ("out:team/app:1.0"): when the split
  // above does not end at a layout, the first colon that does wins.
  std::error_code ec;
  if (!fs::exists(out.dir / "oci-layout", ec))
    for (auto c = rest.find(':'); c != std::string::npos && c + 1 < rest.size(); c = rest.find(':', c + 1))
      if (c > 0 && fs::exists(fs::path(rest.substr(0, c)) / "oci-layout", ec)) {
        out = {rest.substr(0, c), rest.substr(c + 1)};
        break;
      }
  if (out.dir.empty() || out.ref_name.empty()) return expected();
  return out;
}

std::string layout_dir(const std::string& text) { return text.rfind("oci:", 0) == 0 ? text.substr(4) : text; }

}  // namespace dl::layout
