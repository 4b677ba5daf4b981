#include "builder/deb/deb_file.h"

#include <archive.h>
#include <archive_entry.h>

#include <memory>
#include <vector>

#include "base/strings.h"
#include "base/utf8_locale.h"

namespace dl::deb {

namespace {

struct ArchiveFree {
  void operator()(archive* a) const { archive_read_free(a); }
};
using ArchivePtr = std::unique_ptr<archive, ArchiveFree>;

std::string la_error(archive* a) {
  const char* s = archive_error_string(a);
  return s ? s : "libarchive error";
}

// A tar member of the outer ar archive, read through a nested libarchive
// reader whose input is the outer reader's data (streaming, nothing on disk).
struct Nested {
  archive* outer;
  std::vector<char> buf = std::vector<char>(128 * 1024);
  static la_ssize_t read(archive*, void* self, const void** out) {
    auto* n = static_cast<Nested*>(self);
    la_ssize_t got = archive_read_data(n->outer, n->buf.data(), n->buf.size());
    *out = n->buf.data();
    return got;
  }
};

Result<ArchivePtr> open_nested(Nested* n, const std::string& name, const std::string& member) {
  ArchivePtr in(archive_read_new());
  if (!in) return Error(ErrorKind::internal, "libarchive: archive_read_new failed");
  archive_read_support_filter_all(in.get());
  archive_read_support_format_tar(in.get());
  archive_read_support_format_gnutar(in.get());
  if (archive_read_open(in.get(), n, nullptr, &Nested::read, nullptr) != ARCHIVE_OK)
    return invalid(name + ": truncated or corrupt " + member + " (" + la_error(in.get()) + ")");
  return in;
}

// "./usr/bin/x" -> "usr/bin/x"; "./" -> "". Refuses absolute paths and "..".
Result<std::string> package_path(std::string_view raw, const std::string& name) {
  std::string_view p = raw;
  if (!p.empty() && p[0] == '/') return invalid(name + ": absolute path '" + std::string(raw) + "' in data.tar");
  std::string out;
  for (const auto& part : split(p, '/')) {
    if (part.empty() || part == ".") continue;
    if (part == "..") return invalid(name + ": path '" + std::string(raw) + "' in data.tar climbs out with '..'");
    if (!out.empty()) out += '/';
    out += part;
  }
  return out;
}

Result<DebControl> read_control_member(archive* outer, const std::string& name, const DebLimits& limits) {
  Nested n{outer};
  DL_ASSIGN_OR_RETURN(ArchivePtr in, open_nested(&n, name, "control.tar"));
  DebControl c;
  std::uint64_t total = 0;
  archive_entry* ae = nullptr;
  int r;
  while ((r = archive_read_next_header(in.get(), &ae)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
    if (archive_entry_filetype(ae) != AE_IFREG) continue;
    DL_ASSIGN_OR_RETURN(std::string member, package_path(archive_entry_pathname(ae), name));
    std::int64_t size = archive_entry_size(ae);
    total += std::uint64_t(size < 0 ? 0 : size);
    if (total > limits.max_control_bytes)
      return invalid(name + ": control.tar is larger than " + std::to_string(limits.max_control_bytes) + " bytes");
    std::string data(size_t(size < 0 ? 0 : size), '\0');
    la_ssize_t got = archive_read_data(in.get(), data.data(), data.size());
    if (got < 0 || size_t(got) != data.size())
      return invalid(name + ": truncated or corrupt control.tar (" + la_error(in.get()) + ")");
    c.members[member] = std::move(data);
  }
  if (r != ARCHIVE_EOF) return invalid(name + ": truncated or corrupt control.tar (" + la_error(in.get()) + ")");
  auto it = c.members.find("control");
  if (it == c.members.end()) return invalid(name + ": control.tar has no 'control' file");
  DL_ASSIGN_OR_RETURN(auto paras, parse_deb822(it->second, name + ": control"));
  if (paras.size() != 1) return invalid(name + ": control must hold exactly one paragraph");
  c.control = std::move(paras[0]);
  c.members.erase(it);
  for (const char* f : {"Package", "Version", "Architecture"})
    if (c.control.get(f).empty()) return invalid(name + ": control has no " + f + " field");
  return c;
}

Result<layer::EntryType> entry_type(archive_entry* ae, const std::string& name, const std::string& path) {
  if (archive_entry_hardlink(ae)) return layer::EntryType::hardlink;
  switch (archive_entry_filetype(ae)) {
    case AE_IFREG: return layer::EntryType::file;
    case AE_IFDIR: return layer::EntryType::dir;
    case AE_IFLNK: return layer::EntryType::symlink;
    default: return invalid(name + ": '" + path + "' in data.tar is a device, fifo or socket (not supported)");
  }
}

Status read_data_member(archive* outer, const std::string& name, const DataEntryFn& on_entry, const DebLimits& limits) {
  Nested n{outer};
  DL_ASSIGN_OR_RETURN(ArchivePtr in, open_nested(&n, name, "data.tar"));
  archive_entry* ae = nullptr;
  std::uint64_t count = 0;
  int r;
  while ((r = archive_read_next_header(in.get(), &ae)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
    if (++count > limits.max_entries)
      return invalid(name + ": data.tar has more than " + std::to_string(limits.max_entries) + " entries");
    DataEntry d;
    d.raw_path = archive_entry_pathname(ae) ? archive_entry_pathname(ae) : "";
    if (d.raw_path.size() > limits.max_path_bytes) return invalid(name + ": data.tar path longer than 4096 bytes");
    DL_ASSIGN_OR_RETURN(d.entry.path, package_path(d.raw_path, name));
    DL_ASSIGN_OR_RETURN(d.entry.type, entry_type(ae, name, d.raw_path));
    d.entry.mode = std::uint32_t(archive_entry_perm(ae)) & 07777;
    d.entry.uid = std::uint32_t(archive_entry_uid(ae));
    d.entry.gid = std::uint32_t(archive_entry_gid(ae));
    if (archive_entry_uname(ae)) d.entry.uname = archive_entry_uname(ae);
    if (archive_entry_gname(ae)) d.entry.gname = archive_entry_gname(ae);
    d.entry.mtime = archive_entry_mtime(ae);
    if (d.entry.type == layer::EntryType::file) d.entry.size = std::uint64_t(archive_entry_size(ae));
    if (d.entry.type == layer::EntryType::symlink) d.entry.link_target = archive_entry_symlink(ae);
    if (d.entry.type == layer::EntryType::hardlink) {
      DL_ASSIGN_OR_RETURN(d.entry.link_target, package_path(archive_entry_hardlink(ae), name));
    }
    if (d.entry.path.empty() && d.entry.type != layer::EntryType::dir)
      return invalid(name + ": data.tar entry '" + d.raw_path + "' names the root but is not a directory");
    archive* inner = in.get();
    std::string raw = d.raw_path;
    layer::ReadFn content = [inner, name, raw](char* buf, size_t cap) -> Result<size_t> {
      la_ssize_t got = archive_read_data(inner, buf, cap);
      if (got < 0) return invalid(name + ": truncated or corrupt data.tar at '" + raw + "' (" + la_error(inner) + ")");
      return size_t(got);
    };
    DL_TRY(on_entry(d, d.entry.type == layer::EntryType::file ? content : layer::ReadFn{}));
  }
  if (r != ARCHIVE_EOF) return invalid(name + ": truncated or corrupt data.tar (" + la_error(in.get()) + ")");
  return {};
}

}  // namespace

Status read_deb(const fs::path& deb, const std::string& name, const ControlFn& on_control, const DataEntryFn& on_entry,
                const DebLimits& limits) {
  Utf8Locale utf8;
  ArchivePtr ar(archive_read_new());
  if (!ar) return Error(ErrorKind::internal, "libarchive: archive_read_new failed");
  archive_read_support_format_ar(ar.get());
  if (archive_read_open_filename(ar.get(), deb.c_str(), 64 * 1024) != ARCHIVE_OK)
    return invalid(name + ": not a .deb (" + la_error(ar.get()) + ")");
  bool have_binary = false, have_control = false, have_data = false;
  archive_entry* ae = nullptr;
  int r;
  while ((r = archive_read_next_header(ar.get(), &ae)) == ARCHIVE_OK) {
    std::string member = archive_entry_pathname(ae) ? archive_entry_pathname(ae) : "";
    if (member == "debian-binary") {
      char v[16] = {};
      la_ssize_t got = archive_read_data(ar.get(), v, sizeof v - 1);
      if (got < 4 || std::string_view(v, 4) != "2.0\n")
        return invalid(name + ": debian-binary is not '2.0' (not a deb(5) package)");
      have_binary = true;
    } else if (member.starts_with("control.tar")) {
      if (!have_binary || have_control) return invalid(name + ": control.tar out of order");
      DL_ASSIGN_OR_RETURN(DebControl c, read_control_member(ar.get(), name, limits));
      have_control = true;
      DL_TRY(on_control(c));
      if (!on_entry) return {};
    } else if (member.starts_with("data.tar")) {
      if (!have_control) return invalid(name + ": data.tar before control.tar");
      DL_TRY(read_data_member(ar.get(), name, on_entry, limits));
      have_data = true;
    } else if (!member.starts_with("_")) {
      return invalid(name + ": unexpected ar member '" + member + "'");
    }
  }
  if (r != ARCHIVE_EOF) return invalid(name + ": truncated or corrupt .deb (" + la_error(ar.get()) + ")");
  if (!have_control) return invalid(name + ": no control.tar member (truncated .deb?)");
  if (!have_data) return invalid(name + ": no data.tar member (truncated .deb?)");
  return {};
}

Result<DebControl> read_deb_control(const fs::path& deb, const std::string& name) {
  DebControl out;
  DL_TRY(read_deb(deb, name,
                  [&](const DebControl& c) {
                    out = c;
                    return Status{};
                  },
                  {}));
  return out;
}

}  // namespace dl::deb
