#include "builder/pipeline/report_data.h"
#include "builder/pipeline/tree_scan.h"

#include <archive.h>

#include <charconv>
#include <ctime>
#include <map>
#include <memory>

#include "base/fs.h"
#include "base/strings.h"
#include "base/version.h"
#include "builder/layout/layout_store.h"
#include "builder/layout/store_image.h"
#include "net/url.h"

namespace dl::pipeline {

namespace {

// Past this a layer's tar is not worth counting further (a hostile base's
// decompression bomb): the report says "unknown".
constexpr std::uint64_t kMaxCountedTar = 256ull << 30;

// A word the shell reads back as itself.
std::string shell_word(const std::string& w) {
  if (!w.empty() && w.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=@,+%") ==
                        std::string::npos)
    return w;
  std::string q = "'";
  for (char c : w) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// The size of a blob once decompressed (gzip, zstd or none), or 0 when it
// cannot be read or exceeds the bound.
std::uint64_t tar_size_of(const std::filesystem::path& blob) {
  std::unique_ptr<archive, decltype(&archive_read_free)> a(archive_read_new(), archive_read_free);
  archive_read_support_filter_all(a.get());
  archive_read_support_format_raw(a.get());
  archive_entry* e = nullptr;
  if (archive_read_open_filename(a.get(), blob.c_str(), 1 << 16) != ARCHIVE_OK ||
      archive_read_next_header(a.get(), &e) != ARCHIVE_OK)
    return 0;
  std::uint64_t n = 0;
  std::vector<char> buf(1 << 16);
  for (;;) {
    la_ssize_t r = archive_read_data(a.get(), buf.data(), buf.size());
    if (r < 0) return 0;
    if (r == 0) return n;
    n += std::uint64_t(r);
    if (n > kMaxCountedTar) return 0;
  }
}

// tar_size_of, remembered in the layout per blob digest (a blob's bytes
// never change, and the base layers are decompressed once, not once per
// --json run).
std::uint64_t counted_tar_size(const layout::Layout& l, const Digest& d) {
  if (auto n = remembered_tar_size(l, d)) return *n;
  std::uint64_t n = tar_size_of(l.blob_path(d));
  if (n > 0) remember_tar_size(l, d, n);
  return n;
}

}  // namespace

RunInfo run_info(const std::vector<std::string>& args) {
  RunInfo r;
  r.version = std::string(dlimage_version());
  r.commit = std::string(dlimage_commit());
  std::vector<std::string> words;
  for (auto& a : args) words.push_back(shell_word(net::redact_urls_in(a)));
  r.command_line = join(words, " ");
  r.started = utc_now();
  return r;
}

std::string utc_now() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

Result<std::vector<CellDetails>> cell_details(const std::string& layout_dir, const std::vector<CellResult>& cells,
                                              const PreviousRun& previous, bool count_tars) {
  std::vector<CellDetails> out;
  if (cells.empty()) return out;
  DL_ASSIGN_OR_RETURN(auto l, layout::Layout::open(layout_dir));
  layout::LayoutStore store(l);
  std::map<std::string, std::uint64_t> tar_sizes;  // by blob digest: bases are shared by many cells
  for (auto& c : cells) {
    CellDetails d;
    std::string ref = c.cell.ref();
    // An `auto` tag is an index over other cells' images: no config of its own.
    if (auto img = layout::read_image(store, ref); img.ok() && !c.auto_index) {
      d.inputs = inputs_of(img->config.config.labels);
      d.uncompressed = img->config_bytes.size();
      for (auto& layer : c.layers) {
        std::uint64_t n = layer.uncompressed_size;
        if (n == 0 && count_tars) {
          std::string key = layer.descriptor.digest.str();
          auto it = tar_sizes.find(key);
          if (it == tar_sizes.end()) it = tar_sizes.emplace(key, counted_tar_size(l, layer.descriptor.digest)).first;
          n = it->second;
        }
        if (n == 0) {  // unknown: say so rather than show a sum that is too small
          d.uncompressed = 0;
          break;
        }
        d.uncompressed += n;
      }
    }
    d.changes = changes_since(previous, ref, c.manifest.digest.str(), d.inputs, c.cell.recipe);
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace dl::pipeline
