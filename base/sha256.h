// Streaming SHA-256 and OCI digest strings ("sha256:<64 hex>").
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"

namespace dl {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(const void* data, size_t len);
  void update(std::string_view s) { update(s.data(), s.size()); }
  // Finishes the hash; the object is reset and may be reused.
  std::string hex_digest();
  std::uint64_t bytes() const { return bytes_; }

  static std::string hex(std::string_view data);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::uint64_t bytes_ = 0;
};

struct Digest {
  std::string algorithm = "sha256";
  std::string hex;

  std::string str() const { return algorithm + ":" + hex; }
  bool empty() const { return hex.empty(); }
  bool operator==(const Digest&) const = default;
  auto operator<=>(const Digest&) const = default;

  static Digest of(std::string_view data);
  // Accepts "sha256:<64 lowercase hex>"; anything else is refused with the reason.
  static Result<Digest> parse(std::string_view s);
};

}  // namespace dl
