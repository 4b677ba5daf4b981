#include "builder/pypa/requirement.h"

#include <gtest/gtest.h>

#include "builder/pypa/tags.h"

namespace dl::pypa {
namespace {

Environment py(const char* python, const char* abi) {
  return Environment::linux_cpython(*Interpreter::make(python, abi, "2.17"));
}

bool eval(const char* marker, const Environment& env) {
  auto m = Marker::parse(marker);
  EXPECT_TRUE(m.ok()) << marker << ": " << m.error().message();
  if (!m.ok()) return false;
  auto r = m->evaluate(env);
  EXPECT_TRUE(r.ok()) << marker << ": " << r.error().message();
  return r.ok() && *r;
}

TEST(Marker, PrecedenceAndParentheses) {
  Environment e27 = py("2.7", "cp27mu"), e36 = py("3.6", "cp36m");
  // and binds tighter than or.
  const char* m1 = "python_version >= '3' and os_name == 'nt' or sys_platform == 'linux2'";
  EXPECT_TRUE(eval(m1, e27));   // false and false or true
  EXPECT_FALSE(eval(m1, e36));  // (true and false) or false
  const char* m2 = "python_version >= '3' and (os_name == 'nt' or sys_platform == 'linux')";
  EXPECT_TRUE(eval(m2, e36));
  EXPECT_FALSE(eval(m2, e27));
  EXPECT_TRUE(eval("((python_version < '3'))", e27));
  EXPECT_TRUE(eval("os_name == 'nt' or os_name == 'posix' and python_version == '2.7'", e27));
  EXPECT_FALSE(eval("(os_name == 'nt' or os_name == 'posix') and python_version == '3.7'", e27));
}

TEST(Marker, VersionVersusStringComparison) {
  Environment e = py("3.6", "cp36m");
  e.values["python_full_version"] = "3.6.10";
  EXPECT_TRUE(eval("python_version > '3.10'", py("3.11", "cp311")));  // as versions, not strings
  EXPECT_TRUE(eval("python_full_version >= '3.6.9'", e));
  EXPECT_TRUE(eval("python_version == '3.6.*'", e));
  EXPECT_TRUE(eval("python_version ~= '3.4'", e));
  EXPECT_TRUE(eval("'3.6' <= python_version", e));
  EXPECT_TRUE(eval("platform_machine == 'x86_64'", e));
  EXPECT_TRUE(eval("os_name < 'q'", e));  // strings compare lexically
  e.values["platform_release"] = "5.4.0-generic";
  EXPECT_TRUE(eval("platform_release >= '5'", e));  // not a version: string comparison
  EXPECT_TRUE(eval("python_version in '2.7 3.6'", e));
  EXPECT_TRUE(eval("'linux' in sys_platform", e));
  EXPECT_TRUE(eval("python_version not in '3.4, 3.5'", e));
  EXPECT_TRUE(eval("platform_python_implementation == 'CPython' and implementation_name == 'cpython'", e));
  // Pre-release interpreters still satisfy >= (packaging >= 22 behaviour).
  e.values["python_full_version"] = "3.7.0rc1";
  EXPECT_TRUE(eval("python_full_version >= '3.6'", e));
  auto bad = Marker::parse("os_name ~= 'posix'");
  ASSERT_TRUE(bad.ok());
  auto r = bad->evaluate(e);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("~= needs PEP 440 versions"), std::string::npos) << r.error().message();
}

TEST(Marker, ExtraOnlyWhenRequestedAndNormalised) {
  Environment e = py("3.6", "cp36m");
  EXPECT_FALSE(eval("extra == 'gpu'", e));
  EXPECT_TRUE(eval("extra == 'gpu'", e.with_extra("gpu")));
  EXPECT_TRUE(eval("extra == 'Foo_Bar'", e.with_extra("foo-bar")));
  Environment no_extra;
  no_extra.values = {{"python_version", "3.6"}};
  EXPECT_FALSE(eval("extra == 'gpu'", no_extra));  // unset extra is ""
  auto m = Marker::parse("os_name == 'posix'");
  auto r = m->evaluate(no_extra);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("'os_name' is not set"), std::string::npos);
  EXPECT_TRUE(Marker::parse("extra == 'x' and python_version < '3'")->mentions_extra());
  EXPECT_FALSE(Marker::parse("python_version < '3'")->mentions_extra());
}

TEST(Marker, ErrorsPointAtTheColumn) {
  struct Bad {
    const char* text;
    const char* expect;
  };
  const Bad bad[] = {
      {"python_version >< '3'", "column 17: expected a marker variable or a quoted string, found '<'"},
      {"python_version = '3'", "column 16: expected a comparison operator"},
      {"python_version", "column 15: expected a comparison operator"},
      {"python_version == ", "column 19: expected a marker variable or a quoted string, found end of text"},
      {"(python_version == '3'", "column 23: expected ')' to close the '(' at column 1"},
      {"foo == 'bar'", "column 1: unknown marker variable 'foo'"},
      {"python_version == \"3'", "column 19: unterminated string"},
      {"python_version == '3' or or os_name == 'x'", "column 26: unknown marker variable 'or'"},
      {"'3' == '3'", "column 8: expected a marker variable"},
      {"os_name == sys_platform", "column 12: expected a quoted string"},
      {"python_version == '3' os_name", "column 23: unexpected 'o' (expected 'and', 'or' or end of marker)"},
      {"", "column 1: empty marker"},
  };
  for (const auto& b : bad) {
    auto m = Marker::parse(b.text);
    ASSERT_FALSE(m.ok()) << b.text;
    EXPECT_NE(m.error().message().find(b.expect), std::string::npos) << b.text << " -> " << m.error().message();
    EXPECT_EQ(m.error().message().rfind(std::string("invalid marker '") + b.text + "'", 0), 0u);
  }
  // Keywords must stand alone; "android" is not "and" + "roid".
  EXPECT_FALSE(Marker::parse("os_name == 'a' android == 'b'").ok());
  EXPECT_TRUE(Marker::parse("python_version=='3.6'and os_name=='posix'").ok());
  EXPECT_EQ(Marker::parse("os.name=='posix' and (python_version<'3' or extra==\"x\")")->str(),
            "os_name == \"posix\" and (python_version < \"3\" or extra == \"x\")");
}

TEST(Requirement, ParsesAllParts) {
  auto r = parse_requirement("numpy[extra1, extra2] >= 1.13.3, <2 ; python_version<'3'");
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->name, "numpy");
  EXPECT_EQ(r->extras, (std::vector<std::string>{"extra1", "extra2"}));
  EXPECT_EQ(r->specifier.str(), ">=1.13.3,<2");
  ASSERT_TRUE(r->marker.has_value());
  EXPECT_EQ(r->str(), "numpy[extra1,extra2]>=1.13.3,<2; python_version < \"3\"");
  EXPECT_FALSE(*r->applies(py("3.6", "cp36m")));
  EXPECT_TRUE(*r->applies(py("2.7", "cp27mu")));

  auto p = parse_requirement("Tensorflow_GPU (==1.6.*)");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->normalized_name(), "tensorflow-gpu");
  EXPECT_EQ(p->specifier.str(), "==1.6.*");
  EXPECT_FALSE(p->marker.has_value());

  auto u = parse_requirement("six @ https://example.com/six-1.0-py2.py3-none-any.whl ; python_version < '3'");
  ASSERT_TRUE(u.ok()) << u.error().message();
  EXPECT_EQ(u->url, "https://example.com/six-1.0-py2.py3-none-any.whl");
  EXPECT_TRUE(u->specifier.empty());
  EXPECT_EQ(u->str(), "six @ https://example.com/six-1.0-py2.py3-none-any.whl ; python_version < \"3\"");

  auto bare = parse_requirement("  a.b-c_d  ");
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare->name, "a.b-c_d");
  EXPECT_TRUE(*bare->applies(Environment{}));
  EXPECT_TRUE(parse_requirement("name[]").ok());
  EXPECT_TRUE(parse_requirement("mock>=2.0.0; extra == 'test'")->marker->mentions_extra());
}

TEST(Requirement, ErrorsPointAtTheColumn) {
  struct Bad {
    const char* text;
    const char* expect;
  };
  const Bad bad[] = {
      {"", "column 1: expected a project name, found end of text"},
      {">=1.0", "column 1: expected a project name, found '>'"},
      {"-numpy", "column 1: invalid project name '-numpy'"},
      {"numpy-", "column 1: invalid project name 'numpy-'"},
      {"numpy[", "column 7: expected an extra name, found end of text"},
      {"numpy[a,]", "column 9: expected an extra name, found ']'"},
      {"numpy[a b]", "column 9: expected ',' or ']'"},
      {"numpy>>1", "column 6: version clause '>>1'"},
      {"numpy >= 1.0 )", "column 7: version clause '>= 1.0 )'"},
      {"numpy (>=1.0", "column 7: expected ')' to close this '('"},
      {"numpy @ ", "column 9: expected a URL after '@'"},
      {"numpy ==1.0, ,<2", "column 14: empty version clause"},
      {"num py", "column 5: unexpected 'p'"},
      {"numpy; foo == 'x'", "column 8: unknown marker variable 'foo'"},
      {"numpy ; ", "column 9: empty marker"},
      {"numpy>=1.0;;", "column 12: expected a marker variable or a quoted string, found ';'"},
      {"numpy (>=1.0) extra", "column 15: unexpected 'e' (expected ';' before a marker, or end of text)"},
  };
  for (const auto& b : bad) {
    auto r = parse_requirement(b.text);
    ASSERT_FALSE(r.ok()) << b.text;
    EXPECT_NE(r.error().message().find(b.expect), std::string::npos) << b.text << " -> " << r.error().message();
    EXPECT_EQ(r.error().message().rfind(std::string("invalid requirement '") + b.text + "'", 0), 0u)
        << r.error().message();
  }
}

}  // namespace
}  // namespace dl::pypa
