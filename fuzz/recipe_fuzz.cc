// recipes/<name>.yaml: the input replaces one shipped leaf recipe (its
// `extends:` parents are the real ones, copied once into a scratch directory)
// and is loaded for a real cell of the shipped matrix.
#include <filesystem>
#include <fstream>

#include "base/fs.h"
#include "builder/matrix/matrix.h"
#include "builder/recipe/recipe.h"
#include "fuzz/fuzz.h"

namespace {

struct World {
  std::filesystem::path dir;
  dl::matrix::Cell cell;
};

const World& world() {
  static const World w = [] {
    auto m = dl::matrix::load(std::string(DL_SOURCE_DIR) + "/matrix.yaml");
    dl::fuzz::check(m.ok() && !m->cells.empty(), "the shipped matrix loads", m.ok() ? "" : m.error().message());
    World w;
    w.cell = m->cells.front();
    std::string tmpl = (std::filesystem::temp_directory_path() / "dl-recipe-fuzz-XXXXXX").string();
    dl::fuzz::check(::mkdtemp(tmpl.data()) != nullptr, "mkdtemp");
    w.dir = tmpl;
    std::error_code ec;
    std::filesystem::copy(std::string(DL_SOURCE_DIR) + "/recipes", w.dir, std::filesystem::copy_options::recursive, ec);
    dl::fuzz::check(!ec, "copying recipes/", ec.message());
    return w;
  }();
  return w;
}

}  // namespace

DL_FUZZ_TARGET {
  const World& w = world();
  {
    std::ofstream out(w.dir / (w.cell.recipe + ".yaml"), std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), std::streamsize(size));
  }
  (void)dl::recipe::load_for_cell(w.dir.string(), w.cell.recipe, w.cell);
  return 0;
}
