// Enforces docs/ARCHITECTURE.md: every `#include "dir/..."` must name a
// directory that the including file's directory "May include", and only
// net/ includes <curl/...> (one network stack).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

namespace {

namespace fs = std::filesystem;
using Rules = std::map<std::string, std::set<std::string>>;  // dir -> allowed dirs

Rules parse_rules(const std::string& md) {
  Rules rules;
  std::istringstream in(md);
  std::regex heading(R"(^### `([^`]+)/`)"), item(R"(`([^`]+)/`)");
  std::string line, current;
  while (std::getline(in, line)) {
    std::smatch m;
    if (std::regex_search(line, m, heading)) {
      current = m[1];
      rules[current];
    } else if (line.rfind("May include:", 0) == 0 && !current.empty()) {
      for (std::sregex_iterator it(line.begin(), line.end(), item), end; it != end; ++it)
        rules[current].insert((*it)[1]);
    }
  }
  return rules;
}

// The directory a path belongs to: the longest rule key that prefixes it.
std::string owner(const Rules& rules, const std::string& rel) {
  std::string best;
  for (auto& [dir, _] : rules)
    if (rel.rfind(dir + "/", 0) == 0 && dir.size() > best.size()) best = dir;
  return best;
}

// Returns one line per violation for the file `rel` with contents `text`.
std::vector<std::string> check_file(const Rules& rules, const std::string& rel, const std::string& text) {
  std::vector<std::string> out;
  std::string self = owner(rules, rel);
  if (self.empty()) return {rel + ": directory has no paragraph in docs/ARCHITECTURE.md"};
  std::set<std::string> allowed = rules.at(self);
  allowed.insert(self);
  if (rel.size() > 8 && rel.substr(rel.size() - 8) == "_test.cc") allowed.insert("tests/support");
  std::regex inc(R"re(^\s*#\s*include\s*"([^"]+)")re");
  std::istringstream in(text);
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    std::smatch m;
    if (!std::regex_search(line, m, inc)) continue;
    std::string target = m[1];
    std::string dir = owner(rules, target);
    if (dir.empty()) continue;  // a header next to the file, or a third-party one
    if (!allowed.count(dir)) out.push_back(rel + ":" + std::to_string(n) + ": " + self + "/ may not include " + target);
  }
  return out;
}

// Lines of `text` that include libcurl, for a file outside net/.
std::vector<std::string> check_curl(const std::string& rel, const std::string& text) {
  if (rel.rfind("net/", 0) == 0) return {};
  std::vector<std::string> out;
  std::regex inc(R"re(^\s*#\s*include\s*[<"]curl/)re");
  std::istringstream in(text);
  std::string line;
  for (int n = 1; std::getline(in, line); ++n)
    if (std::regex_search(line, inc))
      out.push_back(rel + ":" + std::to_string(n) + ": includes libcurl; only net/ may (one network stack)");
  return out;
}

// Lines that reach private-key machinery (reading PEM/PKCS#8 private keys,
// signing, NaCl) outside builder/sign/: key material stays in one directory, whose
// errors are written never to carry it. tests/support/ makes test
// certificates; tests may drive keys.
std::vector<std::string> check_keys(const std::string& rel, const std::string& text) {
  auto test_file = rel.size() > 8 && rel.compare(rel.size() - 8, 8, "_test.cc") == 0;
  if (rel.rfind("builder/sign/", 0) == 0 || rel.rfind("tests/support/", 0) == 0 || test_file) return {};
  std::vector<std::string> out;
  std::regex inc(
      R"re((^\s*#\s*include\s*[<"]sodium)|PrivateKey\s*\(|d2i_PKCS8|EVP_DigestSign|EVP_PKEY_sign|crypto_secretbox)re");
  std::istringstream in(text);
  std::string line;
  for (int n = 1; std::getline(in, line); ++n)
    if (std::regex_search(line, inc))
      out.push_back(rel + ":" + std::to_string(n) + ": reads or uses private keys; only builder/sign/ may");
  return out;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const fs::path kRoot = DL_SOURCE_DIR;

TEST(Architecture, EveryIncludeFollowsTheRules) {
  Rules rules = parse_rules(slurp(kRoot / "docs/ARCHITECTURE.md"));
  ASSERT_GE(rules.size(), 15u) << "could not read the rules";
  size_t files = 0;
  std::vector<std::string> violations;
  for (const char* top : {"base", "net", "builder", "registry", "tests", "bench", "fuzz"}) {
    if (!fs::exists(kRoot / top)) continue;
    for (auto& e : fs::recursive_directory_iterator(kRoot / top)) {
      auto ext = e.path().extension();
      if (ext != ".h" && ext != ".cc") continue;
      std::string rel = fs::relative(e.path(), kRoot).string();
      if (rel.rfind("tests/fixtures/", 0) == 0) continue;
      ++files;
      std::string text = slurp(e.path());
      for (auto& v : check_file(rules, rel, text)) violations.push_back(v);
      for (auto& v : check_curl(rel, text)) violations.push_back(v);
      for (auto& v : check_keys(rel, text)) violations.push_back(v);
    }
  }
  EXPECT_GT(files, 10u);
  std::string all;
  for (auto& v : violations) all += v + "\n";
  EXPECT_TRUE(violations.empty()) << all;
}

TEST(Architecture, TheCheckerCatchesABrokenRule) {
  Rules rules = parse_rules(slurp(kRoot / "docs/ARCHITECTURE.md"));
  auto v = check_file(rules, "registry/client/client.cc",
                      "#include \"base/result.h\"\n#include \"builder/matrix/matrix.h\"\n");
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0], "registry/client/client.cc:2: registry/client/ may not include builder/matrix/matrix.h");
  EXPECT_TRUE(check_file(rules, "builder/wheel/x_test.cc", "#include \"tests/support/process.h\"\n").empty());
  EXPECT_FALSE(check_file(rules, "builder/wheel/x.cc", "#include \"tests/support/process.h\"\n").empty());
  EXPECT_FALSE(check_file(rules, "base/x.cc", "#include \"registry/reference/reference.h\"\n").empty());
}

TEST(Architecture, OnlyBuilderSignHandlesPrivateKeys) {
  EXPECT_TRUE(check_keys("builder/sign/key.cc", "#include <sodium.h>\nPEM_read_bio_PrivateKey(b, 0, 0, 0);\n").empty());
  auto v = check_keys("builder/pipeline/x.cc",
                      "#include <string>\n  auto k = PEM_read_bio_PrivateKey(bio, nullptr, cb, p);\n");
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0], "builder/pipeline/x.cc:2: reads or uses private keys; only builder/sign/ may");
  EXPECT_FALSE(check_keys("builder/cli/x.cc", "#include <sodium.h>\n").empty());
  EXPECT_FALSE(check_keys("net/x.cc", "EVP_DigestSign(ctx, sig, &n, m, len);\n").empty());
  EXPECT_TRUE(
      check_keys("builder/deb/ca_certs.cc", "#include <openssl/pem.h>\nPEM_read_bio_X509(b, 0, 0, 0);\n").empty());
}

TEST(Architecture, OnlyNetIncludesCurl) {
  EXPECT_TRUE(check_curl("net/http.cc", "#include <curl/curl.h>\n").empty());
  auto v = check_curl("builder/wheel/http.cc", "#include <string>\n#include <curl/curl.h>\n");
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0], "builder/wheel/http.cc:2: includes libcurl; only net/ may (one network stack)");
  EXPECT_FALSE(check_curl("tests/support/x.cc", "  #  include \"curl/easy.h\"\n").empty());
}

// Library code returns errors as values (base/result.h): it never throws, and
// never calls what throws on bad input (std::stoi and friends). Third-party
// exceptions (yaml-cpp, nlohmann::json) are caught where they are called.
// Only builder/cli turns Errors into exceptions, once, at the top.
std::vector<std::string> exception_uses(const std::string& rel, const std::string& text) {
  static const std::regex bad(R"((^|[^A-Za-z0-9_])(throw\s|throw;|std::sto[a-z]+\s*\())");
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    std::string code = line.substr(0, line.find("//"));
    if (std::regex_search(code, bad)) out.push_back(rel + ":" + std::to_string(n) + ": " + line);
  }
  return out;
}

bool is_library_source(const std::string& rel) {
  auto ends = [&](std::string_view s) {
    return rel.size() >= s.size() && rel.compare(rel.size() - s.size(), s.size(), s) == 0;
  };
  if (ends("_test.cc") || ends("_test_util.h")) return false;
  if (rel.rfind("builder/cli/", 0) == 0) return false;
  return ends(".cc") || ends(".h") || ends(".cc.in");
}

TEST(Architecture, LibraryCodeThrowsNoExceptions) {
  size_t files = 0;
  std::vector<std::string> uses;
  for (const char* top : {"base", "net", "builder", "registry"}) {
    for (auto& e : fs::recursive_directory_iterator(kRoot / top)) {
      std::string rel = fs::relative(e.path(), kRoot).string();
      if (!e.is_regular_file() || !is_library_source(rel)) continue;
      ++files;
      for (auto& u : exception_uses(rel, slurp(e.path()))) uses.push_back(u);
    }
  }
  EXPECT_GT(files, 50u);
  std::string all;
  for (auto& u : uses) all += u + "\n";
  EXPECT_TRUE(uses.empty()) << "library code must return Errors, not throw:\n" << all;
}

TEST(Architecture, TheExceptionCheckCatchesAThrow) {
  EXPECT_EQ(exception_uses("base/x.cc", "int f() {\n  throw std::runtime_error(\"x\");\n}\n").size(), 1u);
  EXPECT_EQ(exception_uses("base/x.cc", "int v = std::stoi(s);\n").size(), 1u);
  EXPECT_EQ(exception_uses("base/x.cc", "if (!ok) throw;\n").size(), 1u);
  EXPECT_TRUE(exception_uses("base/x.cc", "// we never throw here\nint rethrow_count = 0;\n").empty());
  EXPECT_TRUE(exception_uses("base/x.cc", "auto [p, ec] = std::from_chars(a, b, v);\n").empty());
  EXPECT_FALSE(is_library_source("builder/cli/cmd_build.cc"));
  EXPECT_FALSE(is_library_source("builder/wheel/wheel_test_util.h"));
  EXPECT_TRUE(is_library_source("builder/wheel/lock.cc"));
}

// The cell <-> image label schema lives in one table
// (builder/pipeline/image_labels.h): library code that spells a label key as
// a string literal elsewhere has a second list to keep in step.
std::vector<std::string> label_literals(const std::string& rel, const std::string& text) {
  if (rel == "builder/pipeline/image_labels.h") return {};
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  for (int n = 1; std::getline(in, line); ++n)
    if (line.substr(0, line.find("//")).find("\"io.qingcloud.dlimage.") != std::string::npos)
      out.push_back(rel + ":" + std::to_string(n) + ": spells an image label; use builder/pipeline/image_labels.h");
  return out;
}

TEST(Architecture, ImageLabelsAreSpelledInOnePlace) {
  std::vector<std::string> uses;
  for (const char* top : {"base", "net", "builder", "registry"})
    for (auto& e : fs::recursive_directory_iterator(kRoot / top)) {
      std::string rel = fs::relative(e.path(), kRoot).string();
      if (!e.is_regular_file() || !is_library_source(rel)) continue;
      for (auto& u : label_literals(rel, slurp(e.path()))) uses.push_back(u);
    }
  std::string all;
  for (auto& u : uses) all += u + "\n";
  EXPECT_TRUE(uses.empty()) << all;
}

TEST(Architecture, TheLabelCheckCatchesASecondList) {
  EXPECT_EQ(label_literals("builder/pipeline/published.cc", "auto k = \"io.qingcloud.dlimage.isa\";\n").size(), 1u);
  EXPECT_TRUE(label_literals("builder/pipeline/plan.h", "// io.qingcloud.dlimage.lock.digest vs the lock\n").empty());
  EXPECT_TRUE(
      label_literals("builder/pipeline/image_labels.h", "kLabelPrefix[] = \"io.qingcloud.dlimage.\";\n").empty());
}

}  // namespace
