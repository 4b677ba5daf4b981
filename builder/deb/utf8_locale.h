// Internal to builder/deb: libarchive converts entry names through the
// thread's LC_CTYPE, and in the "C" locale every non-ASCII name fails
// ("Pathname can't be converted from UTF-8 to current locale"). Package and
// layer names are UTF-8, so reads run under a thread-local C.UTF-8 locale
// (as builder/layer's writer does), with no global setlocale side effects.
#pragma once

#include <locale.h>

namespace dl::deb {

class Utf8Locale {
 public:
  Utf8Locale() {
    static locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", locale_t(0));
    if (utf8) old_ = uselocale(utf8);
  }
  ~Utf8Locale() {
    if (old_) uselocale(old_);
  }
  Utf8Locale(const Utf8Locale&) = delete;
  Utf8Locale& operator=(const Utf8Locale&) = delete;

 private:
  locale_t old_ = locale_t(0);
};

}  // namespace dl::deb
