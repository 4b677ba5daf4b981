#include "builder/wheel/wheel_archive.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "builder/wheel/wheel_test_util.h"

namespace dl::wheel {
namespace {

using testing::fixture;

TEST(Metadata, HeadersWithContinuationAndBody) {
  auto h = parse_headers("Name: foo\nSummary: a\n  b\nRequires-Dist: x\nRequires-Dist: y>=1\n\nName: body\n", "M");
  ASSERT_TRUE(h.ok()) << h.error().message();
  EXPECT_EQ(h->get("name").value(), "foo");
  EXPECT_EQ(h->get("Summary").value(), "a\nb");
  EXPECT_EQ(h->all("Requires-Dist"), (std::vector<std::string>{"x", "y>=1"}));
  EXPECT_EQ(h->all("Name").size(), 1u);
}

TEST(Metadata, HeaderErrorNamesLine) {
  auto h = parse_headers("Name: foo\nbroken line\n", "w.whl: w-1.dist-info/METADATA");
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.error().message(), "w.whl: w-1.dist-info/METADATA:2: expected \"Key: value\", got \"broken line\"");
}

TEST(Metadata, WheelFile) {
  auto w = parse_wheel_file("Wheel-Version: 1.0\nRoot-Is-Purelib: false\nTag: cp36-cp36m-linux_x86_64\n", "W");
  ASSERT_TRUE(w.ok());
  EXPECT_FALSE(w->root_is_purelib);
  EXPECT_EQ(w->tags, std::vector<std::string>{"cp36-cp36m-linux_x86_64"});
  auto v2 = parse_wheel_file("Wheel-Version: 2.0\nRoot-Is-Purelib: true\n", "W");
  ASSERT_FALSE(v2.ok());
  EXPECT_EQ(v2.error().message(), "W: Wheel-Version 2.0 is not supported (expected 1.x)");
  EXPECT_EQ(parse_wheel_file("Wheel-Version: 1\nRoot-Is-Purelib: true\n", "W").error().message(),
            "W: Wheel-Version \"1\" is not MAJOR.MINOR");
}

TEST(Metadata, RecordCsvQuoting) {
  auto r = parse_record("a.py,sha256=abc,3\r\n\"we,ird \"\"x\"\".py\",sha256=def,10\nx.dist-info/RECORD,,\n", "R");
  ASSERT_TRUE(r.ok()) << r.error().message();
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[1].path, "we,ird \"x\".py");
  EXPECT_EQ((*r)[1].size.value(), 10u);
  EXPECT_FALSE((*r)[2].size.has_value());
  EXPECT_EQ((*r)[2].line, 3);
  EXPECT_EQ(format_record_line("we,ird \"x\".py", "sha256=def", 10), "\"we,ird \"\"x\"\".py\",sha256=def,10\n");
  EXPECT_EQ(parse_record("a,b\n", "R").error().message(), "R:1: expected 3 fields (path,hash,size), got 2");
  EXPECT_EQ(parse_record("a,sha256=x,1\nb,sha256=y,12a\n", "R").error().message(),
            "R:2: size \"12a\" is not a decimal integer");
}

TEST(Metadata, EntryPoints) {
  auto e = parse_entry_points(
      "[console_scripts]\npip = pip._internal.cli.main:main\n"
      "x=mod:Cls.run [extra]\n# c\n[other]\ny = z\n",
      "E");
  ASSERT_TRUE(e.ok()) << e.error().message();
  ASSERT_EQ(e->size(), 3u);
  EXPECT_EQ((*e)[0].module, "pip._internal.cli.main");
  EXPECT_EQ((*e)[1].attr, "Cls.run");
  EXPECT_EQ((*e)[2].group, "other");
  EXPECT_EQ(parse_entry_points("pip = a:b\n", "E").error().message(), "E:1: entry point outside any [group]");
}

TEST(Metadata, RecordHashIsUrlsafeBase64WithoutPadding) {
  // sha256("") — value from Python: base64.urlsafe_b64encode(hashlib.sha256(b"").digest())
  EXPECT_EQ(record_hash_from_hex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
            "sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU");
}

TEST(WheelArchive, InspectGoodWheel) {
  auto w = inspect_wheel(fixture("good-1.0-py3-none-any.whl"));
  ASSERT_TRUE(w.ok()) << w.error().message();
  EXPECT_EQ(w->name, "good");
  EXPECT_EQ(w->version, "1.0");
  EXPECT_EQ(w->dist_info, "good-1.0.dist-info");
  EXPECT_TRUE(w->wheel.root_is_purelib);
  EXPECT_EQ(w->metadata.requires_python, ">=3.6");
  EXPECT_EQ(w->metadata.requires_dist, (std::vector<std::string>{"dep (>=1.0)", "other ; extra == \"x\""}));
  EXPECT_EQ(w->metadata.provides_extra, std::vector<std::string>{"x"});
  ASSERT_EQ(w->entry_points.size(), 3u);
  EXPECT_EQ(w->entries.size(), 14u);
  EXPECT_EQ(w->entries[2].name, "good/bin/tool.sh");
  EXPECT_EQ(w->entries[2].mode, 0755u);
  EXPECT_EQ(w->entries[0].mode, 0644u);
}

TEST(WheelArchive, StreamHandsOutVerifiedBytes) {
  auto w = inspect_wheel(fixture("good-1.0-py3-none-any.whl"));
  ASSERT_TRUE(w.ok());
  std::string core;
  Status s = stream_wheel(*w, [&](const ArchiveEntry& e, const ContentReader& read) -> Status {
    if (e.name != "good/core.py") return {};  // left unread: stream_wheel still verifies it
    char buf[7];                              // small on purpose: many calls
    while (true) {
      auto n = read(buf, sizeof buf);
      if (!n.ok()) return n.error();
      if (*n == 0) break;
      core.append(buf, *n);
    }
    return {};
  });
  ASSERT_TRUE(s.ok()) << s.error().message();
  EXPECT_TRUE(core.starts_with("import sys\n\ndef main():"));
  EXPECT_EQ(core.size(), 161u);
}

TEST(WheelArchive, RealDebianWheelsVerify) {
  int seen = 0;
  for (auto& f : std::filesystem::directory_iterator(testing::kDebianWheels)) {
    if (f.path().extension() != ".whl") continue;
    auto w = verify_wheel(f.path());
    ASSERT_TRUE(w.ok()) << w.error().message();
    EXPECT_FALSE(w->record.empty());
    ++seen;
  }
  EXPECT_GE(seen, 2) << "expected pip and setuptools wheels in " << testing::kDebianWheels
                     << " (Debian packages python3-pip-whl, python3-setuptools-whl)";
}

TEST(WheelArchive, DataDescriptorsAndZip64HeadersVerify) {
  // Python's zipfile writing to a pipe (sizes after the data) and with
  // zip64 local headers forced; a stored entry in the second.
  for (const char* name : {"streamed-1.0-py3-none-any.whl", "forced64-1.0-py3-none-any.whl"}) {
    auto w = verify_wheel(fixture(name));
    ASSERT_TRUE(w.ok()) << name << ": " << w.error().message();
    EXPECT_EQ(w->entries.size(), 5u) << name;
    EXPECT_EQ(w->total_size, 16384u + 10u + w->entries[2].size + w->entries[3].size + w->entries[4].size) << name;
  }
}

TEST(WheelArchive, StreamRefusesAZipChangedSinceInspected) {
  // The same names and sizes, but one entry has become a symlink (and one
  // gained the exec bit): what was checked is not what would be installed.
  TempDir d;
  auto p = d.path() / "good-1.0-py3-none-any.whl";
  fs::copy_file(fixture("good-1.0-py3-none-any.whl"), p);
  auto w = inspect_wheel(p);
  ASSERT_TRUE(w.ok()) << w.error().message();
  std::string script =
      "import sys, zipfile, stat\n"
      "src, dst, mode = sys.argv[1], sys.argv[2], int(sys.argv[3], 8)\n"
      "items = [(i, zipfile.ZipFile(src).read(i.filename)) for i in zipfile.ZipFile(src).infolist()]\n"
      "with zipfile.ZipFile(dst, 'w') as z:\n"
      "    for i, data in items:\n"
      "        if i.filename == 'good/core.py':\n"
      "            i.external_attr = mode << 16\n"
      "        z.writestr(i, data)\n";
  for (const char* mode : {"120777", "100755"}) {
    std::ofstream(d.path() / "rewrite.py") << script;
    std::string cmd = "python3 " + (d.path() / "rewrite.py").string() + " " +
                      fixture("good-1.0-py3-none-any.whl").string() + " " + p.string() + " " + mode;
    ASSERT_EQ(std::system(cmd.c_str()), 0);
    auto s = stream_wheel(*w, [](const ArchiveEntry&, const ContentReader&) { return Status{}; });
    ASSERT_FALSE(s.ok()) << mode;
    EXPECT_EQ(s.error().message(), "good-1.0-py3-none-any.whl: the zip changed since it was inspected") << mode;
  }
}

TEST(WheelArchive, NotAZip) {
  TempDir d;
  auto p = d.path() / "x-1.0-py3-none-any.whl";
  std::ofstream(p) << "not a zip";
  auto w = inspect_wheel(p);
  ASSERT_FALSE(w.ok());
  EXPECT_TRUE(w.error().message().starts_with("x-1.0-py3-none-any.whl: ")) << w.error().message();
}

TEST(WheelArchive, BadFilename) {
  auto w = inspect_wheel("/nonexistent/notawheel.zip");
  ASSERT_FALSE(w.ok());
  EXPECT_NE(w.error().message().find("notawheel.zip"), std::string::npos) << w.error().message();
}

}  // namespace
}  // namespace dl::wheel
