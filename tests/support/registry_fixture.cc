#include "tests/support/registry_fixture.h"

#include <openssl/rand.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "base/fs.h"
#include "tests/support/http_client.h"
#include "tests/support/pki.h"
#include "tests/support/process.h"
#include "tests/support/token_server.h"

namespace dl::test {
namespace {

namespace stdfs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr const char* kDefaultRegistry = "/usr/bin/docker-registry";
constexpr const char* kUser = "dltest";

std::string registry_binary(const RegistryOptions& opts) {
  if (!opts.registry_binary.empty()) return opts.registry_binary;
  if (const char* env = std::getenv("DL_DOCKER_REGISTRY"); env && *env) return env;
  return kDefaultRegistry;
}

std::string random_hex(size_t bytes) {
  std::string raw(bytes, '\0');
  RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(bytes));
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : raw) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

Result<std::string> make_work_dir(const RegistryOptions& opts) {
  if (!opts.work_dir.empty()) {
    DL_TRY(ensure_dir(opts.work_dir));
    return stdfs::absolute(opts.work_dir).string();
  }
  const char* tmp = std::getenv("TMPDIR");
  std::string tmpl = std::string(tmp && *tmp ? tmp : "/tmp") + "/dl-registry-XXXXXX";
  if (!::mkdtemp(tmpl.data())) return io_error("mkdtemp " + tmpl + " failed");
  return tmpl;
}

std::string tail_of_file(const std::string& path, size_t max = 3000) {
  auto content = read_file(path);
  if (!content.ok()) return "(no log)";
  const std::string& s = *content;
  return s.size() > max ? s.substr(s.size() - max) : s;
}

}  // namespace

const char* to_string(RegistryMode mode) {
  switch (mode) {
    case RegistryMode::plain: return "plain";
    case RegistryMode::htpasswd_tls: return "htpasswd_tls";
    case RegistryMode::token: return "token";
  }
  return "?";
}

struct RegistryServer::Impl {
  Mode mode = Mode::plain;
  RegistryOptions opts;
  std::string dir;
  int port = 0;
  std::string username, password;
  std::string ca_file, cert_dir;
  std::unique_ptr<TokenServer> token;
  std::unique_ptr<ChildProcess> child;

  ~Impl() {
    child.reset();  // SIGTERM, SIGKILL after the grace period
    token.reset();
    const char* keep_env = std::getenv("DL_TEST_KEEP_REGISTRY");
    if (!dir.empty() && !opts.keep_dir && !(keep_env && *keep_env && std::string(keep_env) != "0")) {
      std::error_code ec;
      stdfs::remove_all(dir, ec);
    }
  }

  std::string path(const std::string& name) const { return dir + "/" + name; }
  std::string host() const { return "127.0.0.1:" + std::to_string(port); }
  std::string scheme() const { return mode == Mode::htpasswd_tls ? "https" : "http"; }

  Status prepare_auth() {
    if (mode == Mode::plain) return {};
    username = kUser;
    password = random_hex(12);
    DL_ASSIGN_OR_RETURN(CertifiedKey ca, make_ca("dlimage test CA"));
    ca_file = path("ca.crt");
    DL_TRY(write_file_atomic(ca_file, ca.cert_pem));
    if (mode == Mode::htpasswd_tls) {
      DL_ASSIGN_OR_RETURN(CertifiedKey server, make_leaf(ca, "127.0.0.1", {"localhost"}, {"127.0.0.1"}));
      DL_TRY(write_file_atomic(path("server.crt"), server.cert_pem));
      DL_TRY(write_file_atomic(path("server.key"), server.key_pem));
      cert_dir = path("certs");
      DL_TRY(ensure_dir(cert_dir));
      DL_TRY(write_file_atomic(cert_dir + "/ca.crt", ca.cert_pem));
      // Cost 4 (the minimum): the registry checks bcrypt on every request.
      DL_ASSIGN_OR_RETURN(ProcessResult hp, run({"htpasswd", "-Bbn", "-C", "4", username, password}));
      if (!hp.ok()) return Error(ErrorKind::internal, "htpasswd (apache2-utils) failed: " + hp.describe());
      DL_TRY(write_file_atomic(path("htpasswd"), hp.out));
    } else {
      DL_ASSIGN_OR_RETURN(CertifiedKey signer, make_leaf(ca, "dlimage token signer", {}, {}));
      TokenServerConfig cfg;
      cfg.signing_key_pem = signer.key_pem;
      cfg.signing_cert_der = signer.cert_der;
      cfg.username = username;
      cfg.password = password;
      cfg.ttl_seconds = opts.token_ttl_seconds;
      DL_ASSIGN_OR_RETURN(token, TokenServer::start(std::move(cfg)));
    }
    return {};
  }

  Status write_docker_config() {
    std::string auths = "{}";
    if (!username.empty())
      auths = "{\"" + host() + "\": {\"auth\": \"" + base64_encode(username + ":" + password) + "\"}}";
    DL_TRY(ensure_dir(path("docker")));
    return write_file_atomic(path("docker/config.json"), "{\"auths\": " + auths + "}\n");
  }

  std::string config_yaml() const {
    std::string y;
    y += "version: 0.1\n";
    y += "log:\n  level: info\n  formatter: text\n  accesslog:\n    disabled: false\n";
    y += "storage:\n  filesystem:\n    rootdirectory: " + path("storage") + "\n";
    y += "  delete:\n    enabled: true\n";
    y += "  maintenance:\n    uploadpurging:\n      enabled: false\n";
    y += "http:\n  addr: " + host() + "\n  secret: " + random_hex(16) + "\n";
    if (!opts.public_url.empty()) y += "  host: " + opts.public_url + "\n";
    y += "  headers:\n    X-Content-Type-Options: [nosniff]\n";
    if (mode == Mode::htpasswd_tls) {
      y += "  tls:\n    certificate: " + path("server.crt") + "\n    key: " + path("server.key") + "\n";
      y += "auth:\n  htpasswd:\n    realm: dlimage-test-registry\n    path: " + path("htpasswd") + "\n";
    } else if (mode == Mode::token) {
      y += "auth:\n  token:\n    realm: " + token->realm() + "\n    service: " + token->config().service +
           "\n    issuer: " + token->config().issuer + "\n    rootcertbundle: " + ca_file + "\n";
    }
    return y;
  }

  // One attempt on a fresh port; `retry` is set when the port was taken.
  Status launch(bool& retry) {
    retry = false;
    DL_ASSIGN_OR_RETURN(port, free_port());
    DL_TRY(write_docker_config());
    DL_TRY(write_file_atomic(path("config.yml"), config_yaml()));
    SpawnOptions so;
    // A clean environment: REGISTRY_* variables would override the config.
    so.clear_env = true;
    so.env["PATH"] = "/usr/local/bin:/usr/bin:/bin";
    so.env["HOME"] = dir;
    so.stdout_path = path("registry.log");
    so.merge_stderr = true;
    DL_ASSIGN_OR_RETURN(ChildProcess proc,
                        ChildProcess::spawn({registry_binary(opts), "serve", path("config.yml")}, so));
    child = std::make_unique<ChildProcess>(std::move(proc));

    HttpRequest probe;
    probe.ca_file = ca_file;
    probe.timeout_ms = 1000;
    std::string url = scheme() + "://" + host() + "/v2/";
    auto deadline = Clock::now() + std::chrono::seconds(15);
    while (Clock::now() < deadline) {
      if (!child->running()) {
        std::string log = tail_of_file(path("registry.log"));
        child.reset();
        if (log.find("address already in use") != std::string::npos) {
          retry = true;
          return Error(ErrorKind::network, "port taken", true);
        }
        return Error(ErrorKind::internal,
                     "docker-registry exited during startup; log " + path("registry.log") + ":\n" + log);
      }
      auto reply = http_request(url, probe);
      if (reply.ok() && (reply->status == 200 || reply->status == 401)) return {};
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    std::string log = tail_of_file(path("registry.log"));
    child.reset();
    return Error(ErrorKind::network, "docker-registry did not answer GET " + url + " within 15s; log:\n" + log, true);
  }
};

RegistryServer::RegistryServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RegistryServer::RegistryServer(RegistryServer&&) noexcept = default;
RegistryServer& RegistryServer::operator=(RegistryServer&&) noexcept = default;
RegistryServer::~RegistryServer() = default;

Result<RegistryServer> RegistryServer::start(Mode mode, const RegistryOptions& options) {
  std::string bin = registry_binary(options);
  if (find_program(bin).empty())
    return Error(ErrorKind::not_found, bin + " not found (install the Debian package docker-registry)");
  auto impl = std::make_unique<Impl>();
  impl->mode = mode;
  impl->opts = options;
  DL_ASSIGN_OR_RETURN(impl->dir, make_work_dir(options));
  DL_TRY(impl->prepare_auth());
  for (int attempt = 0;; ++attempt) {
    bool retry = false;
    Status st = impl->launch(retry);
    if (st.ok()) break;
    if (!retry || attempt >= 4) return st.error().wrap(std::string("starting registry (") + to_string(mode) + ")");
  }
  return RegistryServer(std::move(impl));
}

RegistryMode RegistryServer::mode() const { return impl_->mode; }
int RegistryServer::port() const { return impl_->port; }
std::string RegistryServer::host() const { return impl_->host(); }
std::string RegistryServer::scheme() const { return impl_->scheme(); }
std::string RegistryServer::base_url() const { return impl_->scheme() + "://" + impl_->host(); }
std::string RegistryServer::ca_file() const { return impl_->mode == Mode::htpasswd_tls ? impl_->ca_file : ""; }
std::string RegistryServer::cert_dir() const { return impl_->cert_dir; }
std::string RegistryServer::username() const { return impl_->username; }
std::string RegistryServer::password() const { return impl_->password; }
std::string RegistryServer::docker_config_dir() const { return impl_->path("docker"); }
std::string RegistryServer::log_path() const { return impl_->path("registry.log"); }
std::string RegistryServer::dir() const { return impl_->dir; }
std::string RegistryServer::storage_dir() const { return impl_->path("storage"); }
int RegistryServer::registry_pid() const { return impl_->child ? impl_->child->pid() : -1; }
std::string RegistryServer::token_realm() const { return impl_->token ? impl_->token->realm() : ""; }
std::string RegistryServer::token_service() const { return impl_->token ? impl_->token->config().service : ""; }
std::uint64_t RegistryServer::token_requests() const { return impl_->token ? impl_->token->requests() : 0; }

bool registry_available() {
  const char* env = std::getenv("DL_DOCKER_REGISTRY");
  return !find_program(env && *env ? env : kDefaultRegistry).empty();
}

}  // namespace dl::test
