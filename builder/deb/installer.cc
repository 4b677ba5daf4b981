#include "builder/deb/installer.h"

#include <openssl/evp.h>

#include <algorithm>
#include <memory>

#include "builder/deb/dpkg_db.h"
#include "builder/deb/install_state.h"
#include "builder/deb/upgrade.h"

namespace dl::deb {

namespace {

class Md5 {
 public:
  Md5() : ctx_(EVP_MD_CTX_new()) { EVP_DigestInit_ex(ctx_, EVP_md5(), nullptr); }
  ~Md5() { EVP_MD_CTX_free(ctx_); }
  Md5(const Md5&) = delete;
  Md5& operator=(const Md5&) = delete;
  void update(const void* d, size_t n) { EVP_DigestUpdate(ctx_, d, n); }
  std::string hex() {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    EVP_DigestFinal_ex(ctx_, out, &len);
    static const char* x = "0123456789abcdef";
    std::string s;
    for (unsigned i = 0; i < len; ++i) {
      s += x[out[i] >> 4];
      s += x[out[i] & 15];
    }
    return s;
  }

 private:
  EVP_MD_CTX* ctx_;
};

const std::uint32_t kMaxCapture = 4 << 20;

struct Unpacked {
  DebControl control;
  std::string list;     // info/<pkg>.list
  std::string md5sums;  // computed when the package has none
  std::map<std::string, std::string> conffile_md5;
};

Status unpack_one(InstallState& st, const DebPackage& deb, Unpacked& u) {
  std::set<std::string> conffiles;
  bool have_md5sums = false;
  const std::string* pkg = nullptr;
  auto on_control = [&](const DebControl& c) -> Status {
    u.control = c;
    pkg = &u.control.control.find("Package")->value;
    for (const auto& f : parse_conffiles(c.members.count("conffiles") ? c.members.at("conffiles") : ""))
      conffiles.insert(f);
    have_md5sums = c.members.count("md5sums") > 0;
    return {};
  };
  auto on_entry = [&](const DataEntry& d, const layer::ReadFn& content) -> Status {
    const std::string name = u.control.package();
    u.list += d.entry.path.empty() ? "/.\n" : "/" + d.entry.path + "\n";
    if (d.entry.path.empty()) return {};
    layer::Entry e = d.entry;
    Tree& tree = st.base.tree;
    auto where = [&](const Error& err) { return err.wrap(deb.name + " (" + name + ")"); };
    Result<std::string> out =
        e.type == layer::EntryType::dir ? tree.resolve(e.path) : tree.resolve_parent(e.path, name);
    if (!out.ok()) return where(out.error());
    if (e.type == layer::EntryType::dir) {
      auto existing = tree.find(*out);
      // dpkg keeps a directory (or a symlink to one) that is already there.
      if (out->empty() || (existing && existing->type == layer::EntryType::dir)) return {};
    }
    if (e.type == layer::EntryType::symlink) {
      auto t = Tree::target_path(*out, e.link_target);
      if (!t.ok()) return where(t.error());
    }
    if (e.type == layer::EntryType::hardlink) {
      auto t = tree.resolve_parent(e.link_target, "");
      if (!t.ok()) return where(t.error());
      e.link_target = *t;
    }
    e.path = *out;
    const bool want_md5 = e.type == layer::EntryType::file && (!have_md5sums || conffiles.count("/" + d.entry.path));
    const bool capture = e.type == layer::EntryType::file && e.size <= kMaxCapture && is_captured(d.entry.path);
    layer::ReadFn reader = content;
    std::shared_ptr<Md5> md5;
    std::string* cap = nullptr;
    if (want_md5) md5 = std::make_shared<Md5>();
    if (capture) cap = &st.captured[d.entry.path];
    if (md5 || cap) {
      if (cap) cap->clear();
      reader = [content, md5, cap](char* buf, size_t n) -> Result<size_t> {
        DL_ASSIGN_OR_RETURN(size_t got, content(buf, n));
        if (md5) md5->update(buf, got);
        if (cap) cap->append(buf, got);
        return got;
      };
    }
    DL_TRY(st.emit(e, reader));
    tree.put(e.path, Node{e.type, e.link_target, name});
    if (md5) {
      std::string h = md5->hex();
      if (conffiles.count("/" + d.entry.path)) u.conffile_md5["/" + d.entry.path] = h;
      if (!have_md5sums) u.md5sums += h + "  " + d.entry.path + "\n";
    }
    return {};
  };
  DL_TRY(read_deb(deb.file, deb.name, on_control, on_entry));
  (void)pkg;
  return {};
}

Status write_info(InstallState& st, const Unpacked& u) {
  const std::string base = std::string(kDpkgDir) + "/info/" + info_name(u.control.control);
  DL_TRY(st.emit_file(base + ".list", u.list));
  // As dpkg does for a package without md5sums: computed, and written even
  // when it has no regular file (else `dpkg --audit` asks to reinstall it).
  if (!u.control.members.count("md5sums")) DL_TRY(st.emit_file(base + ".md5sums", u.md5sums));
  for (const auto& [member, data] : u.control.members) {
    bool script =
        member == "preinst" || member == "postinst" || member == "prerm" || member == "postrm" || member == "config";
    DL_TRY(st.emit_file(base + "." + member, data, script ? 0755 : 0644));
  }
  return {};
}

Status merged_usr_skeleton(InstallState& st) {
  // What mmdebstrap's merged-usr setup leaves on amd64 (tested against it).
  for (const char* d : {"bin", "sbin", "lib", "lib64"}) {
    if (st.base.tree.exists(d)) continue;
    DL_TRY(st.emit_dir(std::string("usr/") + d));
    DL_TRY(st.emit_symlink(d, std::string("usr/") + d));
  }
  return {};
}

Status write_database(InstallState& st, const std::vector<Unpacked>& done) {
  std::vector<Paragraph> added;
  std::vector<std::pair<std::string, std::string>> triggers;
  for (const auto& u : done) {
    std::vector<std::string> conffiles =
        parse_conffiles(u.control.members.count("conffiles") ? u.control.members.at("conffiles") : "");
    const Paragraph* old = replaced_entry(st.base.status, u.control.control);
    added.push_back(installed_entry(u.control.control, conffiles, u.conffile_md5,
                                    old ? obsolete_conffiles(*old, conffiles) : std::map<std::string, std::string>{}));
    if (u.control.members.count("triggers"))
      triggers.emplace_back(info_name(u.control.control), u.control.members.at("triggers"));
  }
  const std::string dir = kDpkgDir;
  DL_TRY(st.emit_file(dir + "/status", merge_status(st.base.status, added)));
  if (!st.base.tree.exists(dir + "/available")) DL_TRY(st.emit_file(dir + "/available", ""));
  if (!st.base.tree.exists(dir + "/info/format")) DL_TRY(st.emit_file(dir + "/info/format", "1\n"));
  for (const char* d : {"/updates", "/triggers", "/alternatives", "/parts"})
    if (!st.base.tree.exists(dir + d)) DL_TRY(st.emit_dir(dir + d));
  std::map<std::string, std::string> base_triggers;
  for (const auto& [p, c] : st.base.dpkg_files)
    if (p.starts_with(dir + "/triggers/")) base_triggers[p] = c;
  for (const auto& [p, c] : merge_triggers(base_triggers, triggers))
    if (!base_triggers.count(p) || base_triggers[p] != c) DL_TRY(st.emit_file(p, c));
  if (!st.base.tree.exists(dir + "/triggers/Unincorp")) DL_TRY(st.emit_file(dir + "/triggers/Unincorp", ""));
  return {};
}

Status check_scripts(const DebControl& c, const DebPackage& d, const InstallOptions& opts,
                     std::vector<std::string>& acknowledged) {
  for (const auto& s : install_scripts(c)) {
    auto effects = script_effects(c, s, opts.allow_scripts);
    if (!effects.ok()) return effects.error().wrap(d.name);
    if (effects->empty()) acknowledged.push_back(c.package() + "/" + s);
  }
  return {};
}

}  // namespace

bool wants_merged_usr(const std::vector<std::string>& package_names) {
  return std::any_of(package_names.begin(), package_names.end(),
                     [](const std::string& n) { return n == "usr-is-merged" || n == "usrmerge"; });
}

Result<std::vector<std::string>> preflight_debs(const std::vector<DebPackage>& debs, const InstallOptions& opts) {
  std::vector<std::string> acknowledged;
  for (const auto& d : debs) {
    DL_ASSIGN_OR_RETURN(DebControl c, read_deb_control(d.file, d.name));
    DL_TRY(check_scripts(c, d, opts, acknowledged));
  }
  return acknowledged;
}

Status InstallState::emit(layer::Entry e, const layer::ReadFn& content) {
  ++entries;
  emitted.insert(e.path);
  DL_TRY(sink.add(e, e.type == layer::EntryType::file ? ld.observe(e.path, e.size, content) : content));
  base.tree.put(e.path, Node{e.type, e.link_target, ""});
  return {};
}

Status InstallState::emit_file(const std::string& path, const std::string& data, std::uint32_t mode, std::uint32_t uid,
                               std::uint32_t gid) {
  layer::Entry e;
  e.path = path;
  e.type = layer::EntryType::file;
  e.mode = mode;
  e.uid = uid;
  e.gid = gid;
  e.size = data.size();
  size_t off = 0;
  layer::ReadFn r = [&data, off](char* buf, size_t n) mutable -> Result<size_t> {
    size_t k = std::min(n, data.size() - off);
    std::copy_n(data.data() + off, k, buf);
    off += k;
    return k;
  };
  return emit(e, r);
}

Status InstallState::emit_symlink(const std::string& path, const std::string& target) {
  layer::Entry e;
  e.path = path;
  e.type = layer::EntryType::symlink;
  e.mode = 0777;
  e.link_target = target;
  return emit(e);
}

Status InstallState::emit_dir(const std::string& path, std::uint32_t mode, std::uint32_t gid) {
  layer::Entry e;
  e.path = path;
  e.type = layer::EntryType::dir;
  e.mode = mode;
  e.gid = gid;
  return emit(e);
}

Result<InstallReport> install_debs(const std::vector<DebPackage>& debs, BaseTree base, const InstallOptions& opts,
                                   TreeSink& sink) {
  InstallState st{opts, sink, base, {}, {}, {}, 0, {}, {}, {}};
  InstallReport report;
  // Preflight: every control and script decision before a byte is written.
  std::vector<std::pair<DebControl, const DebPackage*>> order;
  for (const auto& d : debs) {
    DL_ASSIGN_OR_RETURN(DebControl c, read_deb_control(d.file, d.name));
    DL_TRY(check_scripts(c, d, opts, report.acknowledged));
    order.emplace_back(std::move(c), &d);
  }
  std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
    return std::pair(a.first.package(), a.first.architecture()) < std::pair(b.first.package(), b.first.architecture());
  });
  for (size_t i = 1; i < order.size(); ++i)
    if (status_key(order[i].first.control) == status_key(order[i - 1].first.control))
      return invalid(order[i].second->name + ": package " + status_key(order[i].first.control) +
                     " requested twice (also " + order[i - 1].second->name + ")");
  if (opts.merged_usr) DL_TRY(merged_usr_skeleton(st));
  std::vector<const DebControl*> controls;
  for (const auto& o : order) controls.push_back(&o.first);
  DL_TRY(apply_early_effects(st, controls));
  std::vector<Unpacked> done(order.size());
  for (size_t i = 0; i < order.size(); ++i) {
    DL_TRY(unpack_one(st, *order[i].second, done[i]));
    const DebControl& c = done[i].control;
    for (const auto& s : install_scripts(c)) {
      auto effects = script_effects(c, s, opts.allow_scripts);
      for (Effect e : *effects) {
        st.effects[e].push_back(&c);
        if (e == Effect::alternatives) st.alternatives_scripts.emplace_back(c.package(), c.members.at(s));
      }
    }
    report.packages.push_back({c.package(), c.version(), c.architecture()});
  }
  for (const auto& u : done) DL_TRY(write_info(st, u));
  DL_TRY(apply_effects(st));
  DL_TRY(write_database(st, done));
  std::vector<NewPackage> upgraded;
  for (const auto& u : done) upgraded.push_back({&u.control.control, &u.list});
  DL_TRY(remove_stale_files(st, upgraded));
  DL_TRY(write_ld_cache(st, controls));
  report.entries = st.entries;
  return report;
}

}  // namespace dl::deb
