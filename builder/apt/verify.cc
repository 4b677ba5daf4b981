// Signature checks with gpgv or sqv, as apt and rules_distroless do: the
// tools are given an explicit keyring and nothing else (no ~/.gnupg, no
// trust database), and only the text gpgv reports as signed is parsed.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

#include "base/fs.h"
#include "base/strings.h"
#include "builder/apt/fetch.h"

extern char** environ;

namespace dl::apt {

namespace {

struct Run {
  int code = -1;
  std::string out, err;
};

// argv only, no shell; stdout/stderr to files in `dir`.
Result<Run> run(const std::vector<std::string>& argv, const fs::path& dir) {
  std::string outp = (dir / "stdout").string(), errp = (dir / "stderr").string();
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, outp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&fa, 2, errp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, argv[0].c_str(), &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0)
    return Error(ErrorKind::unsupported,
                 "cannot run " + argv[0] + ": " + std::strerror(rc) + " (install the '" + argv[0] + "' package)");
  int st = 0;
  while (waitpid(pid, &st, 0) < 0)
    if (errno != EINTR) return io_error("waitpid " + argv[0] + ": " + std::strerror(errno));
  Run r;
  r.code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  r.out = read_file(outp).ok() ? *read_file(outp) : "";
  r.err = read_file(errp).ok() ? *read_file(errp) : "";
  return r;
}

int b64(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// ASCII armor -> binary OpenPGP packets (gpgv wants binary keyrings). Several
// armored blocks concatenate into one keyring.
Result<std::string> dearmor(std::string_view text, const std::string& what) {
  std::string out;
  size_t pos = 0;
  bool any = false;
  while ((pos = text.find("-----BEGIN PGP PUBLIC KEY BLOCK-----", pos)) != std::string_view::npos) {
    size_t end = text.find("-----END PGP PUBLIC KEY BLOCK-----", pos);
    if (end == std::string_view::npos) return invalid(what + ": unterminated armored key block");
    // Body starts after the first blank line (armor headers end there).
    size_t body = text.find("\n\n", pos);
    size_t body_alt = text.find("\n\r\n", pos);
    if (body_alt < body) body = body_alt;
    if (body == std::string_view::npos || body > end) body = text.find('\n', pos);
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = body; i < end; ++i) {
      char c = text[i];
      if (c == '\n' && i + 1 < end && text[i + 1] == '=') break;  // CRC24 line
      int v = b64(c);
      if (v < 0) continue;
      acc = (acc << 6) | static_cast<uint32_t>(v);
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        out += static_cast<char>((acc >> bits) & 0xff);
      }
    }
    any = true;
    pos = end + 1;
  }
  if (!any) return invalid(what + ": no armored public key block");
  return out;
}

Result<std::string> keyring_file(const Keyring& k, const fs::path& dir, const std::string& url) {
  std::string text;
  std::string what = k.file.empty() ? "inline Signed-By key" : k.file;
  if (!k.file.empty()) {
    auto r = read_file(k.file);
    if (!r.ok()) return invalid(url + ": keyring " + k.file + " is not readable: " + r.error().message());
    text = *r;
  } else if (!k.inline_key.empty()) {
    text = k.inline_key;
  } else {
    return invalid(url + ": no Signed-By keyring; every source must name the key that signs it");
  }
  fs::path out = dir / "keyring.gpg";
  if (text.find("-----BEGIN PGP PUBLIC KEY BLOCK-----") != std::string::npos) {
    auto bin = dearmor(text, what);
    if (!bin.ok()) return bin.error().wrap(url);
    text = *bin;
  }
  DL_TRY(write_file_atomic(out, text));
  return out.string();
}

std::string status_reason(const std::string& status, const std::string& err) {
  if (status.find("[GNUPG:] BADSIG") != std::string::npos) return "bad signature";
  if (status.find("[GNUPG:] NO_PUBKEY") != std::string::npos) {
    size_t p = status.find("[GNUPG:] NO_PUBKEY");
    std::string id = status.substr(p + 19, status.find('\n', p) - p - 19);
    return "signed by unknown key " + trim(id) + " (not in the Signed-By keyring)";
  }
  if (status.find("[GNUPG:] EXPKEYSIG") != std::string::npos) return "signed by an expired key";
  if (status.find("[GNUPG:] REVKEYSIG") != std::string::npos) return "signed by a revoked key";
  if (status.find("[GNUPG:] NODATA") != std::string::npos) return "not signed (no OpenPGP data)";
  std::string e = trim(err);
  if (auto nl = e.rfind('\n'); nl != std::string::npos) e = e.substr(nl + 1);
  return "signature check failed: " + e;
}

}  // namespace

Result<std::string> verify_signature(const std::string& data, const std::string& signature, const Keyring& keyring,
                                     const std::string& url, const FetchOptions& opts) {
  TempDir dir("dlimage-gpgv");
  DL_ASSIGN_OR_RETURN(std::string ring, keyring_file(keyring, dir.path(), url));
  fs::path data_p = dir.path() / "data", sig_p = dir.path() / "data.sig", out_p = dir.path() / "signed";
  DL_TRY(write_file_atomic(data_p, data));
  std::vector<std::string> argv;
  if (opts.verifier == "sqv") {
    if (signature.empty())
      return Error(ErrorKind::unsupported, url + ": sqv checks detached signatures only; use Release + Release.gpg");
    DL_TRY(write_file_atomic(sig_p, signature));
    argv = {"sqv", "--keyring", ring, sig_p.string(), data_p.string()};
  } else if (opts.verifier == "gpgv") {
    argv = {"gpgv", "--quiet", "--status-fd", "1", "--keyring", ring};
    if (signature.empty()) {
      argv.insert(argv.end(), {"--output", out_p.string(), data_p.string()});
    } else {
      DL_TRY(write_file_atomic(sig_p, signature));
      argv.insert(argv.end(), {sig_p.string(), data_p.string()});
    }
  } else {
    return invalid("unknown signature verifier '" + opts.verifier + "'; expected gpgv or sqv");
  }
  DL_ASSIGN_OR_RETURN(Run r, run(argv, dir.path()));
  bool good = r.code == 0;
  if (opts.verifier == "gpgv" && good) good = r.out.find("[GNUPG:] VALIDSIG") != std::string::npos;
  if (!good) {
    if (opts.verifier == "sqv")
      return Error(ErrorKind::integrity, url + ": signature check failed (sqv): " + trim(r.err));
    return Error(ErrorKind::integrity, url + ": " + status_reason(r.out, r.err));
  }
  if (!signature.empty()) return data;
  auto signed_text = read_file(out_p);
  if (!signed_text.ok()) return Error(ErrorKind::integrity, url + ": gpgv produced no signed text");
  return *signed_text;
}

}  // namespace dl::apt
