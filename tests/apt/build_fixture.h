// The fixture of the `dlimage build` + OS packages tests: a real signed
// apt repository on loopback (tests/apt/local_repo.h) with a small Debian-
// like archive, a one-image matrix on a chosen base, and a build.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>

#include "base/fs.h"
#include "base/strings.h"
#include "builder/layout/layout.h"
#include "builder/pipeline/build.h"
#include "tests/apt/local_repo.h"
#include "tests/support/process.h"

namespace dl::pipeline::build_os {

using test::FakeDeb;
using test::LocalRepo;

inline std::vector<FakeDeb> archive() {
  return {
      {"Package: base-files\nVersion: 12.4\nArchitecture: amd64\nEssential: yes\n", {{"etc/debian_version", "12.4\n"}}},
      {"Package: usr-is-merged\nVersion: 37\nArchitecture: all\nEssential: yes\n"},
      {"Package: libc6\nVersion: 2.36-9\nArchitecture: amd64\nMulti-Arch: same\n",
       {{"usr/lib/x86_64-linux-gnu/libc.so.6", "ELF libc"}}},
      {"Package: python3.11\nVersion: 3.11.2-6\nArchitecture: amd64\nDepends: libc6\n",
       {{"usr/bin/python3.11", "ELF python"}}},
      {"Package: python3\nVersion: 3.11.2-1\nArchitecture: amd64\nDepends: python3.11\n",
       {{"usr/bin/python3", "-> python3.11"}}},
      {"Package: libgomp1\nVersion: 12.2.0-14\nArchitecture: amd64\nDepends: libc6\n",
       {{"lib/x86_64-linux-gnu/libgomp.so.1", "ELF gomp"}}},
      {"Package: tool\nVersion: 1\nArchitecture: amd64\nRecommends: libgomp1\n", {{"usr/bin/tool", "#!/bin/sh\n"}}},
      {"Package: scripted\nVersion: 1\nArchitecture: all\n",
       {{"usr/share/scripted/x", "x"}, {"DEBIAN/postinst", "#!/bin/sh\nexec /usr/sbin/do-something\n"}}},
      {"Package: broken\nVersion: 1\nArchitecture: amd64\nDepends: libc6 (>= 3.0)\n"},
  };
}

struct Fixture {
  std::unique_ptr<LocalRepo> repo;
  std::string uri, keyring;
  std::string etc_apt, apt_verifier;  // BuildOptions' (--etc-apt, --apt-verifier); "" = default
  TempDir dir{"dl-build-os"};

  explicit Fixture(const std::vector<FakeDeb>& debs = archive()) { serve(debs); }
  // (Re)starts the repository with these packages, signed by a new key.
  void serve(const std::vector<FakeDeb>& debs) {
    repo = std::make_unique<LocalRepo>(debs);
    uri = repo->uri();
    keyring = repo->keyring().string();
  }
  fs::path matrix() const { return dir.path() / "matrix.yaml"; }
  fs::path out() const { return dir.path() / "out"; }

  // One image on `base_ref` (scratch, or an image in the --base layout)
  // whose recipe asks for `packages`.
  void write(const std::string& base_ref, const std::string& packages, const std::string& recipe_extra = "") {
    std::string m =
        "schema: 1\n"
        "bases:\n"
        "  b:\n"
        "    ref: " +
        base_ref +
        "\n"
        "    glibc: \"2.36\"\n"
        "    pythons:\n"
        "      \"3.11\": {abi: cp311, interpreter: /usr/bin/python3, site_packages: "
        "usr/local/lib/python3.11/dist-packages}\n"
        "    apt:\n"
        "      sources:\n"
        "        - uris: [" +
        uri +
        "]\n"
        "          suites: [stable]\n"
        "          components: [main]\n"
        "          signed_by: " +
        keyring +
        "\n"
        "pythons:\n"
        "  \"3.11\": {tag: \"-py311\"}\n"
        "accelerators:\n"
        "  cpu: {kind: cpu, tag: cpu, base: b}\n"
        "isa:\n"
        "  generic: {rank: 0, features: [], tag: \"\"}\n"
        "images:\n"
        "  - name: app\n"
        "    repo: test/app\n"
        "    framework: app\n"
        "    axes: {version: [\"1\"], python: [\"3.11\"], accelerator: [cpu]}\n"
        "    tags: [\"{version}\"]\n";
    ASSERT_TRUE(write_file_atomic(matrix(), m).ok());
    ASSERT_TRUE(write_file_atomic(dir.path() / "recipes" / "app.yaml",
                                  "schema: 1\nname: app\napt:\n  packages: [" + packages + "]\n" + recipe_extra)
                    .ok());
  }

  Result<BuildReport> build(const std::vector<std::string>& bases = {}, const std::string& lock = "") {
    BuildOptions o;
    o.lock_file = lock;
    o.matrix_file = matrix().string();
    o.output_layout = "oci:" + out().string();
    o.base_layouts = bases;
    o.cache_dir = (dir.path() / "cache").string();
    o.source_date_epoch = 1700000000;
    if (!etc_apt.empty()) o.etc_apt = etc_apt;
    if (!apt_verifier.empty()) o.apt_verifier = apt_verifier;
    registry::LazySession session(o.registry);
    return pipeline::build(o, session);
  }
};

// The paths of one layer blob (`tar -tv`), with " -> target" for symlinks.
inline std::vector<std::string> layer_paths(const layout::Layout& l, const image::Descriptor& d) {
  auto r = test::run({"tar", "-tvzf", (l.root() / "blobs" / "sha256" / d.digest.hex).string()});
  EXPECT_TRUE(r.ok() && r->ok());
  std::vector<std::string> out;
  if (!r.ok()) return out;
  for (const auto& line : split(r->out, '\n')) {
    // "lrwxrwxrwx 0/0 0 2023-11-14 22:13 bin -> usr/bin"
    auto w = split(line, ' ');
    std::vector<std::string> words;
    for (auto& x : w)
      if (!x.empty()) words.push_back(x);
    if (words.size() < 6) continue;
    std::string rest;
    for (size_t i = 5; i < words.size(); ++i) rest += (rest.empty() ? "" : " ") + words[i];
    if (!rest.empty() && rest.back() == '/') rest.pop_back();
    out.push_back(rest);
  }
  return out;
}

inline bool has(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

}  // namespace dl::pipeline::build_os
