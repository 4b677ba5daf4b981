#include "builder/layer/layer_writer.h"

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>

#include <cstdlib>
#include <set>
#include <vector>

#include "base/utf8_locale.h"

namespace dl::layer {

std::string LayerInfo::oci_media_type() const {
  switch (compression) {
    case Compression::none: return "application/vnd.oci.image.layer.v1.tar";
    case Compression::gzip: return "application/vnd.oci.image.layer.v1.tar+gzip";
    case Compression::zstd: return "application/vnd.oci.image.layer.v1.tar+zstd";
  }
  return "";
}

struct LayerWriter::Impl {
  LayerOptions opts;
  std::unique_ptr<HashingSink> blob_hash;
  std::unique_ptr<ByteSink> compressor;
  std::unique_ptr<HashingSink> tar_hash;
  archive* ar = nullptr;
  Status sink_error;           // first failure seen inside the libarchive callback
  std::set<std::string> dirs;  // directories already in the tar
  std::vector<char> buf = std::vector<char>(256 * 1024);
  bool finished = false;
  bool broken = false;  // a failure mid-entry leaves the tar unusable

  ~Impl() {
    if (ar) archive_write_free(ar);
  }

  static la_ssize_t on_write(archive*, void* self, const void* data, size_t len) {
    auto* impl = static_cast<Impl*>(self);
    Status s = impl->tar_hash->write(data, len);
    if (!s.ok()) {
      if (impl->sink_error.ok()) impl->sink_error = s;
      return -1;
    }
    return la_ssize_t(len);
  }

  Error archive_error(const std::string& what) {
    if (!sink_error.ok()) return sink_error.error().wrap(what);
    return io_error(what + ": " + (archive_error_string(ar) ? archive_error_string(ar) : "libarchive error"));
  }

  std::uint32_t mode_for(const Entry& e) const {
    if (!opts.normalize_modes && e.mode) return e.mode & 07777;
    std::uint32_t special = e.mode & 07000;  // setuid/setgid/sticky are meaningful, keep them
    switch (e.type) {
      case EntryType::dir: return 0755 | special;
      case EntryType::symlink: return 0777;
      default: return ((e.mode & 0111) ? 0755 : 0644) | special;
    }
  }

  Status write_entry(const Entry& e, const std::string& path, const ReadFn& content) {
    Utf8Locale utf8;
    archive_entry* ae = archive_entry_new();
    struct Free {
      archive_entry* ae;
      ~Free() { archive_entry_free(ae); }
    } free_ae{ae};
    std::int64_t epoch = opts.source_date_epoch;
    std::int64_t mtime = (e.mtime < 0 || e.mtime > epoch) ? epoch : e.mtime;
    archive_entry_set_pathname_utf8(ae, path.c_str());
    archive_entry_set_mtime(ae, mtime, 0);
    archive_entry_set_uid(ae, e.uid);
    archive_entry_set_gid(ae, e.gid);
    if (!e.uname.empty()) archive_entry_set_uname_utf8(ae, e.uname.c_str());
    if (!e.gname.empty()) archive_entry_set_gname_utf8(ae, e.gname.c_str());
    std::uint32_t perm = mode_for(e);
    switch (e.type) {
      case EntryType::dir: archive_entry_set_filetype(ae, AE_IFDIR); break;
      case EntryType::symlink:
        archive_entry_set_filetype(ae, AE_IFLNK);
        archive_entry_set_symlink_utf8(ae, e.link_target.c_str());
        break;
      case EntryType::hardlink: {
        DL_ASSIGN_OR_RETURN(std::string target, clean_entry_path(e.link_target));
        archive_entry_set_filetype(ae, AE_IFREG);
        archive_entry_set_hardlink_utf8(ae, target.c_str());
        break;
      }
      case EntryType::file:
        archive_entry_set_filetype(ae, AE_IFREG);
        archive_entry_set_size(ae, la_int64_t(e.size));
        break;
    }
    archive_entry_set_perm(ae, perm);
    if (e.type == EntryType::file && e.size > 0 && !content)
      return invalid("layer entry '" + path + "': size " + std::to_string(e.size) + " but no content reader");
    if (archive_write_header(ar, ae) != ARCHIVE_OK) return archive_error("layer entry '" + path + "'");
    if (e.type != EntryType::file) return {};
    std::uint64_t done = 0;
    while (content) {
      Result<size_t> got = content(buf.data(), buf.size());
      if (!got.ok()) return got.error().wrap("layer entry '" + path + "'");
      size_t n = *got;
      if (n == 0) break;
      if (done + n > e.size)
        return invalid("layer entry '" + path + "': content longer than the declared size " + std::to_string(e.size));
      if (archive_write_data(ar, buf.data(), n) != la_ssize_t(n)) return archive_error("layer entry '" + path + "'");
      done += n;
    }
    if (done != e.size)
      return invalid("layer entry '" + path + "': content has " + std::to_string(done) + " bytes, declared " +
                     std::to_string(e.size) + " (file changed while reading?)");
    return {};
  }

  Status ensure_parents(const std::string& path) {
    for (size_t slash = path.find('/'); slash != std::string::npos; slash = path.find('/', slash + 1)) {
      std::string dir = path.substr(0, slash);
      if (dirs.count(dir)) continue;
      Entry d;
      d.type = EntryType::dir;
      DL_TRY(write_entry(d, dir, {}));
      dirs.insert(dir);
    }
    return {};
  }
};

LayerWriter::LayerWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
LayerWriter::~LayerWriter() = default;

Result<std::unique_ptr<LayerWriter>> LayerWriter::create(const LayerOptions& opts, ByteSink* out) {
  Utf8Locale utf8;
  auto impl = std::make_unique<Impl>();
  impl->opts = opts;
  if (opts.compression.algorithm == Compression::none) {
    impl->tar_hash = std::make_unique<HashingSink>(out);  // blob == tar: hash once
  } else {
    impl->blob_hash = std::make_unique<HashingSink>(out);
    DL_ASSIGN_OR_RETURN(impl->compressor, make_compressor(opts.compression, impl->blob_hash.get()));
    impl->tar_hash = std::make_unique<HashingSink>(impl->compressor.get());
  }
  impl->ar = archive_write_new();
  if (!impl->ar) return Error(ErrorKind::internal, "libarchive: archive_write_new failed");
  if (archive_write_set_format_pax_restricted(impl->ar) != ARCHIVE_OK ||
      archive_write_add_filter_none(impl->ar) != ARCHIVE_OK ||
      archive_write_set_bytes_per_block(impl->ar, 10240) != ARCHIVE_OK ||
      archive_write_open(impl->ar, impl.get(), nullptr, &Impl::on_write, nullptr) != ARCHIVE_OK)
    return impl->archive_error("layer: cannot start tar stream");
  return std::unique_ptr<LayerWriter>(new LayerWriter(std::move(impl)));
}

Status LayerWriter::add(const Entry& entry, const ReadFn& content) {
  if (impl_->finished) return Error(ErrorKind::internal, "layer: add() after finish()");
  DL_ASSIGN_OR_RETURN(std::string path, clean_entry_path(entry.path));
  if (impl_->broken) return Error(ErrorKind::internal, "layer entry '" + path + "': the layer failed earlier");
  Status s = impl_->ensure_parents(path);
  if (s.ok() && entry.type == EntryType::dir) {
    if (impl_->dirs.count(path)) return {};
    impl_->dirs.insert(path);
  }
  if (s.ok()) s = impl_->write_entry(entry, path, content);
  if (!s.ok()) impl_->broken = true;
  return s;
}

Status LayerWriter::add_bytes(const std::string& path, std::string_view data, std::uint32_t mode) {
  Entry e;
  e.path = path;
  e.mode = mode;
  e.size = data.size();
  size_t pos = 0;
  return add(e, [&](char* buf, size_t cap) -> Result<size_t> {
    size_t n = std::min(cap, data.size() - pos);
    std::copy_n(data.data() + pos, n, buf);
    pos += n;
    return n;
  });
}

Status LayerWriter::add_whiteout(const std::string& deleted_path) {
  DL_ASSIGN_OR_RETURN(std::string p, clean_entry_path(deleted_path));
  return add_bytes(whiteout_path(p), "", 0644);
}

Status LayerWriter::add_opaque_whiteout(const std::string& dir) {
  DL_ASSIGN_OR_RETURN(std::string p, clean_entry_path(dir));
  return add_bytes(opaque_whiteout_path(p), "", 0644);
}

Result<LayerInfo> LayerWriter::finish() {
  if (impl_->finished) return Error(ErrorKind::internal, "layer: finish() called twice");
  if (impl_->broken) return Error(ErrorKind::internal, "layer: cannot finish after a failed entry");
  impl_->finished = true;
  Utf8Locale utf8;
  if (archive_write_close(impl_->ar) != ARCHIVE_OK) return impl_->archive_error("layer: closing tar stream");
  DL_TRY(impl_->tar_hash->finish());  // cascades: compressor -> blob hash -> sink
  LayerInfo info;
  info.diff_id = impl_->tar_hash->digest();
  info.tar_size = impl_->tar_hash->size();
  HashingSink* blob = impl_->blob_hash ? impl_->blob_hash.get() : impl_->tar_hash.get();
  info.digest = blob->digest();
  info.size = blob->size();
  info.compression = impl_->opts.compression.algorithm;
  return info;
}

Result<LayerInfo> write_tree_layer(const fs::path& dir, const LayerOptions& opts, const fs::path& blob_path) {
  DL_ASSIGN_OR_RETURN(auto sink, FileSink::create(blob_path));
  DL_ASSIGN_OR_RETURN(auto writer, LayerWriter::create(opts, sink.get()));
  DL_TRY(writer->add_tree(dir));
  return writer->finish();
}

}  // namespace dl::layer
