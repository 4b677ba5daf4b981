#include "builder/pipeline/layer_sources.h"

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <memory>

#include "base/fs.h"
#include "base/sha256.h"
#include "base/strings.h"
#include "base/utf8_locale.h"

namespace dl::pipeline {

namespace {

// wheel::InstallSink -> layer::LayerWriter: the installer's entries become
// tar entries as they stream out of the zip.
class LayerInstallSink : public wheel::InstallSink {
 public:
  explicit LayerInstallSink(layer::LayerWriter& w) : w_(w) {}
  Status add(const wheel::InstallEntry& e, const wheel::Reader& read) override {
    layer::Entry le;
    le.path = e.path;
    le.mode = e.mode;
    le.size = e.size;
    le.link_target = e.link_target;
    switch (e.type) {
      case wheel::InstallEntry::Type::file: le.type = layer::EntryType::file; break;
      case wheel::InstallEntry::Type::dir: le.type = layer::EntryType::dir; break;
      case wheel::InstallEntry::Type::symlink: le.type = layer::EntryType::symlink; break;
    }
    if (le.type != layer::EntryType::file) return w_.add(le);
    return w_.add(le, [&read](char* buf, size_t cap) { return read(buf, cap); });
  }

 private:
  layer::LayerWriter& w_;
};

// Drops `strip` leading components; "" when nothing is left.
std::string strip_components(const std::string& path, int strip) {
  auto parts = split(path, '/');
  std::vector<std::string> kept;
  for (auto& p : parts)
    if (!p.empty() && p != ".") kept.push_back(p);
  if (int(kept.size()) <= strip) return "";
  kept.erase(kept.begin(), kept.begin() + strip);
  return join(kept, "/");
}

Status repack_artifact(const ArtifactLayer& plan, layer::LayerWriter& w) {
  Utf8Locale utf8;  // non-ASCII entry names (base/utf8_locale.h)
  std::unique_ptr<archive, decltype(&archive_read_free)> a(archive_read_new(), archive_read_free);
  archive_read_support_format_tar(a.get());
  archive_read_support_format_gnutar(a.get());
  archive_read_support_filter_all(a.get());
  const std::string& path = plan.path;
  if (archive_read_open_filename(a.get(), path.c_str(), 1 << 16) != ARCHIVE_OK)
    return invalid("artifact " + plan.shown + ": cannot open " + path + ": " + archive_error_string(a.get()));
  std::string dest = plan.artifact.dest;
  while (!dest.empty() && dest.front() == '/') dest.erase(0, 1);
  archive_entry* ent = nullptr;
  int r;
  while ((r = archive_read_next_header(a.get(), &ent)) == ARCHIVE_OK) {
    std::string rel = strip_components(archive_entry_pathname(ent), plan.artifact.strip);
    if (rel.empty()) continue;
    layer::Entry e;
    e.path = dest + "/" + rel;
    e.mode = archive_entry_perm(ent);
    auto type = archive_entry_filetype(ent);
    if (archive_entry_hardlink(ent)) {
      e.type = layer::EntryType::hardlink;
      std::string target = strip_components(archive_entry_hardlink(ent), plan.artifact.strip);
      e.link_target = dest + "/" + target;
      DL_TRY(w.add(e));
    } else if (type == AE_IFDIR) {
      e.type = layer::EntryType::dir;
      DL_TRY(w.add(e));
    } else if (type == AE_IFLNK) {
      e.type = layer::EntryType::symlink;
      e.link_target = archive_entry_symlink(ent);
      DL_TRY(w.add(e));
    } else if (type == AE_IFREG) {
      e.type = layer::EntryType::file;
      e.size = std::uint64_t(archive_entry_size(ent));
      archive* ar = a.get();
      DL_TRY(w.add(e, [ar, &plan](char* buf, size_t cap) -> Result<size_t> {
        la_ssize_t n = archive_read_data(ar, buf, cap);
        if (n < 0) return invalid("artifact " + plan.shown + ": " + archive_error_string(ar));
        return size_t(n);
      }));
    } else {
      return invalid("artifact " + plan.shown + ": entry " + archive_entry_pathname(ent) +
                     " is not a file, directory or link; expected only those");
    }
  }
  if (r != ARCHIVE_EOF) return invalid("artifact " + plan.shown + ": " + archive_error_string(a.get()));
  return {};
}

}  // namespace

void OsPackagesLayer::hash(const KeyPut& put) const {
  // The merged dpkg database depends on the base's, so the base is an input.
  const DebInstall& d = *debs;
  put("base " + d.base_key);
  std::vector<std::string> sorted = d.sha256s;
  std::sort(sorted.begin(), sorted.end());  // the installer orders them itself
  for (auto& x : sorted) put("deb " + x);
  for (auto& a : d.options.allow_scripts) put("allow " + a);  // a std::set: sorted
  put(d.options.merged_usr ? "merged-usr" : "as-is");
  put(std::to_string(d.options.source_date_epoch));
}

Status OsPackagesLayer::write(layer::LayerWriter& w) const {
  deb::LayerTreeSink sink(w);
  auto r = deb::install_debs(debs->debs, *debs->base, debs->options, sink);
  if (!r.ok()) return r.error();
  return {};
}

void WheelsLayer::hash(const KeyPut& put) const {
  for (auto& wi : installs) {
    for (auto* s : {&wi.layout.python_version, &wi.layout.purelib, &wi.layout.platlib, &wi.layout.scripts,
                    &wi.layout.headers, &wi.layout.data, &wi.layout.interpreter})
      put(*s);
    // The installer orders wheels itself, so the key must not depend on the
    // order the lock or the recipe lists them in.
    std::vector<std::string> sorted;
    for (size_t i = 0; i < wi.wheels.size(); ++i) sorted.push_back(wi.wheels[i]->filename + "=" + wi.sha256s[i]);
    std::sort(sorted.begin(), sorted.end());
    for (auto& x : sorted) put(x);
  }
}

Status WheelsLayer::write(layer::LayerWriter& w) const {
  LayerInstallSink sink(w);
  for (auto& wi : installs) {
    std::vector<wheel::WheelContents> inspected;
    for (auto& c : wi.wheels) inspected.push_back(*c);
    auto r = wheel::install_inspected(std::move(inspected), wi.layout, sink);
    if (!r.ok()) return r.error().wrap("installing wheels for Python " + wi.layout.python_version);
  }
  return {};
}

void ArtifactLayer::hash(const KeyPut& put) const {
  put(sha256 + " " + artifact.dest + " " + std::to_string(artifact.strip));
}

Status ArtifactLayer::write(layer::LayerWriter& w) const { return repack_artifact(*this, w); }

Result<FilesLayer> FilesLayer::make(const std::vector<recipe::FileSpec>& specs) {
  FilesLayer out;
  for (auto& f : specs) {
    std::string data = f.content;
    if (!f.src.empty()) {
      auto r = read_file(f.src);
      if (!r.ok()) return invalid("file " + f.src + " for " + f.dest + ": " + r.error().message());
      data = std::move(*r);
    }
    out.files.push_back({f, std::move(data)});
  }
  return out;
}

void FilesLayer::hash(const KeyPut& put) const {
  for (auto& f : files) {
    put(f.spec.dest + " " + std::to_string(f.spec.mode));
    put(Sha256::hex(f.data));
  }
}

Status FilesLayer::write(layer::LayerWriter& w) const {
  for (auto& f : files) DL_TRY(w.add_bytes(f.spec.dest.substr(1), f.data, f.spec.mode));
  return {};
}

std::string LayerPlan::kind() const {
  return std::visit([](const auto& c) { return c.kind(); }, content);
}

std::string LayerPlan::created_by() const {
  return std::visit(
      [](const auto& c) -> std::string {
        if constexpr (requires { c.created_by(); })
          return c.created_by();
        else
          return c.created_by;
      },
      content);
}

std::string LayerPlan::key(const layer::LayerOptions& opts) const {
  Sha256 h;
  KeyPut put = [&h](const std::string& s) {
    h.update(s);
    h.update("\n", 1);
  };
  put("dlimage-layer-v1");
  put(kind());
  // Algorithm, level and the engine as this machine runs it: a layer made
  // by another engine (other bytes) is never taken for this one's.
  put(layer::compression_identity(opts.compression));
  put(std::to_string(opts.source_date_epoch));
  std::visit([&put](const auto& c) { c.hash(put); }, content);
  return h.hex_digest();
}

Status LayerPlan::write(layer::LayerWriter& w) const {
  return std::visit([&w](const auto& c) { return c.write(w); }, content);
}

}  // namespace dl::pipeline
