#include "builder/pipeline/cell_plan.h"

#include <filesystem>

#include "builder/pipeline/provenance.h"
#include "builder/wheel/lock.h"

namespace dl::pipeline {

std::string recipes_dir(const BuildOptions& o) {
  if (!o.recipes_dir.empty()) return o.recipes_dir;
  auto parent = std::filesystem::path(o.matrix_file).parent_path();
  return (parent.empty() ? std::filesystem::path(".") : parent).string() + "/recipes";
}

Result<CellPlan> make_cell_plan(const BuildOptions& o, const matrix::Cell& cell) {
  CellPlan p;
  p.cell = cell;
  DL_ASSIGN_OR_RETURN(p.recipe, recipe::load_for_cell(recipes_dir(o), cell.recipe, cell));
  for (auto& spec : p.recipe.wheels) {
    auto req = pypa::parse_requirement(spec.requirement);
    if (!req.ok()) return req.error().wrap(p.recipe.path);
    if (spec.layer == "shared") p.shared_roots.insert(req->normalized_name());
    p.requirements.push_back(std::move(*req));
  }
  p.recipe_digest = recipe_fingerprint(p.recipe);
  if (!cell.pythons.empty() && cell.base.pythons.empty())
    return invalid("base " + cell.base.key + " declares no Python; expected pythons: in matrix.yaml");
  for (auto& py : cell.pythons) {
    const auto& pl = cell.python_layout(py);
    PythonTarget t;
    t.version = py;
    t.lock_key = wheel::lock_key(cell.ref(), py);
    auto env = resolve::Environment::make(py, pl.abi, cell.base.glibc, "", cell.wheel_arch());
    if (!env.ok()) return env.error().wrap(cell.ref() + " (Python " + py + ")");
    t.env = std::move(*env);
    t.install = wheel::InterpreterLayout::debian(py, pl.interpreter, pl.site_packages);
    p.pythons.push_back(std::move(t));
  }
  return p;
}

}  // namespace dl::pipeline
