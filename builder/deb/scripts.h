// Maintainer scripts are never run (as in distroless and rules_distroless):
// a build runs no code from a package. What the scripts of the packages an
// image needs would have done on a fresh install is reproduced instead, for
// the documented list below (docs/APT.md "Maintainer scripts"). A package
// whose preinst, postinst or config is not on that list is an error naming
// the package and the script, unless the recipe acknowledges it
// (`allow_scripts`), in which case the script is skipped knowingly.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "base/result.h"
#include "builder/deb/deb_file.h"

namespace dl::deb {

// What dlimage does in place of a script.
enum class Effect {
  none,           // reviewed: nothing a fresh, non-booted image needs
  alternatives,   // the script's `update-alternatives --install` lines
  base_files,     // /etc/profile, /root/.profile, /etc/motd, base directories
  base_passwd,    // /etc/passwd, /etc/group from base-passwd's masters
  shadow,         // /etc/shadow, /etc/gshadow (shadowconfig on)
  shells,         // /etc/shells (update-shells)
  python_site,    // /usr/local/lib/pythonX.Y/dist-packages
  tzdata,         // /etc/localtime -> Etc/UTC, /etc/timezone
  ca_certs,       // update-ca-certificates: the bundle and hash links
  defaults,       // "install_from_default": a shipped default copied to /etc when missing
  login_files,    // /var/log/faillog, /etc/subuid, /etc/subgid
  pam_opasswd,    // /etc/security/opasswd
  python_config,  // /etc/python3/debian_config
  openssl_link,   // /usr/lib/ssl -> /etc/ssl
};

// The scripts that run at install time: preinst, postinst, config.
std::vector<std::string> install_scripts(const DebControl& c);

// Effects standing in for `package`'s `script`; an error naming both when
// the script is not on the list and not in `allowed` ("pkg" or "pkg/script").
Result<std::vector<Effect>> script_effects(const DebControl& c, const std::string& script,
                                           const std::set<std::string>& allowed);

// The packages and scripts on the list, "pkg/script", for docs and errors.
std::vector<std::string> known_scripts();

// One `update-alternatives --install LINK NAME PATH PRIO [--slave LINK NAME PATH]...`.
struct Alternative {
  std::string link, name, path;
  long priority = 0;
  struct Slave {
    std::string link, name, path;
  };
  std::vector<Slave> slaves;
};
// Every --install command in a shell script (continuation lines joined).
std::vector<Alternative> parse_alternatives(const std::string& script);

}  // namespace dl::deb
