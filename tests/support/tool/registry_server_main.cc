// dl_registry_server --mode plain|htpasswd_tls|token --state-dir DIR
//
// Hosts one RegistryServer (and, in token mode, its token server) for shell
// scripts; tests/registry/registryctl.sh is the intended caller. Once the
// registry answers, writes DIR/env (key=value lines, temp name + rename, so
// its presence means "ready") plus DIR/user and DIR/password (mode 0600), then
// runs until SIGTERM/SIGINT, when it stops the registry and removes
// DIR/registry (config, keys, storage, log).
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "base/fs.h"
#include "tests/support/registry_fixture.h"

namespace {

int usage(const std::string& msg) {
  std::fprintf(stderr,
               "dl_registry_server: %s\n"
               "usage: dl_registry_server --mode plain|htpasswd_tls|token --state-dir DIR [--keep]\n",
               msg.c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string mode_name, state_dir;
  bool keep = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--mode" && i + 1 < argc)
      mode_name = argv[++i];
    else if (a == "--state-dir" && i + 1 < argc)
      state_dir = argv[++i];
    else if (a == "--keep")
      keep = true;
    else
      return usage("unknown or incomplete argument '" + a + "'");
  }
  dl::test::RegistryMode mode;
  if (mode_name == "plain")
    mode = dl::test::RegistryMode::plain;
  else if (mode_name == "htpasswd_tls" || mode_name == "tls")
    mode = dl::test::RegistryMode::htpasswd_tls;
  else if (mode_name == "token")
    mode = dl::test::RegistryMode::token;
  else
    return usage("--mode must be plain, htpasswd_tls or token (got '" + mode_name + "')");
  if (state_dir.empty()) return usage("--state-dir is required");

  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);  // before the token server thread exists
  signal(SIGPIPE, SIG_IGN);

  if (auto st = dl::ensure_dir(state_dir); !st.ok()) {
    std::fprintf(stderr, "dl_registry_server: %s\n", st.error().message().c_str());
    return 1;
  }
  dl::test::RegistryOptions opts;
  opts.work_dir = state_dir + "/registry";
  opts.keep_dir = keep;
  auto reg = dl::test::RegistryServer::start(mode, opts);
  if (!reg.ok()) {
    std::fprintf(stderr, "dl_registry_server: %s\n", reg.error().message().c_str());
    return 1;
  }
  auto secret = [&](const std::string& name, const std::string& value) {
    std::string path = state_dir + "/" + name;
    auto st = dl::write_file_atomic(path, value + "\n");
    ::chmod(path.c_str(), 0600);
    return st.ok();
  };
  std::string env;
  env += "mode=" + std::string(dl::test::to_string(mode)) + "\n";
  env += "host=" + reg->host() + "\n";
  env += "port=" + std::to_string(reg->port()) + "\n";
  env += "url=" + reg->base_url() + "\n";
  env += "ca_file=" + reg->ca_file() + "\n";
  env += "cert_dir=" + reg->cert_dir() + "\n";
  env += "user=" + reg->username() + "\n";
  env += "user_file=" + (reg->username().empty() ? "" : state_dir + "/user") + "\n";
  env += "password_file=" + (reg->password().empty() ? "" : state_dir + "/password") + "\n";
  env += "docker_config=" + reg->docker_config_dir() + "\n";
  env += "token_realm=" + reg->token_realm() + "\n";
  env += "token_service=" + reg->token_service() + "\n";
  env += "log=" + reg->log_path() + "\n";
  env += "server_pid=" + std::to_string(::getpid()) + "\n";
  env += "registry_pid=" + std::to_string(reg->registry_pid()) + "\n";
  if (!reg->username().empty() && (!secret("user", reg->username()) || !secret("password", reg->password()))) {
    std::fprintf(stderr, "dl_registry_server: cannot write credentials into %s\n", state_dir.c_str());
    return 1;
  }
  if (auto st = dl::write_file_atomic(state_dir + "/env", env); !st.ok()) {
    std::fprintf(stderr, "dl_registry_server: %s\n", st.error().message().c_str());
    return 1;
  }
  std::fputs(env.c_str(), stdout);
  std::fflush(stdout);
  int sig = 0;
  sigwait(&set, &sig);
  return 0;  // ~RegistryServer stops docker-registry and removes its dir
}
