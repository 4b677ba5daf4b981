// Base64 as docker config "auth" fields, Basic headers and signature
// annotations carry it (all outside input). Invariants: any bytes round-trip
// through either alphabet, and whatever decodes re-encodes to an equal value.
#include "base/base64.h"
#include "fuzz/fuzz.h"

DL_FUZZ_TARGET {
  auto s = dl::fuzz::text(data, size);
  for (dl::Base64 alphabet : {dl::Base64::standard, dl::Base64::url}) {
    auto back = dl::base64_decode(dl::base64_encode(s, alphabet));
    dl::fuzz::check(back.has_value() && *back == s, "base64 round trip", s);
  }
  if (auto decoded = dl::base64_decode(s)) {
    auto again = dl::base64_decode(dl::base64_encode(*decoded));
    dl::fuzz::check(again.has_value() && *again == *decoded, "base64 decode, encode, decode", s);
  }
  return 0;
}
