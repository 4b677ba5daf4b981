// Property tests over random text: no parser crashes or hangs, and whatever
// parses prints to a canonical form that parses back to the same thing.
#include <gtest/gtest.h>

#include <random>

#include "builder/pypa/markers.h"
#include "builder/pypa/requirement.h"
#include "builder/pypa/version.h"
#include "builder/pypa/wheel_filename.h"

namespace dl::pypa {
namespace {

std::string random_text(std::mt19937& rng, std::string_view alphabet, size_t max_len) {
  std::uniform_int_distribution<size_t> len(0, max_len), ch(0, alphabet.size() - 1);
  std::string s;
  for (size_t n = len(rng); n > 0; --n) s.push_back(alphabet[ch(rng)]);
  return s;
}

std::string random_pieces(std::mt19937& rng, const std::vector<std::string>& pieces, size_t max) {
  std::uniform_int_distribution<size_t> len(1, max), pick(0, pieces.size() - 1);
  std::string s;
  for (size_t n = len(rng); n > 0; --n) s += pieces[pick(rng)];
  return s;
}

TEST(RoundTrip, Versions) {
  std::mt19937 rng(1);
  int parsed = 0;
  const std::vector<std::string> pieces = {"1",     "0",  "22", ".",    "-",   "_",       "a",
                                           "b",     "rc", "c",  "post", "dev", "alpha",   "+",
                                           "local", "!",  "v",  "r",    "pre", "preview", "beta"};
  for (int i = 0; i < 20000; ++i) {
    std::string t = i % 2 ? random_text(rng, "0123456789.-_+!abcdeprvlostABC ", 14) : random_pieces(rng, pieces, 8);
    auto v = Version::parse(t);
    if (!v.ok()) {
      EXPECT_NE(v.error().message().find("expected"), std::string::npos) << t;
      continue;
    }
    ++parsed;
    auto again = Version::parse(v->str());
    ASSERT_TRUE(again.ok()) << t << " -> " << v->str();
    EXPECT_EQ(again->str(), v->str()) << t;
    EXPECT_EQ(again->compare(*v), 0) << t;
  }
  EXPECT_GT(parsed, 1000);
}

std::string pick_one(std::mt19937& rng, const std::vector<std::string>& v) {
  return v[std::uniform_int_distribution<size_t>(0, v.size() - 1)(rng)];
}

// Random text with one character deleted, replaced or inserted.
std::string mutate(std::mt19937& rng, std::string s) {
  if (s.empty()) return s;
  size_t at = std::uniform_int_distribution<size_t>(0, s.size() - 1)(rng);
  const std::string junk = "()[];,'\" =<>!~.-_ a1@+*";
  char c = junk[std::uniform_int_distribution<size_t>(0, junk.size() - 1)(rng)];
  switch (rng() % 3) {
    case 0: s.erase(at, 1); break;
    case 1: s[at] = c; break;
    default: s.insert(at, 1, c); break;
  }
  return s;
}

std::string random_marker(std::mt19937& rng, int depth) {
  if (depth > 0 && rng() % 3 == 0) {
    std::string join = rng() % 2 ? " and " : " or ";
    std::string s = random_marker(rng, depth - 1) + join + random_marker(rng, depth - 1);
    return rng() % 2 ? "(" + s + ")" : s;
  }
  std::string var = pick_one(rng, {"python_version", "os_name", "extra", "python_full_version", "sys.platform"});
  std::string op = pick_one(rng, {"==", "!=", "<", "<=", ">", ">=", "~=", "in", "not in", "==="});
  std::string val = pick_one(rng, {"'3'", "\"2.7\"", "'posix'", "'3.6.*'", "\"x\"", "'lin'", "'3.6'"});
  return rng() % 4 ? var + " " + op + " " + val : val + " " + op + " " + var;
}

TEST(RoundTrip, SpecifiersRequirementsAndMarkers) {
  std::mt19937 rng(2);
  const std::vector<std::string> req_pieces = {"numpy",
                                               "a",
                                               "[",
                                               "]",
                                               "x",
                                               ",",
                                               " ",
                                               ">=",
                                               "==",
                                               "!=",
                                               "~=",
                                               "<",
                                               "1.0",
                                               ".*",
                                               "2",
                                               ";",
                                               "python_version",
                                               "'3'",
                                               "\"2.7\"",
                                               "and",
                                               "or",
                                               "(",
                                               ")",
                                               "extra",
                                               "in",
                                               "not",
                                               "@",
                                               "https://h/p.whl",
                                               "os_name"};
  int reqs = 0, markers = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string t = random_pieces(rng, req_pieces, 12);
    if (i % 2) {
      t = pick_one(rng, {"numpy", "a.b", "X_y"}) + pick_one(rng, {"", "[gpu]", "[a, b]"}) +
          pick_one(rng, {"", ">=1.0", " (==1.6.*)", "~=2.2,!=2.3", " @ https://h/p.whl "});
      if (rng() % 2) t += "; " + random_marker(rng, 3);
      if (rng() % 3 == 0) t = mutate(rng, t);
    }
    auto r = parse_requirement(t);
    if (r.ok()) {
      ++reqs;
      auto again = parse_requirement(r->str());
      ASSERT_TRUE(again.ok()) << t << " -> " << r->str() << ": " << again.error().message();
      EXPECT_EQ(again->str(), r->str()) << t;
    } else {
      EXPECT_NE(r.error().message().find("column "), std::string::npos) << r.error().message();
    }
    std::string mt = random_marker(rng, 3);
    if (rng() % 3 == 0) mt = mutate(rng, mt);
    auto m = Marker::parse(mt);
    if (m.ok()) {
      ++markers;
      auto again = Marker::parse(m->str());
      ASSERT_TRUE(again.ok()) << mt << " -> " << m->str();
      EXPECT_EQ(again->str(), m->str());
      Environment env;
      env.values = {{"python_version", "3.6"}, {"os_name", "posix"}};
      auto a = m->evaluate(env), b = again->evaluate(env);
      ASSERT_EQ(a.ok(), b.ok()) << mt;
      if (a.ok()) {
        EXPECT_EQ(*a, *b) << mt;
      }
    }
  }
  EXPECT_GT(reqs, 500);
  EXPECT_GT(markers, 5000);
}

TEST(RoundTrip, WheelFilenamesNeverCrash) {
  std::mt19937 rng(3);
  const std::vector<std::string> pieces = {
      "pkg",  "-", "1.0",   "_",   ".", "py3", "none", "any", "cp36", "cp36m", "manylinux1_x86_64",
      ".whl", "1", "+cu92", "%2B", "/", "#",   "..",   " "};
  int parsed = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string f = random_pieces(rng, pieces, 14);
    if (i % 2) {
      f = pick_one(rng, {"pkg", "Pkg.Name", "a_b"}) + "-" + pick_one(rng, {"1.0", "2.0rc1", "1.5.0+cu92", "1!2"}) +
          pick_one(rng, {"", "-1", "-10abc"}) + "-" + pick_one(rng, {"py3", "py2.py3", "cp36"}) + "-" +
          pick_one(rng, {"none", "cp36m", "abi3"}) + "-" +
          pick_one(rng, {"any", "linux_x86_64", "manylinux1_x86_64.manylinux2010_x86_64"}) + ".whl";
      if (rng() % 3 == 0) f = mutate(rng, f);
    }
    auto w = parse_wheel_filename(f);
    if (!w.ok()) continue;
    ++parsed;
    EXPECT_FALSE(w->tags.empty());
    EXPECT_EQ(w->tags.size() <= w->python_tags.size() * w->abi_tags.size() * w->platform_tags.size(), true);
  }
  EXPECT_GT(parsed, 3000);
}

}  // namespace
}  // namespace dl::pypa
