// Differential test against the `packaging` that pip vendors: thousands of
// generated versions, specifiers, markers, requirements and wheel filenames
// are answered by pip (tests/fixtures/pypa/pip_oracle.py) and by us, and every
// answer must agree. Skips when Debian's python3 / pip wheel are absent.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "builder/pypa/markers.h"
#include "builder/pypa/name.h"
#include "builder/pypa/pip_oracle_util.h"
#include "builder/pypa/requirement.h"
#include "builder/pypa/version.h"
#include "builder/pypa/wheel_filename.h"

namespace dl::pypa {
namespace {

using testing::have_pip;

struct Oracle {
  std::vector<std::string> requests, ours;
  void ask(std::vector<std::string> fields, std::string our_answer) {
    std::string line;
    for (size_t i = 0; i < fields.size(); ++i) line += (i ? "\t" : "") + fields[i];
    requests.push_back(line);
    ours.push_back(std::move(our_answer));
  }
  // Runs pip's packaging over all requests and compares line by line.
  void check() {
    std::vector<std::string> theirs =
        testing::run_pip_batch(std::string(DL_SOURCE_DIR) + "/tests/fixtures/pypa/pip_oracle.py", requests);
    ASSERT_EQ(theirs.size(), requests.size());
    int failures = 0;
    for (size_t i = 0; i < requests.size() && failures < 20; ++i) {
      if (theirs[i] != ours[i]) {
        ++failures;
        ADD_FAILURE() << "request: " << requests[i] << "\n  pip: " << theirs[i] << "\n  ours: " << ours[i];
      }
    }
  }
};

std::vector<std::string> version_corpus() {
  const char* releases[] = {"1", "1.0", "1.0.0", "0.9", "2", "1.1", "1!1.0", "01.0", "v1.0"};
  const char* pres[] = {"", "a1", "b2", "rc1", "-beta1", ".alpha", "c3", "pre", "RC2"};
  const char* posts[] = {"", ".post1", "-2", "post", "_rev3"};
  const char* devs[] = {"", ".dev0", "dev3"};
  const char* locals[] = {"", "+cu92", "+local.1", "+1.A", "+abc-007"};
  std::vector<std::string> out;
  for (auto r : releases)
    for (auto p : pres)
      for (auto po : posts)
        for (auto d : devs)
          for (auto l : locals) out.push_back(std::string(r) + p + po + d + l);
  const char* odd[] = {"",
                       "1.0.",
                       "1..0",
                       "a",
                       "1.0+",
                       "1.0-",
                       "1.0 b",
                       "1.0-dev-1",
                       "1.0.post1.post2",
                       "1.*",
                       "1.0+a..b",
                       " 1.0 ",
                       "1.0\t",
                       "1.0+_a",
                       "1-1",
                       "1.0-r",
                       "1_0",
                       "1.0-1-1",
                       "0.0.0.0.0.1",
                       "1.0a1b2",
                       "1.0rc",
                       "1!",
                       "!1.0",
                       "1.0.dev.1",
                       "1.0.dev-1",
                       "1.0a.",
                       "1.0.post.",
                       "1.0.dev_",
                       "1.0a-post",
                       "1.0a_dev",
                       "1.0-post_",
                       "1.0rc.dev",
                       "1.0a.+abc",
                       "1.0a..",
                       "1.0-1.",
                       "1.0.post1.",
                       "1.0+abc."};
  for (auto o : odd) out.push_back(o);
  return out;
}

std::string answer_version(const std::string& t) {
  auto v = Version::parse(t);
  return v.ok() ? v->str() : "INVALID";
}

TEST(PipOracle, VersionsParseCompareAndMatchLikePip) {
  if (!have_pip()) GTEST_SKIP() << "needs python3 and python3-pip-whl";
  Oracle o;
  auto corpus = version_corpus();
  std::vector<Version> valid;
  for (const auto& t : corpus) {
    if (t.find('\t') != std::string::npos) continue;  // field separator
    o.ask({"version", t}, answer_version(t));
    auto v = Version::parse(t);
    if (v.ok()) valid.push_back(*v);
  }
  // Pairwise order on a spread-out sample.
  std::vector<Version> sample;
  for (size_t i = 0; i < valid.size(); i += 37) sample.push_back(valid[i]);
  for (const auto& a : sample)
    for (const auto& b : sample) o.ask({"cmp", a.str(), b.str()}, std::to_string(a.compare(b)));

  const char* specs[] = {
      "==1.0",   "==1.0.*",     "==1.*",     "!=1.0.*",      "==1.0+cu92",    "!=1.0",      ">=1.0",
      ">1.0",    "<1.0",        "<=1.0",     ">1.0.post1",   "<1.0rc2",       ">=1.0a1",    "~=1.0",
      "~=1.0.0", "~=0.9.post1", "~=1.0a1",   "===1.0",       "===1.0+cu92",   ">=0.9,<1.1", ">=0.9,!=1.0.*",
      "",        ">=1!1.0",     "==1!1.0.*", "==1.0rc1.*",   "==1.0.post1.*", "<=1.0.dev0", ">1.0.dev0",
      "~=1!1.0", "==v1.0",      "== 1.0",    ">= 1.0 , < 2", "<2,>=1",        "~=1",        "=>1.0"};
  // Not here: ">=1.0+cu92", "==1.*.*" and ">>1", which packaging 21.3 still accepts as
  // deprecated LegacySpecifiers (22+ rejects them, as we do).
  std::vector<std::string> vsample;
  for (size_t i = 0; i < valid.size(); i += 29) vsample.push_back(valid[i].str());
  for (const char* sp : specs) {
    auto set = SpecifierSet::parse(sp);
    for (const auto& vt : vsample) {
      Version v = *Version::parse(vt);
      for (std::string pre : {"none", "true", "false"}) {
        std::string ours = "INVALID";
        if (set.ok()) {
          std::optional<bool> p = pre == "none" ? std::nullopt : std::optional<bool>(pre == "true");
          ours = set->contains(v, p) ? "1" : "0";
        }
        o.ask({"contains", sp, vt, pre}, ours);
      }
    }
  }
  // filter(): pre-release fall-back rules over small version lists.
  const std::vector<std::vector<std::string>> lists = {
      {"1.0a1", "1.0b1"}, {"1.0a1", "0.9", "1.1rc1"}, {"0.9", "1.0"}, {}, {"1.0.dev1"}, {"2.0rc1", "1.0+cu92"}};
  for (const char* sp : {"", ">=0.5", ">=1.0a1", "==1.0.*", "<1.1", "!=0.9"}) {
    auto set = SpecifierSet::parse(sp);
    ASSERT_TRUE(set.ok());
    for (const auto& l : lists) {
      std::vector<Version> vs;
      std::string joined;
      for (const auto& s : l) {
        vs.push_back(*Version::parse(s));
        joined += (joined.empty() ? "" : " ") + s;
      }
      for (std::string pre : {"none", "true", "false"}) {
        std::optional<bool> p = pre == "none" ? std::nullopt : std::optional<bool>(pre == "true");
        std::string ours;
        for (size_t i : set->filter(vs, p)) ours += (ours.empty() ? "" : " ") + l[i];
        o.ask({"filter", sp, pre, joined}, ours);
      }
    }
  }
  o.check();
}

TEST(PipOracle, MarkersRequirementsAndWheelNamesLikePip) {
  if (!have_pip()) GTEST_SKIP() << "needs python3 and python3-pip-whl";
  Oracle o;
  // Every variable set, so pip does not fall back to the running machine.
  const std::vector<std::map<std::string, std::string>> envs = {
      {{"python_version", "2.7"},
       {"python_full_version", "2.7.18"},
       {"os_name", "posix"},
       {"sys_platform", "linux2"},
       {"platform_machine", "x86_64"},
       {"platform_system", "Linux"},
       {"platform_release", "5.10.0"},
       {"platform_version", "#1 SMP"},
       {"implementation_name", "cpython"},
       {"implementation_version", "2.7.18"},
       {"platform_python_implementation", "CPython"},
       {"extra", ""}},
      {{"python_version", "3.6"},
       {"python_full_version", "3.6.9"},
       {"os_name", "posix"},
       {"sys_platform", "linux"},
       {"platform_machine", "x86_64"},
       {"platform_system", "Linux"},
       {"platform_release", "4.15.0"},
       {"platform_version", "#1 SMP"},
       {"implementation_name", "cpython"},
       {"implementation_version", "3.6.9"},
       {"platform_python_implementation", "CPython"},
       {"extra", "gpu"}},
      {{"python_version", "3.11"},
       {"python_full_version", "3.11.2"},
       {"os_name", "nt"},
       {"sys_platform", "win32"},
       {"platform_machine", "AMD64"},
       {"platform_system", "Windows"},
       {"platform_release", "10"},
       {"platform_version", "10.0"},
       {"implementation_name", "pypy"},
       {"implementation_version", "7.3.11"},
       {"platform_python_implementation", "PyPy"},
       {"extra", "test"}},
  };
  const char* marks[] = {
      "python_version < \"3\"",
      "python_version >= '3.6'",
      "python_version == \"3.6\"",
      "python_version != '2.7'",
      "python_version ~= \"3.6\"",
      "python_version == \"3.*\"",
      "python_full_version >= \"3.6.2\"",
      "python_version > \"3.10\"",
      "python_version < \"3.10\"",
      "python_version in \"2.7 3.6\"",
      "python_version not in '3.4, 3.5'",
      "'linux' in sys_platform",
      "sys_platform == \"linux\" or os_name == 'nt'",
      "os_name == 'posix' and python_version >= '3' or extra == 'test'",
      "os_name == 'posix' and (python_version >= '3' or extra == 'test')",
      "(os_name == 'nt' or sys_platform == 'linux2') and implementation_name == 'cpython'",
      "extra == \"gpu\"",
      "extra != 'gpu'",
      "\"gpu\" == extra",
      "platform_machine == 'x86_64' and platform_system == 'Linux'",
      "platform_release >= '4.15.0'",
      "implementation_version >= '3'",
      "platform_python_implementation != 'PyPy'",
      "os.name == 'posix'",
      "sys.platform == 'linux'",
      "platform.machine == 'AMD64'",
      "python_implementation == 'CPython'",
      "python_version > '3' and python_version < '3.7' or os_name == 'nt'",
      "os_name < 'p'",
      "os_name ~= 'posix'",
      "python_version === '3.6'",
      // malformed
      "python_version >< '3'",
      "python_version",
      "python_version == ",
      "(python_version == '3'",
      "foo == 'bar'",
      "python_version == '3' and",
      "python_version == \"3'",
      "python_version = '3'",
      "python_version == '3' or or os_name == 'nt'",
      "python_version=='3.6'and os_name=='posix'",
  };
  for (const auto& env_map : envs) {
    Environment env{env_map};
    std::string env_text;
    for (const auto& [k, v] : env_map) env_text += k + "=" + v + ";";
    for (const char* m : marks) {
      auto mk = Marker::parse(m);
      std::string ours = "INVALID";
      if (mk.ok()) {
        auto r = mk->evaluate(env);
        ours = !r.ok() ? "ERROR" : (*r ? "1" : "0");
      }
      o.ask({"marker", m, env_text}, ours);
    }
  }

  const char* reqs[] = {
      "numpy",
      "numpy>=1.13.3",
      "numpy >= 1.13.3, < 2",
      "numpy (>=1.0)",
      "numpy[extra1, extra2]>=1; python_version<'3'",
      "tensorflow-gpu==1.6.*",
      "Foo_Bar.baz",
      "six @ https://example.com/six-1.0-py2.py3-none-any.whl",
      "six @ https://example.com/six.whl ; python_version < '3'",
      "protobuf>=3.4.0;python_version>='3'",
      "enum34>=1.1.6; python_version < \"3.4\"",
      "mock>=2.0.0; extra == 'test'",
      "name[]",
      "a",
      "a.b-c_d",
      "numpy [ a ] ( >=1 ) ; os_name=='posix'",
      "a[b]@https://x/y.whl",
      "pkg @ file:///tmp/pkg-1.0-py3-none-any.whl",
      "pkg==1.0.*,!=1.0.3",
      "pkg ; python_version < '3' and (os_name == 'nt' or extra == 'x')",
      "Pkg[X_Y]",
      // malformed
      "",
      ">=1.0",
      "numpy[",
      "numpy[a,]",
      "-numpy",
      "numpy-",
      "numpy ; ",
      "numpy; foo == 'x'",
      "numpy >=1.0 )",
      "numpy (>=1.0",
      "numpy @ ",
      "numpy==1.0 extra",
      "num py",
      "numpy>=1.0;;",
  };
  for (const char* r : reqs) {
    auto p = parse_requirement(r);
    std::string ours = "INVALID";
    if (p.ok()) {
      std::vector<std::string> extras = p->extras;
      std::sort(extras.begin(), extras.end());
      std::string joined;
      for (const auto& e : extras) joined += (joined.empty() ? "" : ",") + e;
      ours = "OK " + p->name + " " + joined + " " + (p->url.empty() ? "-" : p->url) + " " + (p->marker ? "1" : "0");
    }
    o.ask({"req", r}, ours);
  }
  for (const char* n : {"Foo_Bar.baz", "a--__..b", "TensorFlow-GPU", "zope.interface", "A_", "x"}) {
    o.ask({"name", n}, normalize_name(n));
  }

  const char* wheels[] = {
      "torch-1.5.0+cu92-cp36-cp36m-linux_x86_64.whl",
      "six-1.16.0-py2.py3-none-any.whl",
      "numpy-1.19.5-cp36-cp36m-manylinux1_x86_64.manylinux2010_x86_64.whl",
      "tensorflow_gpu-1.6.0-cp27-cp27mu-manylinux1_x86_64.whl",
      "pkg-1.0-1-py3-none-any.whl",
      "pkg-1.0-10abc-py3-none-any.whl",
      "Pkg.Name-1.0-py3-none-any.whl",
      "pkg-1.0_beta1-py3-none-any.whl",
      "pkg-1!2.0-PY3-NONE-ANY.whl",
      "pkg-1.0-py3-none-any.manylinux1_x86_64.whl",
      // malformed
      "pkg-1.0-py3-none-any.zip",
      "pkg-1.0-py3-none.whl",
      "pkg-1.0-a-py3-none-any.whl",
      "pkg-1.0-1-2-py3-none-any.whl",
      "pkg-not.a.version-py3-none-any.whl",
      "pk g-1.0-py3-none-any.whl",
      "pkg__x-1.0-py3-none-any.whl",
      "pkg-1.0-py3-none-any",
      ".whl",
      "pkg-1.0--py3-none-any.whl",
  };
  for (const char* w : wheels) {
    auto p = parse_wheel_filename(w);
    std::string ours = "INVALID";
    if (p.ok()) {
      std::vector<std::string> tags;
      for (const auto& t : p->tags) tags.push_back(t.str());
      std::sort(tags.begin(), tags.end());
      std::string joined;
      for (const auto& t : tags) joined += (joined.empty() ? "" : ",") + t;
      ours = p->normalized_name + " " + p->version.str() + " " + (p->build ? p->build->str() : "-") + " " + joined;
    }
    o.ask({"wheel", w}, ours);
  }
  o.check();
}

}  // namespace
}  // namespace dl::pypa
