// A scoped, thread-local C.UTF-8 LC_CTYPE for libarchive calls.
//
// libarchive converts entry names through the thread's LC_CTYPE, and in the
// "C" locale every non-ASCII name fails: archive_entry_pathname() returns
// NULL ("Pathname can't be converted from UTF-8 to current locale"), so a
// wheel, .deb, layer or tarball with one such file was rejected as having an
// empty name. Names in all of them are UTF-8, so every libarchive reader and
// writer runs under this guard; uselocale() keeps it to the calling thread,
// with no global setlocale side effects.
#pragma once

#include <locale.h>

namespace dl {

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

}  // namespace dl
