// dlimage login REGISTRY / dlimage logout REGISTRY: credentials into the
// docker config or its credential helper, as crane auth login writes them
// (registry/auth/login.h). The password only from stdin.
#include <cstdio>
#include <iostream>

#include "builder/cli/command.h"
#include "builder/cli/output_flags.h"
#include "registry/auth/login.h"

namespace dl::cli {
namespace {

struct LoginArgs {
  std::string registry, username, config;
  bool password_stdin = false;
  OutputOptions out;
};

void print_result(const LoginArgs& a, const char* kind, const registry::LoginResult& r, const std::string& text) {
  if (a.out.json) {
    auto j = json_document(kind);
    j["registry"] = r.key;
    j["config"] = r.config;
    j["helper"] = r.helper;  // "" = written to the config file itself
    std::cout << j.dump(2) << "\n";
  } else if (!a.out.quiet) {
    std::cout << text << "\n";
  }
}

std::string config_of(const LoginArgs& a) {
  return a.config.empty() ? registry::CredentialStore::default_path() : a.config;
}

std::string where(const registry::LoginResult& r) {
  return r.helper.empty() ? r.config : r.helper + " (credential helper named in " + r.config + ")";
}

Registration login_reg(
    "login", "Store credentials for a registry in the docker config (or its credential helper)",
    [](CLI::App& app) -> Runner {
      auto a = std::make_shared<LoginArgs>();
      app.add_option("REGISTRY", a->registry, "HOST[:PORT]; docker.io for Docker Hub")->required();
      app.add_option("-u,--username", a->username, "user name")->required();
      app.add_flag("--password-stdin", a->password_stdin, "read the password or access token from stdin");
      app.add_option("--registry-config", a->config,
                     "docker config.json to write (default $REGISTRY_AUTH_FILE, $DOCKER_CONFIG/config.json or "
                     "~/.docker/config.json)");
      a->out.add_to(app);
      return [a] {
        // As docker: a password in argv is visible to every user of the machine.
        if (!a->password_stdin)
          throw Failure(invalid("login: expected --password-stdin (a password on the command line is visible in ps)"),
                        kExitUsage);
        registry::Credential c;
        c.username = a->username;
        c.password = get(registry::read_password(stdin));
        auto r = get(registry::save_login(config_of(*a), a->registry, c));
        print_result(*a, "login", r, "Login Succeeded: " + r.key + " in " + where(r));
        return kExitOk;
      };
    });

Registration logout_reg("logout", "Remove a registry's credentials from the docker config (or its credential helper)",
                        [](CLI::App& app) -> Runner {
                          auto a = std::make_shared<LoginArgs>();
                          app.add_option("REGISTRY", a->registry, "HOST[:PORT]; docker.io for Docker Hub")->required();
                          app.add_option(
                              "--registry-config", a->config,
                              "docker config.json (default $REGISTRY_AUTH_FILE, $DOCKER_CONFIG/config.json or "
                              "~/.docker/config.json)");
                          a->out.add_to(app);
                          return [a] {
                            auto r = get(registry::remove_login(config_of(*a), a->registry));
                            print_result(*a, "logout", r,
                                         "Removed login credentials for " + r.key + " from " + where(r));
                            return kExitOk;
                          };
                        });

}  // namespace
}  // namespace dl::cli
