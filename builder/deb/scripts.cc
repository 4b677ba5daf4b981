#include "builder/deb/scripts.h"

#include <map>

#include "base/strings.h"

namespace dl::deb {

namespace {

using E = Effect;

// Reviewed against Debian 12 (bookworm) and Ubuntu 16.04 (xenial): for each
// script, what it does on a first install into a container tree. Scripts
// that only act on upgrades, removal, a booted system (systemd, udev), byte-
// compile Python (images carry no .pyc) or ask debconf questions whose
// default is the shipped file are `none`. Keyed by package then script;
// "pythonX.Y..." rows match every Python version.
const std::map<std::string, std::map<std::string, std::vector<E>>>& table() {
  static const std::map<std::string, std::map<std::string, std::vector<E>>> t = {
      {"base-files", {{"postinst", {E::base_files}}}},
      {"base-passwd", {{"preinst", {E::base_passwd}}, {"postinst", {E::base_passwd}}}},
      {"bash", {{"postinst", {E::alternatives}}, {"preinst", {E::none}}}},
      {"coreutils", {{"postinst", {E::none}}}},  // /usr/bin/touch link: merged-/usr has it
      {"dash", {{"postinst", {E::none}}, {"preinst", {E::none}}, {"config", {E::none}}}},  // /bin/sh is shipped
      {"debconf", {{"postinst", {E::none}}, {"config", {E::none}}}},
      {"debianutils", {{"postinst", {E::alternatives, E::shells}}}},
      {"dpkg", {{"postinst", {E::none}}, {"preinst", {E::none}}}},
      {"init-system-helpers", {{"postinst", {E::none}}}},
      {"libc-bin", {{"postinst", {E::defaults}}}},  // nsswitch.conf; its ldconfig trigger: ld_cache.h
      {"libc6", {{"preinst", {E::none}}, {"postinst", {E::none}}, {"config", {E::none}}}},
      {"libpam0g", {{"postinst", {E::none}}}},
      {"libpam-modules", {{"preinst", {E::none}}, {"postinst", {E::pam_opasswd}}}},
      {"libpam-runtime", {{"postinst", {E::none}}}},  // pam-auth-update: see docs/APT.md
      {"login", {{"preinst", {E::none}}, {"postinst", {E::login_files}}}},
      {"mawk", {{"postinst", {E::alternatives}}}},
      {"gawk", {{"postinst", {E::alternatives}}}},
      {"adduser", {{"preinst", {E::defaults}}, {"postinst", {E::none}}, {"config", {E::none}}}},  // /etc/adduser.conf
      {"apt", {{"preinst", {E::none}}, {"postinst", {E::none}}}},  // _apt is in base-passwd's master; timers
      {"debian-archive-keyring", {{"preinst", {E::none}}, {"postinst", {E::none}}}},  // rm_conffile on upgrades
      {"openssl", {{"postinst", {E::openssl_link}}}},  // plus removing dangling /usr/man links: none in a new tree
      {"ncurses-base", {{"postinst", {E::none}}}},
      {"netbase", {{"postinst", {E::none}}}},
      {"passwd", {{"preinst", {E::none}}, {"postinst", {E::shadow}}}},
      {"perl-base", {{"preinst", {E::none}}, {"postinst", {E::none}}}},
      {"readline-common", {{"postinst", {E::defaults}}}},  // /etc/inputrc
      {"sensible-utils", {{"postinst", {E::none}}}},
      {"sysvinit-utils", {{"postinst", {E::none}}}},
      {"tar", {{"postinst", {E::alternatives}}}},
      {"usr-is-merged", {{"preinst", {E::none}}, {"postinst", {E::none}}}},  // the tree is merged-/usr
      {"util-linux", {{"postinst", {E::alternatives}}, {"preinst", {E::none}}}},
      {"util-linux-extra", {{"preinst", {E::none}}, {"postinst", {E::none}}}},
      {"tzdata", {{"preinst", {E::none}}, {"postinst", {E::tzdata}}, {"config", {E::none}}}},
      {"ca-certificates", {{"postinst", {E::ca_certs}}, {"config", {E::none}}}},
      {"media-types", {{"postinst", {E::none}}}},
      {"mime-support", {{"postinst", {E::none}}}},
      {"python3", {{"preinst", {E::none}}, {"postinst", {E::python_config}}}},
      {"python3-minimal", {{"postinst", {E::none}}, {"preinst", {E::none}}}},
      {"python2.7", {{"postinst", {E::none}}}},
      {"python2.7-minimal", {{"postinst", {E::python_site}}, {"preinst", {E::none}}}},
      {"python", {{"postinst", {E::none}}, {"preinst", {E::none}}}},
      {"python-minimal", {{"postinst", {E::none}}, {"preinst", {E::none}}}},
      {"python3-pkg-resources", {{"postinst", {E::none}}}},
      {"python3-six", {{"postinst", {E::none}}}},
      {"python-six", {{"postinst", {E::none}}}},
      {"libgcc1", {{"postinst", {E::none}}}},
      {"libgcrypt20", {{"postinst", {E::none}}}},                       // cleanup on upgrades only
      {"libgssapi-krb5-2", {{"postinst", {E::none}}}},                  // migration on upgrades only
      {"perl", {{"preinst", {E::none}}, {"postinst", {E::none}}}},      // rm_conffile, upgrade trigger
      {"usrmerge", {{"preinst", {E::none}}, {"postinst", {E::none}}}},  // converts; the tree is merged already
  };
  return t;
}

bool is_pythonxy(const std::string& pkg, const std::string& suffix) {
  // python3.11-minimal, python3.6, libpython3.11-minimal, libpython3.11-stdlib, ...
  std::string p = pkg.starts_with("lib") ? pkg.substr(3) : pkg;
  if (!p.starts_with("python") || !p.ends_with(suffix)) return false;
  std::string v = p.substr(6, p.size() - 6 - suffix.size());
  return v.size() >= 3 && std::isdigit(static_cast<unsigned char>(v[0])) && v[1] == '.';
}

// The postinst dh_makeshlibs wrote for a shared library before ldconfig
// became a trigger (Ubuntu 16.04 and older): `ldconfig` on configure and
// nothing else. Its effect, /etc/ld.so.cache, is what every install writes
// anyway (ld_cache.h; libc-bin's trigger in newer releases), so the script
// itself has nothing left to reproduce.
bool only_ldconfig(const std::string& script) {
  std::vector<std::string> code;
  for (const auto& raw : split(script, '\n')) {
    std::string line = trim(raw);
    if (line.empty() || line.starts_with("#") || line == "set -e") continue;
    code.push_back(line);
  }
  const std::vector<std::vector<std::string>> forms = {
      {"if [ \"$1\" = \"configure\" ]; then", "ldconfig", "fi"},
      {"if [ \"$1\" = \"configure\" ]; then", "ldconfig", "fi", "exit 0"},
      {"ldconfig"},
  };
  for (const auto& f : forms)
    if (code == f) return true;
  return false;
}

}  // namespace

std::vector<std::string> install_scripts(const DebControl& c) {
  std::vector<std::string> out;
  for (const char* s : {"preinst", "postinst", "config"})
    if (c.members.count(s)) out.push_back(s);
  return out;
}

Result<std::vector<Effect>> script_effects(const DebControl& c, const std::string& script,
                                           const std::set<std::string>& allowed) {
  const std::string pkg = c.package();
  auto it = table().find(pkg);
  if (it != table().end()) {
    auto s = it->second.find(script);
    if (s != it->second.end()) return s->second;
  }
  if (script == "postinst" && c.members.count(script) && only_ldconfig(c.members.at(script)))
    return std::vector<Effect>{E::none};
  if (!pkg.starts_with("lib") && is_pythonxy(pkg, "-minimal"))
    return std::vector<Effect>{script == "postinst" ? E::python_site : E::none};
  if (is_pythonxy(pkg, "") || is_pythonxy(pkg, "-minimal") || is_pythonxy(pkg, "-stdlib"))
    return std::vector<Effect>{E::none};
  if (allowed.count(pkg) || allowed.count(pkg + "/" + script)) return std::vector<Effect>{};
  return invalid("package " + pkg + " " + c.version() + " has a " + script +
                 " script whose effects dlimage does not reproduce; review it and add '" + pkg + "/" + script +
                 "' (or '" + pkg + "') to the recipe's apt.allow_scripts to install it without running it");
}

std::vector<std::string> known_scripts() {
  std::vector<std::string> out;
  for (const auto& [pkg, scripts] : table())
    for (const auto& [s, e] : scripts) out.push_back(pkg + "/" + s);
  return out;
}

std::vector<Alternative> parse_alternatives(const std::string& script) {
  // Join continuation lines, then read --install commands word by word.
  std::string joined;
  for (size_t i = 0; i < script.size(); ++i) {
    if (script[i] == '\\' && i + 1 < script.size() && script[i + 1] == '\n') {
      ++i;
      joined += ' ';
      continue;
    }
    joined += script[i];
  }
  std::vector<Alternative> out;
  for (const auto& line : split(joined, '\n')) {
    std::vector<std::string> w;
    for (auto& x : split(line, ' '))
      for (auto& y : split(x, '\t'))
        if (!y.empty()) w.push_back(y);
    for (size_t i = 0; i < w.size(); ++i) {
      if (w[i] != "update-alternatives") continue;
      size_t j = i + 1;
      while (j < w.size() && w[j].starts_with("--") && w[j] != "--install") ++j;  // --quiet, --force
      if (j + 4 >= w.size() || w[j] != "--install") break;
      Alternative a{w[j + 1], w[j + 2], w[j + 3], std::strtol(w[j + 4].c_str(), nullptr, 10), {}};
      if (a.link.find('$') != std::string::npos || a.path.find('$') != std::string::npos) break;
      for (size_t k = j + 5; k + 3 < w.size() && w[k] == "--slave"; k += 4)
        a.slaves.push_back({w[k + 1], w[k + 2], w[k + 3]});
      out.push_back(std::move(a));
      break;
    }
  }
  return out;
}

}  // namespace dl::deb
