#include "tests/apt/local_repo.h"

#include <gtest/gtest.h>

#include "base/sha256.h"
#include "base/strings.h"
#include "tests/support/process.h"

namespace dl::test {

namespace {

std::string must_run(const std::vector<std::string>& argv, const SpawnOptions& o = {}) {
  auto r = run(argv, o);
  if (!r.ok()) {
    ADD_FAILURE() << argv[0] << ": " << r.error().message();
    return "";
  }
  if (!r->ok()) ADD_FAILURE() << join(argv, " ") << ": " << r->describe();
  return r->out;
}

void gen_key(const fs::path& home) {
  ensure_dir(home).ok();
  fs::permissions(home, fs::perms::owner_all);
  SpawnOptions o;
  o.env["GNUPGHOME"] = home.string();
  must_run({"gpg", "--batch", "--passphrase", "", "--quick-gen-key", "dlimage test <test@invalid>", "ed25519", "sign",
            "never"},
           o);
}

}  // namespace

LocalRepo::LocalRepo(const std::vector<FakeDeb>& debs, const std::string& release_extra, const std::string& suite)
    : dir_("dlimage-repo"),
      root_(dir_.path() / "repo"),
      suite_(suite),
      gnupg_(dir_.path() / "gnupg"),
      server_([this](const std::string& head) { return serve(head); }) {
  fs::path pool = root_ / "pool" / "main";
  fs::path bin = dist() / "main" / "binary-amd64";
  ensure_dir(pool).ok();
  ensure_dir(bin).ok();
  for (const auto& d : debs) {
    fs::path build = dir_.path() / "build";
    fs::remove_all(build);
    ensure_dir(build / "DEBIAN").ok();
    ensure_dir(build / "usr/share/doc").ok();
    std::string control = d.control + "Maintainer: dlimage tests <test@invalid>\nDescription: test package\n";
    write_file_atomic(build / "DEBIAN/control", control).ok();
    for (const auto& [path, content] : d.files) {
      fs::path f = build / path;
      ensure_dir(f.parent_path()).ok();
      if (starts_with(content, "-> ")) {
        fs::create_symlink(content.substr(3), f);
        continue;
      }
      write_file_atomic(f, content).ok();
      bool exec = starts_with(path, "DEBIAN/") ? path != "DEBIAN/conffiles" : path.find("/bin/") != std::string::npos;
      fs::permissions(f, exec ? fs::perms(0755) : fs::perms(0644));
    }
    auto name = std::string();
    for (const auto& line : split(d.control, '\n'))
      if (starts_with(line, "Package: ")) name += line.substr(9);
    for (const auto& line : split(d.control, '\n'))
      if (starts_with(line, "Version: ")) name += "_" + line.substr(9);
    must_run(
        {"dpkg-deb", "--root-owner-group", "-Zgzip", "--build", build.string(), (pool / (name + ".deb")).string()});
  }
  release_extra_ = release_extra;
  write_indexes();
  gen_key(gnupg_);
  SpawnOptions g;
  g.env["GNUPGHOME"] = gnupg_.string();
  write_file_atomic(keyring(), must_run({"gpg", "--export"}, g)).ok();
  write_file_atomic(keyring_asc(), must_run({"gpg", "--export", "--armor"}, g)).ok();
  sign();
}

void LocalRepo::write_indexes() {
  fs::path bin = dist() / "main" / "binary-amd64";
  SpawnOptions in_root;
  in_root.cwd = root_.string();
  std::string packages = must_run({"apt-ftparchive", "packages", "pool"}, in_root);
  write_file_atomic(bin / "Packages", packages).ok();
  must_run({"xz", "-k", "-f", (bin / "Packages").string()});
  if (release_extra_.find("Acquire-By-Hash: yes") != std::string::npos) {
    auto xz = read_file(bin / "Packages.xz");
    ensure_dir(bin / "by-hash" / "SHA256").ok();
    write_file_atomic(bin / "by-hash" / "SHA256" / Sha256::hex(*xz), *xz).ok();
  }
  for (const char* f : {"Release", "InRelease", "Release.gpg"}) fs::remove(dist() / f);  // not indexed in itself
  SpawnOptions in_dist;
  in_dist.cwd = dist().string();
  std::string release = must_run({"apt-ftparchive", "-o", "APT::FTPArchive::Release::Suite=" + suite_, "-o",
                                  "APT::FTPArchive::Release::Architectures=amd64", "-o",
                                  "APT::FTPArchive::Release::Components=main", "release", "."},
                                 in_dist);
  write_file_atomic(dist() / "Release", release_extra_ + release).ok();
}

void LocalRepo::reindex() {
  write_indexes();
  sign();
}

void LocalRepo::sign() {
  SpawnOptions g;
  g.env["GNUPGHOME"] = gnupg_.string();
  fs::remove(dist() / "InRelease");
  fs::remove(dist() / "Release.gpg");
  must_run(
      {"gpg", "--batch", "--yes", "--clearsign", "-o", (dist() / "InRelease").string(), (dist() / "Release").string()},
      g);
  must_run({"gpg", "--batch", "--yes", "--detach-sign", "-o", (dist() / "Release.gpg").string(),
            (dist() / "Release").string()},
           g);
}

fs::path LocalRepo::other_keyring() {
  fs::path home = dir_.path() / "other-gnupg";
  gen_key(home);
  SpawnOptions g;
  g.env["GNUPGHOME"] = home.string();
  fs::path out = dir_.path() / "other.gpg";
  write_file_atomic(out, must_run({"gpg", "--export"}, g)).ok();
  return out;
}

fs::path LocalRepo::sources_file(const fs::path& keyring_path) {
  fs::path out = dir_.path() / "test.sources";
  write_file_atomic(out, "Types: deb\nURIs: " + uri() + "\nSuites: " + suite_ + "\nComponents: main\nSigned-By: " +
                             (keyring_path.empty() ? keyring() : keyring_path).string() + "\n")
      .ok();
  return out;
}

std::vector<std::string> LocalRepo::requests() {
  std::vector<std::string> out;
  for (const auto& h : server_.heads()) out.push_back(h.substr(0, h.find("\r\n")));
  return out;
}

// GET /repo/<path> from the tree; anything else is a 404.
std::string LocalRepo::serve(const std::string& head) {
  auto not_found = [] {
    return std::string("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  };
  if (!starts_with(head, "GET /repo/")) return not_found();
  std::string path = head.substr(10, head.find(' ', 4) - 10);
  if (path.find("..") != std::string::npos) return not_found();
  auto body = read_file(root_ / path);
  if (!body.ok()) return not_found();
  return "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body->size()) + "\r\nConnection: close\r\n\r\n" + *body;
}

}  // namespace dl::test
