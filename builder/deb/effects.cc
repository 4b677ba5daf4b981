// The reproduced effects of maintainer scripts (scripts.h), written after
// every package is unpacked. Each writes only what a first install would
// create and leaves files already in the tree alone, as the scripts do.
#include <algorithm>
#include <map>

#include "base/strings.h"
#include "builder/deb/dpkg_db.h"
#include "builder/deb/install_state.h"

namespace dl::deb {

bool is_captured(const std::string& p) {
  return p.starts_with("usr/share/base-files/") || p.starts_with("usr/share/base-passwd/") ||
         p.starts_with("usr/share/debianutils/") || p == "usr/share/libc-bin/nsswitch.conf" ||
         p == "usr/share/readline/inputrc" || p == "usr/share/adduser/adduser.conf" ||
         (p.starts_with("usr/share/ca-certificates/") && p.ends_with(".crt"));
}

namespace {

std::string captured(const InstallState& st, const std::string& p) {
  auto it = st.captured.find(p);
  return it == st.captured.end() ? "" : it->second;
}

Status base_files(InstallState& st) {
  const std::pair<const char*, const char*> defaults[] = {{"dot.profile", "root/.profile"},
                                                          {"dot.bashrc", "root/.bashrc"},
                                                          {"profile", "etc/profile"},
                                                          {"motd", "etc/motd"},
                                                          {"info.dir", "usr/share/info/dir"}};
  for (const auto& [from, to] : defaults) {
    std::string src = std::string("usr/share/base-files/") + from;
    if (st.captured.count(src) && !st.base.tree.exists(to)) DL_TRY(st.emit_file(to, st.captured.at(src)));
  }
  for (const char* d : {"mnt", "srv", "opt", "etc/opt", "var/opt", "media"})
    if (!st.base.tree.exists(d)) DL_TRY(st.emit_dir(d));
  if (!st.base.tree.exists("var/mail")) DL_TRY(st.emit_dir("var/mail", 02775, 8));  // group mail
  if (!st.base.tree.exists("run/lock")) DL_TRY(st.emit_dir("run/lock", 01777));
  // Without /etc/staff-group-for-usr-local (the default since bookworm) these are root 0755.
  for (const char* d : {"usr/local", "usr/local/share", "usr/local/share/man", "usr/local/bin", "usr/local/games",
                        "usr/local/lib", "usr/local/include", "usr/local/sbin", "usr/local/src", "usr/local/etc"})
    if (!st.base.tree.exists(d)) DL_TRY(st.emit_dir(d));
  if (st.base.tree.exists("etc/dpkg/origins/debian") && !st.base.tree.exists("etc/dpkg/origins/default"))
    DL_TRY(st.emit_symlink("etc/dpkg/origins/default", "debian"));
  if (!st.base.tree.exists("var/spool/mail")) DL_TRY(st.emit_symlink("var/spool/mail", "../mail"));
  if (!st.base.tree.exists("usr/local/man")) DL_TRY(st.emit_symlink("usr/local/man", "share/man"));
  const std::uint32_t utmp = 43;
  for (auto [f, mode] : {std::pair{"var/log/btmp", 0660u}, {"var/log/lastlog", 0664u}, {"var/log/wtmp", 0664u}})
    if (!st.base.tree.exists(f)) DL_TRY(st.emit_file(f, "", mode, 0, utmp));
  return {};
}

// migrate_directory: /var/run and /var/lock are links into /run. Written
// before unpacking, so the packages' var/run entries land in /run as they
// would through the links on disk.
Status base_files_links(InstallState& st) {
  for (auto [from, to] : {std::pair{"var/run", "/run"}, {"var/lock", "/run/lock"}}) {
    auto n = st.base.tree.find(from);
    if (n && n->type == layer::EntryType::symlink) continue;
    if (n) continue;  // a real directory in the base stays (the script would move it; dlimage does not)
    DL_TRY(st.emit_symlink(from, to));
  }
  return {};
}

// install_from_default of other packages: shipped default -> /etc when missing.
Status defaults(InstallState& st) {
  const std::pair<const char*, const char*> copies[] = {{"usr/share/libc-bin/nsswitch.conf", "etc/nsswitch.conf"},
                                                        {"usr/share/readline/inputrc", "etc/inputrc"},
                                                        {"usr/share/adduser/adduser.conf", "etc/adduser.conf"}};
  for (const auto& [from, to] : copies)
    if (st.captured.count(from) && !st.base.tree.exists(to)) DL_TRY(st.emit_file(to, st.captured.at(from)));
  return {};
}

Status login_files(InstallState& st) {
  for (const char* f : {"var/log/faillog", "etc/subuid", "etc/subgid"})
    if (!st.base.tree.exists(f)) DL_TRY(st.emit_file(f, ""));
  return {};
}

Status base_passwd(InstallState& st) {
  for (const char* f : {"passwd", "group"}) {
    std::string to = std::string("etc/") + f;
    std::string master = captured(st, std::string("usr/share/base-passwd/") + f + ".master");
    if (master.empty()) return invalid(std::string("base-passwd: usr/share/base-passwd/") + f + ".master missing");
    if (!st.base.tree.exists(to)) DL_TRY(st.emit_file(to, master));
  }
  return {};
}

// shadowconfig on: pwconv/grpconv with every password locked ('*'), the
// change day taken from SOURCE_DATE_EPOCH so the bytes do not depend on today.
Status shadow(InstallState& st) {
  std::string passwd = captured(st, "usr/share/base-passwd/passwd.master");
  std::string group = captured(st, "usr/share/base-passwd/group.master");
  if (passwd.empty() || st.base.tree.exists("etc/shadow")) return {};
  std::string day = std::to_string(st.opts.source_date_epoch / 86400);
  std::string sh, gsh;
  for (const auto& l : split(passwd, '\n'))
    if (auto f = split(l, ':'); f.size() > 1) sh += f[0] + ":*:" + day + ":0:99999:7:::\n";
  for (const auto& l : split(group, '\n'))
    if (auto f = split(l, ':'); f.size() > 3) gsh += f[0] + ":*::" + f[3] + "\n";
  DL_TRY(st.emit_file("etc/shadow", sh, 0640, 0, 42));  // group shadow
  return st.emit_file("etc/gshadow", gsh, 0640, 0, 42);
}

// update-shells: the shells list plus shells.d, each /bin or /sbin shell
// also under /usr on merged-/usr trees.
Status shells(InstallState& st) {
  if (st.base.tree.exists("etc/shells") && st.base.status.size() > 0) return {};
  std::string src = captured(st, "usr/share/debianutils/shells");
  for (const auto& [path, data] : st.captured)
    if (path.starts_with("usr/share/debianutils/shells.d/")) src += data;
  bool merged = st.base.tree.find("bin") && st.base.tree.find("bin")->type == layer::EntryType::symlink;
  std::string out = "# /etc/shells: valid login shells\n";
  std::set<std::string> seen;
  std::vector<std::string> listed;
  for (const auto& raw : split(src, '\n')) {
    std::string s = trim(raw);
    if (s.empty() || s[0] != '/') continue;
    if (seen.insert(s).second) listed.push_back(s);
  }
  // update-shells lists the shells first, then their /usr aliases.
  std::vector<std::string> aliases;
  for (const auto& s : listed)
    if (merged && (s.starts_with("/bin/") || s.starts_with("/sbin/")) && seen.insert("/usr" + s).second)
      aliases.push_back("/usr" + s);
  for (const auto& v : {listed, aliases})
    for (const auto& s : v) out += s + "\n";
  std::string state;  // update-shells' record of what it manages: each shell, then its alias
  for (const auto& s : listed) {
    state += s + "\n";
    if (std::find(aliases.begin(), aliases.end(), "/usr" + s) != aliases.end()) state += "/usr" + s + "\n";
  }
  DL_TRY(st.emit_file("var/lib/shells.state", state));
  return st.emit_file("etc/shells", out);
}

Status python_site(InstallState& st, const DebControl& c) {
  std::string pkg = c.package();  // python3.11-minimal
  std::string ver = pkg.substr(6, pkg.find('-') - 6);
  std::string lib = "usr/local/lib/python" + ver;
  if (!st.base.tree.exists(lib)) DL_TRY(st.emit_dir(lib));
  if (!st.base.tree.exists(lib + "/dist-packages")) DL_TRY(st.emit_dir(lib + "/dist-packages"));
  return {};
}

Status tzdata(InstallState& st) {
  if (!st.base.tree.exists("etc/localtime")) DL_TRY(st.emit_symlink("etc/localtime", "/usr/share/zoneinfo/Etc/UTC"));
  if (!st.base.tree.exists("etc/timezone")) DL_TRY(st.emit_file("etc/timezone", "Etc/UTC\n"));
  return {};
}

// update-alternatives in auto mode: the highest priority wins; slaves whose
// target is missing are left out, as update-alternatives does.
Status alternatives(InstallState& st) {
  std::map<std::string, std::vector<Alternative>> by_name;
  for (const auto& [pkg, script] : st.alternatives_scripts)
    for (auto& a : parse_alternatives(script)) by_name[a.name].push_back(a);
  for (auto& [name, choices] : by_name) {
    std::string db = std::string(kDpkgDir) + "/alternatives/" + name;
    if (st.base.tree.exists(db)) continue;  // the base already manages it
    std::sort(choices.begin(), choices.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
    const Alternative* best = &choices[0];
    for (const auto& c : choices)
      if (c.priority > best->priority) best = &c;
    std::vector<Alternative::Slave> slaves = best->slaves;
    std::string text = "auto\n" + best->link + "\n";
    for (const auto& s : slaves) text += s.name + "\n" + s.link + "\n";
    text += "\n";
    for (const auto& c : choices) {
      text += c.path + "\n" + std::to_string(c.priority) + "\n";
      for (const auto& s : slaves) {
        auto it = std::find_if(c.slaves.begin(), c.slaves.end(), [&](const auto& x) { return x.name == s.name; });
        text += (it == c.slaves.end() ? std::string() : it->path) + "\n";
      }
    }
    text += "\n";
    DL_TRY(st.emit_file(db, text));
    auto link = [&](const std::string& at, const std::string& alt, const std::string& path) -> Status {
      DL_ASSIGN_OR_RETURN(std::string target, st.base.tree.resolve(path.substr(1)));
      if (!st.base.tree.exists(target)) return {};
      DL_TRY(st.emit_symlink("etc/alternatives/" + alt, path));
      DL_ASSIGN_OR_RETURN(std::string where, st.base.tree.resolve_parent(at.substr(1), ""));
      auto existing = st.base.tree.find(where);
      if (existing && existing->type != layer::EntryType::symlink) return {};  // a real file stays
      return st.emit_symlink(where, "/etc/alternatives/" + alt);
    };
    DL_TRY(link(best->link, name, best->path));
    for (const auto& s : slaves) DL_TRY(link(s.link, s.name, s.path));
  }
  return {};
}

}  // namespace

Status ca_certificates(InstallState& st);  // ca_certs.cc

Status apply_early_effects(InstallState& st, const std::vector<const DebControl*>& controls) {
  for (const auto* c : controls)
    if (c->package() == "base-files") return base_files_links(st);
  return {};
}

Status apply_effects(InstallState& st) {
  for (const auto& [effect, pkgs] : st.effects) {
    Status s;
    switch (effect) {
      case Effect::none: break;
      case Effect::alternatives: s = alternatives(st); break;
      case Effect::base_files: s = base_files(st); break;
      case Effect::base_passwd: s = base_passwd(st); break;
      case Effect::shadow: s = shadow(st); break;
      case Effect::shells: s = shells(st); break;
      case Effect::tzdata: s = tzdata(st); break;
      case Effect::ca_certs: s = ca_certificates(st); break;
      case Effect::defaults: s = defaults(st); break;
      case Effect::login_files: s = login_files(st); break;
      case Effect::openssl_link:
        if (!st.base.tree.exists("usr/lib/ssl")) s = st.emit_symlink("usr/lib/ssl", "/etc/ssl");
        break;
      case Effect::pam_opasswd:
        if (!st.base.tree.exists("etc/security/opasswd")) s = st.emit_file("etc/security/opasswd", "", 0600);
        break;
      case Effect::python_config:
        if (!st.base.tree.exists("etc/python3/debian_config"))
          s = st.emit_file(
              "etc/python3/debian_config",
              "[DEFAULT]\n# how to byte-compile (comma separated: standard, optimize)\nbyte-compile = standard\n");
        break;
      case Effect::python_site:
        for (const auto* c : pkgs) DL_TRY(python_site(st, *c));
        break;
    }
    if (!s.ok()) return s.error().wrap("reproducing " + pkgs.front()->package() + "'s maintainer script");
  }
  return {};
}

}  // namespace dl::deb
