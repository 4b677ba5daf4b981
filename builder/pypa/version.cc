#include "builder/pypa/version.h"

#include <cctype>
#include <limits>

namespace dl::pypa {
namespace {

char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }
bool is_sep(char c) { return c == '.' || c == '-' || c == '_'; }

// A cursor over lower-cased text; every method either consumes and returns
// true or leaves the position untouched.
class Cursor {
 public:
  explicit Cursor(std::string text) : s_(std::move(text)) {}
  size_t pos() const { return i_; }
  void reset(size_t p) { i_ = p; }
  bool done() const { return i_ >= s_.size(); }
  char peek(size_t ahead = 0) const { return i_ + ahead < s_.size() ? s_[i_ + ahead] : '\0'; }
  bool eat(char c) {
    if (peek() != c) return false;
    ++i_;
    return true;
  }
  bool eat_sep() {
    if (!is_sep(peek())) return false;
    ++i_;
    return true;
  }
  bool eat_word(std::string_view w) {
    if (s_.compare(i_, w.size(), w) != 0) return false;
    i_ += w.size();
    return true;
  }
  // Digits into n; false when there are none. Sets overflow when too large.
  bool number(uint64_t& n, bool& overflow) {
    if (!is_digit(peek())) return false;
    n = 0;
    while (is_digit(peek())) {
      uint64_t d = static_cast<uint64_t>(s_[i_] - '0');
      if (n > (std::numeric_limits<uint64_t>::max() - d) / 10) overflow = true;
      n = n * 10 + d;
      ++i_;
    }
    return true;
  }

 private:
  std::string s_;
  size_t i_ = 0;
};

// Longest keyword first so "alpha" is not read as "a" + "lpha".
struct Spelling {
  std::string_view word;
  Version::PreKind kind;
};
constexpr Spelling kPreSpellings[] = {
    {"preview", Version::PreKind::rc}, {"alpha", Version::PreKind::a}, {"beta", Version::PreKind::b},
    {"pre", Version::PreKind::rc},     {"rc", Version::PreKind::rc},   {"a", Version::PreKind::a},
    {"b", Version::PreKind::b},        {"c", Version::PreKind::rc},
};

std::string strip_zeros(std::string digits) {
  size_t nz = digits.find_first_not_of('0');
  return nz == std::string::npos ? "0" : digits.substr(nz);
}

int compare_local_part(const Version::LocalPart& a, const Version::LocalPart& b) {
  if (a.numeric != b.numeric) return a.numeric ? 1 : -1;  // numeric sorts after alpha
  if (a.numeric) {
    if (a.text.size() != b.text.size()) return a.text.size() < b.text.size() ? -1 : 1;
  }
  int c = a.text.compare(b.text);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

template <class T>
int cmp(const T& a, const T& b) {
  return a < b ? -1 : (b < a ? 1 : 0);
}

}  // namespace

Result<Version> Version::parse(std::string_view raw) {
  std::string original(raw);
  std::string text;
  {
    size_t b = 0, e = raw.size();
    while (b < e && std::isspace(static_cast<unsigned char>(raw[b]))) ++b;
    while (e > b && std::isspace(static_cast<unsigned char>(raw[e - 1]))) --e;
    for (size_t i = b; i < e; ++i) text.push_back(lower(raw[i]));
  }
  auto fail = [&](const Cursor& c, std::string_view expected) -> Error {
    std::string at = c.done() ? std::string("end of text")
                              : "'" + std::string(1, c.peek()) + "' at offset " + std::to_string(c.pos() + 1);
    return invalid("invalid version '" + original + "': unexpected " + at + " (expected " + std::string(expected) +
                   ")");
  };
  if (text.empty()) return invalid("invalid version '" + original + "': empty (expected e.g. 1.0)");

  Cursor c(text);
  Version v;
  bool overflow = false;
  c.eat('v');

  uint64_t n = 0;
  size_t start = c.pos();
  if (!c.number(n, overflow)) return fail(c, "a release number such as 1.0");
  if (c.eat('!')) {
    v.epoch_ = n;
    if (!c.number(n, overflow)) return fail(c, "a release number after the epoch");
  } else {
    c.reset(start);
    c.number(n, overflow);
  }
  v.release_ = {n};
  while (c.peek() == '.' && is_digit(c.peek(1))) {
    c.eat('.');
    c.number(n, overflow);
    v.release_.push_back(n);
  }

  // Pre-release: [-_.]? (a|b|c|rc|alpha|beta|pre|preview) [-_.]? N?
  {
    size_t p = c.pos();
    c.eat_sep();
    bool found = false;
    for (const auto& sp : kPreSpellings) {
      if (c.eat_word(sp.word)) {
        // packaging's regex lets the separator stand without a number: "1.0a." == 1.0a0.
        uint64_t num = 0;
        c.eat_sep();
        c.number(num, overflow);
        v.pre_ = Pre{sp.kind, num};
        found = true;
        break;
      }
    }
    if (!found) c.reset(p);
  }

  // Post-release: -N | [-_.]? (post|rev|r) [-_.]? N?
  {
    size_t p = c.pos();
    uint64_t num = 0;
    if (c.eat('-') && c.number(num, overflow)) {
      v.post_ = num;
    } else {
      c.reset(p);
      c.eat_sep();
      if (c.eat_word("post") || c.eat_word("rev") || c.eat_word("r")) {
        c.eat_sep();
        if (!c.number(num, overflow)) num = 0;
        v.post_ = num;
      } else {
        c.reset(p);
      }
    }
  }

  // Development release: [-_.]? dev [-_.]? N?
  {
    size_t p = c.pos();
    c.eat_sep();
    if (c.eat_word("dev")) {
      uint64_t num = 0;
      c.eat_sep();
      c.number(num, overflow);
      v.dev_ = num;
    } else {
      c.reset(p);
    }
  }

  // Local label: + [a-z0-9]+ ([-_.][a-z0-9]+)*
  if (c.eat('+')) {
    for (;;) {
      std::string part;
      while (is_alnum(c.peek())) part.push_back(c.peek()), c.reset(c.pos() + 1);
      if (part.empty()) return fail(c, "a letter or digit in the local version label");
      bool numeric = part.find_first_not_of("0123456789") == std::string::npos;
      v.local_.push_back(LocalPart{numeric, numeric ? strip_zeros(part) : part});
      if (c.done()) break;
      if (!c.eat_sep()) return fail(c, "'.', '-' or '_' between local version parts");
    }
  }

  if (!c.done()) {
    return fail(c, v.dev_ ? "end of version" : "a pre-, post- or dev-release suffix, '+local', or end of version");
  }
  if (overflow) {
    return invalid("invalid version '" + original + "': a number is too large (expected at most 20 digits)");
  }
  return v;
}

std::string Version::base_str() const {
  std::string s;
  if (epoch_ != 0) s += std::to_string(epoch_) + "!";
  for (size_t i = 0; i < release_.size(); ++i) {
    if (i) s += ".";
    s += std::to_string(release_[i]);
  }
  return s;
}

std::string Version::public_str() const {
  std::string s = base_str();
  if (pre_) {
    s += pre_->kind == PreKind::a ? "a" : pre_->kind == PreKind::b ? "b" : "rc";
    s += std::to_string(pre_->number);
  }
  if (post_) s += ".post" + std::to_string(*post_);
  if (dev_) s += ".dev" + std::to_string(*dev_);
  return s;
}

std::string Version::str() const {
  std::string s = public_str();
  for (size_t i = 0; i < local_.size(); ++i) {
    s += i ? "." : "+";
    s += local_[i].text;
  }
  return s;
}

Version Version::public_version() const {
  Version v = *this;
  v.local_.clear();
  return v;
}

Version Version::base_version() const {
  Version v;
  v.epoch_ = epoch_;
  v.release_ = release_;
  return v;
}

int Version::compare(const Version& o) const {
  if (int c = cmp(epoch_, o.epoch_)) return c;
  // Trailing zeros are insignificant: compare as if padded with zeros.
  size_t n = std::max(release_.size(), o.release_.size());
  for (size_t i = 0; i < n; ++i) {
    uint64_t a = i < release_.size() ? release_[i] : 0;
    uint64_t b = i < o.release_.size() ? o.release_[i] : 0;
    if (int c = cmp(a, b)) return c;
  }
  // Pre-release key: a dev release with no pre/post sorts before any pre
  // release of the same version; a version without pre sorts after them.
  auto pre_key = [](const Version& v) -> std::pair<int, uint64_t> {
    if (!v.pre_ && !v.post_ && v.dev_) return {-1, 0};
    if (!v.pre_) return {3, 0};
    return {static_cast<int>(v.pre_->kind), v.pre_->number};
  };
  if (int c = cmp(pre_key(*this), pre_key(o))) return c;
  // No post sorts before any post; no dev sorts after any dev.
  auto post_key = [](const Version& v) -> std::pair<int, uint64_t> {
    return v.post_ ? std::pair<int, uint64_t>{1, *v.post_} : std::pair<int, uint64_t>{0, 0};
  };
  if (int c = cmp(post_key(*this), post_key(o))) return c;
  auto dev_key = [](const Version& v) -> std::pair<int, uint64_t> {
    return v.dev_ ? std::pair<int, uint64_t>{0, *v.dev_} : std::pair<int, uint64_t>{1, 0};
  };
  if (int c = cmp(dev_key(*this), dev_key(o))) return c;
  // No local label sorts before any local label.
  if (local_.empty() != o.local_.empty()) return local_.empty() ? -1 : 1;
  size_t m = std::min(local_.size(), o.local_.size());
  for (size_t i = 0; i < m; ++i) {
    if (int c = compare_local_part(local_[i], o.local_[i])) return c;
  }
  return cmp(local_.size(), o.local_.size());
}

}  // namespace dl::pypa
