#include "base/base64.h"

#include <cstdint>

namespace dl {
namespace {

constexpr char kStandard[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kUrl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int value_of(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return -1;
}

bool ignored(char c) { return c == '=' || c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

}  // namespace

std::string base64_encode(std::string_view data, Base64 alphabet) {
  const char* k = alphabet == Base64::url ? kUrl : kStandard;
  const bool pad = alphabet == Base64::standard;
  auto byte = [&](size_t i) { return std::uint32_t(static_cast<unsigned char>(data[i])); };
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    std::uint32_t v = byte(i) << 16 | byte(i + 1) << 8 | byte(i + 2);
    out += {k[v >> 18], k[v >> 12 & 63], k[v >> 6 & 63], k[v & 63]};
  }
  size_t rest = data.size() - i;
  if (rest == 0) return out;
  std::uint32_t v = byte(i) << 16 | (rest == 2 ? byte(i + 1) << 8 : 0);
  out += {k[v >> 18], k[v >> 12 & 63]};
  if (rest == 2) out += k[v >> 6 & 63];
  if (pad) out.append(3 - rest, '=');
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size() / 4 * 3 + 2);
  std::uint32_t acc = 0;
  int bits = 0;
  size_t symbols = 0;
  for (char c : text) {
    if (ignored(c)) continue;
    int v = value_of(c);
    if (v < 0) return std::nullopt;
    ++symbols;
    acc = (acc << 6 | static_cast<std::uint32_t>(v)) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>(acc >> bits & 0xff);
    }
  }
  if (symbols % 4 == 1) return std::nullopt;
  return out;
}

}  // namespace dl
