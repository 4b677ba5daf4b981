// A real signed apt repository made the way Debian makes one (dpkg-deb,
// apt-ftparchive, a throwaway gpg key), served over loopback HTTP, for the
// cases the real archive cannot show: bad signatures, unknown keys, expired
// Valid-Until, index hash mismatches, unsatisfiable requests.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "base/fs.h"
#include "net/tiny_server_test_util.h"

namespace dl::test {

struct FakeDeb {
  FakeDeb(std::string c, std::map<std::string, std::string> f = {}) : control(std::move(c)), files(std::move(f)) {}
  std::string control;  // "Package: a\nVersion: 1\nArchitecture: amd64\n..." (Maintainer/Description added)
  // Path in the package ("usr/bin/x", "DEBIAN/postinst") -> content; a
  // content "-> TARGET" is a symlink to TARGET. Scripts are made executable.
  std::map<std::string, std::string> files;
};

class LocalRepo {
 public:
  // Builds dists/<suite>/main/binary-amd64/Packages{,.xz} and pool/*.deb,
  // a Release with `release_extra` fields, signed (InRelease and
  // Release.gpg) by a fresh key. Aborts the test on a tool failure.
  LocalRepo(const std::vector<FakeDeb>& debs, const std::string& release_extra = "",
            const std::string& suite = "stable");
  std::string uri() const { return "http://127.0.0.1:" + std::to_string(server_.port()) + "/repo"; }
  const fs::path& root() const { return root_; }
  fs::path dist() const { return root_ / "dists" / suite_; }
  fs::path keyring() const { return dir_.path() / "key.gpg"; }      // binary public key
  fs::path keyring_asc() const { return dir_.path() / "key.asc"; }  // armored
  // A second, unrelated key: the "unknown key" case.
  fs::path other_keyring();
  // Re-signs dists/<suite>/Release into InRelease and Release.gpg.
  void sign();
  // Packages and Release again from pool/ as it is now (a .deb replaced
  // there), signed by the same key: a repository that lists what it serves.
  void reindex();
  // A deb822 file for this repo, signed by `keyring` (default: the right one).
  fs::path sources_file(const fs::path& keyring = {});
  std::vector<std::string> requests();

 private:
  std::string serve(const std::string& head);
  void write_indexes();
  std::string release_extra_;
  TempDir dir_;
  fs::path root_;
  std::string suite_;
  fs::path gnupg_;
  net::TinyServer server_;
};

}  // namespace dl::test
