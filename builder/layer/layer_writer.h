// Streams a layer in one pass: tar (libarchive, PAX-restricted: plain ustar
// unless a name/size needs a PAX record) -> sha256 of the tar (diff_id) ->
// compressor -> sha256 + size of the blob (digest) -> caller's sink.
// Memory stays bounded by the compressor's block buffers.
//
//   layer::FileSink / Layout blob writer / upload stream
//          ^
//   LayerWriter w = LayerWriter::create(opts, &sink);
//   w.add(entry, reader); w.add_tree(dir); auto info = w.finish();
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "base/fs.h"
#include "base/result.h"
#include "base/sha256.h"
#include "builder/layer/compress.h"
#include "builder/layer/entry.h"
#include "builder/layer/stream.h"

namespace dl::layer {

struct LayerOptions {
  CompressOptions compression;
  // Upper bound for every mtime and the value of unset ones
  // (--source-date-epoch, else $SOURCE_DATE_EPOCH: the CLI reads it).
  std::int64_t source_date_epoch = 0;
  // Directories 0755, symlinks 0777, files 0755 if any x bit else 0644
  // (setuid/setgid/sticky kept). Off = the caller's mode bits verbatim.
  bool normalize_modes = true;
};

struct LayerInfo {
  Digest diff_id;              // sha256 of the uncompressed tar
  Digest digest;               // sha256 of the compressed blob
  std::uint64_t size = 0;      // compressed blob size
  std::uint64_t tar_size = 0;  // uncompressed size
  Compression compression = Compression::gzip;
  std::string oci_media_type() const;  // application/vnd.oci.image.layer.v1.tar[+gzip|+zstd]
};

class LayerWriter {
 public:
  // `out` must outlive the writer; it receives finish() after the last byte.
  static Result<std::unique_ptr<LayerWriter>> create(const LayerOptions& opts, ByteSink* out);
  ~LayerWriter();
  LayerWriter(const LayerWriter&) = delete;
  LayerWriter& operator=(const LayerWriter&) = delete;

  // Entries go out in call order (see sort_entries). Missing parent
  // directories are emitted first (0755); a directory already emitted is not
  // repeated. For files, `content` must yield exactly entry.size bytes.
  Status add(const Entry& entry, const ReadFn& content = {});
  Status add_bytes(const std::string& path, std::string_view data, std::uint32_t mode = 0644);
  // Walks `dir` in `tar --sort=name` order; entries land under `prefix`.
  // Owners are dropped (0:0); files sharing an inode become hardlinks.
  Status add_tree(const fs::path& dir, const std::string& prefix = "");
  Status add_whiteout(const std::string& deleted_path);
  Status add_opaque_whiteout(const std::string& dir);

  // Writes the tar trailer, flushes the compressor, finishes the sink.
  Result<LayerInfo> finish();

 private:
  struct Impl;
  explicit LayerWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Convenience: the layer of one directory tree written to `blob_path`.
Result<LayerInfo> write_tree_layer(const fs::path& dir, const LayerOptions& opts, const fs::path& blob_path);

}  // namespace dl::layer
