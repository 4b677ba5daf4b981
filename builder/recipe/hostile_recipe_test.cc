// A recipe's `files: src` cannot reach outside the recipes directory: no
// "..", no absolute path, no symlink that leads out (checked after every link
// is resolved). A link that stays inside is fine.
#include <gtest/gtest.h>
#include <unistd.h>

#include "base/fs.h"
#include "builder/recipe/recipe.h"

namespace dl::recipe {
namespace {

matrix::Cell any_cell() {
  auto m = matrix::load(std::string(DL_SOURCE_DIR) + "/matrix.yaml");
  EXPECT_TRUE(m.ok());
  return m->cells.front();
}

struct Fixture {
  TempDir tmp;
  fs::path dir = tmp.path() / "recipes";
  fs::path outside = tmp.path() / "secret";
  Fixture() {
    EXPECT_TRUE(ensure_dir(dir / "sub").ok());
    EXPECT_TRUE(write_file_atomic(outside, "host secret\n").ok());
    EXPECT_TRUE(write_file_atomic(dir / "sub" / "motd", "hello\n").ok());
  }
  Result<Recipe> with_src(const std::string& src) {
    EXPECT_TRUE(
        write_file_atomic(dir / "r.yaml", "schema: 1\nfiles:\n  - {src: \"" + src + "\", dest: /etc/x}\n").ok());
    return load_for_cell(dir.string(), "r", any_cell());
  }
};

TEST(HostileRecipe, DotDotIsRefusedWithItsLocation) {
  Fixture f;
  auto r = f.with_src("../secret");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("r.yaml:3:"), std::string::npos) << r.error().message();
  EXPECT_NE(r.error().message().find("'..' leads out of"), std::string::npos) << r.error().message();
  auto deep = f.with_src("sub/../../../../../../etc/shadow");
  ASSERT_FALSE(deep.ok());
  EXPECT_NE(deep.error().message().find("'..'"), std::string::npos);
}

TEST(HostileRecipe, AbsolutePathIsRefused) {
  Fixture f;
  auto r = f.with_src(f.outside.string());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("absolute path"), std::string::npos) << r.error().message();
}

TEST(HostileRecipe, SymlinkLeadingOutIsRefusedAndOneInsideIsFollowed) {
  Fixture f;
  ASSERT_EQ(::symlink(f.outside.c_str(), (f.dir / "link").c_str()), 0);
  ASSERT_EQ(::symlink(f.tmp.path().c_str(), (f.dir / "sub" / "up").c_str()), 0);
  auto r = f.with_src("link");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("through a symlink, outside"), std::string::npos) << r.error().message();
  auto via_dir = f.with_src("sub/up/secret");
  ASSERT_FALSE(via_dir.ok());
  EXPECT_NE(via_dir.error().message().find("outside"), std::string::npos) << via_dir.error().message();

  ASSERT_EQ(::symlink("sub/motd", (f.dir / "inside").c_str()), 0);
  auto ok = f.with_src("inside");
  ASSERT_TRUE(ok.ok()) << ok.error().message();
  ASSERT_EQ(ok->files.size(), 1u);
  EXPECT_EQ(read_file(ok->files[0].src).value(), "hello\n");
}

TEST(HostileRecipe, RecipeNamesArePlainFileNames) {
  Fixture f;
  auto c = any_cell();
  auto r = load_for_cell(f.dir.string(), "../secret", c);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("is not a plain name"), std::string::npos) << r.error().message();
  ASSERT_TRUE(write_file_atomic(f.dir / "e.yaml", "extends: [\"sub/x\"]\n").ok());
  EXPECT_NE(load_for_cell(f.dir.string(), "e", c).error().message().find("not a plain name"), std::string::npos);
}

TEST(HostileRecipe, BadModeIsAnErrorNotACrash) {
  Fixture f;
  ASSERT_TRUE(write_file_atomic(f.dir / "m.yaml", "files:\n  - {content: x, dest: /x, mode: rwx}\n").ok());
  auto r = load_for_cell(f.dir.string(), "m", any_cell());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("m.yaml:2:"), std::string::npos) << r.error().message();
  EXPECT_NE(r.error().message().find("expected octal permissions"), std::string::npos);
}

}  // namespace
}  // namespace dl::recipe
