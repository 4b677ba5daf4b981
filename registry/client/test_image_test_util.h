// Tiny images built by hand for client tests: one uncompressed tar layer,
// a config and a manifest, as raw JSON bytes (the client never parses them).
#pragma once

#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "base/sha256.h"
#include "registry/client/client.h"
#include "registry/store/blob_source.h"

namespace dl::registry::testing {

// A POSIX ustar archive holding one regular file.
inline std::string tar_with_file(const std::string& name, const std::string& content) {
  std::string h(512, '\0');
  auto put = [&](size_t off, size_t len, const std::string& v) {
    std::memcpy(&h[off], v.data(), std::min(len, v.size()));
  };
  auto octal = [](uint64_t v, int width) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%0*llo", width - 1, static_cast<unsigned long long>(v));
    return std::string(buf);
  };
  put(0, 100, name);
  put(100, 8, octal(0644, 8));
  put(108, 8, octal(0, 8));
  put(116, 8, octal(0, 8));
  put(124, 12, octal(content.size(), 12));
  put(136, 12, octal(1700000000, 12));
  put(148, 8, "        ");
  h[156] = '0';
  put(257, 6, std::string("ustar\0", 6));
  put(263, 2, "00");
  unsigned sum = 0;
  for (unsigned char c : h) sum += c;
  char chk[8];
  std::snprintf(chk, sizeof chk, "%06o", sum);
  std::memcpy(&h[148], chk, 7);
  h[155] = ' ';
  std::string out = h + content;
  out.append((512 - content.size() % 512) % 512, '\0');
  out.append(1024, '\0');
  return out;
}

struct TestImage {
  std::shared_ptr<BlobSource> layer, config;
  std::string manifest;  // bytes
  std::string media_type;
  std::vector<std::shared_ptr<BlobSource>> blobs() const { return {layer, config}; }
};

// oci = true: OCI manifest with an uncompressed tar layer (umoci can unpack
// it); false: Docker schema 2 manifest.
inline TestImage make_image(const std::string& file_content, bool oci) {
  TestImage img;
  std::string tar = tar_with_file("hello.txt", file_content);
  std::string layer_mt =
      oci ? "application/vnd.oci.image.layer.v1.tar" : "application/vnd.docker.image.rootfs.diff.tar";
  std::string config_mt =
      oci ? "application/vnd.oci.image.config.v1+json" : "application/vnd.docker.container.image.v1+json";
  img.layer = memory_blob(tar, layer_mt);
  std::string config =
      R"({"architecture":"amd64","os":"linux","config":{"Env":["PATH=/bin"]},"rootfs":{"type":"layers","diff_ids":[")" +
      img.layer->digest().str() + R"("]}})";
  img.config = memory_blob(config, config_mt);
  img.media_type = oci ? media::kOciManifest : media::kDockerManifest;
  img.manifest = R"({"schemaVersion":2,"mediaType":")" + img.media_type + R"(","config":{"mediaType":")" + config_mt +
                 R"(","digest":")" + img.config->digest().str() + R"(","size":)" + std::to_string(config.size()) +
                 R"(},"layers":[{"mediaType":")" + layer_mt + R"(","digest":")" + img.layer->digest().str() +
                 R"(","size":)" + std::to_string(tar.size()) + "}]}";
  return img;
}

// Deterministic pseudo-random bytes.
inline std::string noise(size_t n, unsigned seed) {
  std::string s(n, '\0');
  uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
  for (auto& c : s) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    c = static_cast<char>(x);
  }
  return s;
}

}  // namespace dl::registry::testing
