// dlimage wheel install|inspect|verify: pip-free wheel handling.
#include <algorithm>
#include <cstdio>
#include <iostream>

#include <nlohmann/json.hpp>

#include "builder/cli/command.h"
#include "builder/cli/output_flags.h"
#include "builder/cli/wheel_resolve.h"
#include "builder/pypa/tags.h"
#include "builder/pypa/wheel_filename.h"
#include "builder/wheel/install.h"
#include "builder/wheel/set_check.h"
#include "builder/wheel/target_check.h"
#include "builder/wheel/wheel_archive.h"

namespace dl::cli {
namespace {

struct WheelOptions {
  std::string python = "3.11";
  std::string abi, glibc = "2.17", arch = "x86_64";
  std::string site_packages;
  std::string interpreter;
  std::string root;
  bool allow_missing = false;
  std::vector<std::string> wheels;
  OutputOptions out;
};

// The target interpreter: --python X.Y[.Z], --abi, --glibc, --arch.
wheel::Target target_of(const WheelOptions& o) {
  wheel::Target t;
  std::string xy = o.python;
  auto first = xy.find('.');
  auto second = first == std::string::npos ? std::string::npos : xy.find('.', first + 1);
  if (second != std::string::npos) {
    t.python_full_version = xy;
    xy = xy.substr(0, second);
  }
  int major = 0, minor = 0;
  if (std::sscanf(xy.c_str(), "%d.%d", &major, &minor) != 2)
    throw Failure(invalid("--python '" + o.python + "': expected X.Y or X.Y.Z, e.g. 3.6"));
  std::string abi = o.abi.empty() ? wheel::default_abi(major, minor) : o.abi;
  t.interpreter = get(pypa::Interpreter::make(xy, abi, o.glibc, o.arch));
  return t;
}

int install(const WheelOptions& o) {
  wheel::Target target = target_of(o);
  auto layout = wheel::InterpreterLayout::debian(target.interpreter.python_version(), o.interpreter, o.site_packages);
  pypa::SupportedTags supported(target.interpreter);
  std::vector<wheel::WheelContents> inspected;
  for (auto& w : o.wheels) {
    inspected.push_back(get(wheel::inspect_wheel(w)));
    check(wheel::check_installable(inspected.back(), target, supported));
  }
  Status complete = wheel::require_complete(inspected, target.interpreter.python_version());
  if (!complete.ok()) {
    if (!o.allow_missing) throw Failure(complete.error().wrap("refusing to install (use --allow-missing)"));
    std::cerr << "dlimage: warning: " << complete.error().message() << "\n";
  }
  wheel::DirectorySink sink(o.root);
  auto done = get(wheel::install_inspected(std::move(inspected), layout, sink));
  if (o.out.json) {
    auto j = json_document("wheel.install");
    j["root"] = o.root;
    j["installed"] = nlohmann::ordered_json::array();
    for (auto& w : done)
      j["installed"].push_back({{"name", w.name}, {"version", w.version}, {"files", w.files}, {"bytes", w.bytes}});
    std::cout << j.dump(2) << "\n";
    return 0;
  }
  if (o.out.quiet) return 0;
  for (auto& w : done)
    std::cout << "installed " << w.name << " " << w.version << " (" << w.files << " files, " << w.bytes << " bytes)\n";
  return 0;
}

int inspect(const std::string& path, const OutputOptions& out) {
  auto w = get(wheel::inspect_wheel(path));
  auto fn = get(pypa::parse_wheel_filename(w.filename));
  nlohmann::ordered_json j;
  j["schema"] = 1;  // the --json document version (README "Output for scripts")
  j["kind"] = "dlimage.wheel.inspect";
  j["filename"] = w.filename;
  j["name"] = w.name;
  j["version"] = w.version;
  std::vector<std::string> tags;
  for (auto& t : fn.tags) tags.push_back(t.str());
  j["tags"] = tags;
  j["root_is_purelib"] = w.wheel.root_is_purelib;
  j["requires_python"] = w.metadata.requires_python;
  j["requires_dist"] = w.metadata.requires_dist;
  j["provides_extra"] = w.metadata.provides_extra;
  nlohmann::ordered_json eps = nlohmann::ordered_json::array();
  for (auto& e : w.entry_points)
    eps.push_back({{"group", e.group}, {"name", e.name}, {"value", e.module + (e.attr.empty() ? "" : ":" + e.attr)}});
  j["entry_points"] = eps;
  j["files"] = w.entries.size();
  j["unpacked_size"] = w.total_size;
  if (out.quiet) {  // JSON is its only other form: --json changes nothing
    std::cout << w.name << " " << w.version << "\n";
    return 0;
  }
  std::cout << j.dump(2) << "\n";
  return 0;
}

int verify(const std::vector<std::string>& paths, const OutputOptions& out) {
  auto j = json_document("wheel.verify");
  j["wheels"] = nlohmann::ordered_json::array();
  for (auto& p : paths) {
    auto w = get(wheel::verify_wheel(p));  // the first bad wheel is the error (exit 1)
    j["wheels"].push_back({{"filename", w.filename}, {"files", w.entries.size()}, {"ok", true}});
    if (!out.json && !out.quiet)
      std::cout << w.filename << ": OK (" << w.entries.size() << " files verified against RECORD)\n";
  }
  if (out.json) std::cout << j.dump(2) << "\n";
  return 0;
}

Registration reg(
    "wheel", "Resolve, inspect, verify and install Python wheels without pip", [](CLI::App& app) -> Runner {
      auto o = std::make_shared<WheelOptions>();
      auto inspect_path = std::make_shared<std::string>();
      app.require_subcommand(1);
      CLI::App* inst = app.add_subcommand("install", "Install wheels into a root directory (PEP 427)");
      inst->add_option("--python", o->python,
                       "Target interpreter version X.Y or X.Y.Z (checked against Requires-Python)")
          ->capture_default_str();
      inst->add_option("--abi", o->abi, "Target ABI tag (default cp27mu, cp3Ym before 3.8, cp3Y after)");
      inst->add_option("--glibc", o->glibc, "Target glibc X.Y: bounds the manylinux tags accepted")
          ->capture_default_str();
      inst->add_option("--arch", o->arch, "Target architecture (x86_64, aarch64)")->capture_default_str();
      inst->add_option("--site-packages", o->site_packages,
                       "purelib/platlib relative to ROOT (default usr/local/lib/pythonX.Y/dist-packages)");
      inst->add_option("--interpreter", o->interpreter, "Interpreter for #! lines (default /usr/bin/pythonX.Y)");
      inst->add_option("--root", o->root, "Image root directory")->required();
      inst->add_flag("--allow-missing", o->allow_missing, "Install even if a Requires-Dist is not met by the set");
      inst->add_option("wheels", o->wheels, "Wheel files")->required()->check(CLI::ExistingFile);
      o->out.add_to(*inst);
      CLI::App* insp = app.add_subcommand("inspect", "Print a wheel's name, version, tags and requirements as JSON");
      insp->add_option("wheel", *inspect_path, "Wheel file")->required();
      auto insp_out = std::make_shared<OutputOptions>();
      insp_out->add_to(*insp);
      CLI::App* ver = app.add_subcommand("verify", "Check every file of each wheel against its RECORD");
      auto verify_paths = std::make_shared<std::vector<std::string>>();
      ver->add_option("wheels", *verify_paths, "Wheel files")->required();
      auto ver_out = std::make_shared<OutputOptions>();
      ver_out->add_to(*ver);
      auto resolve_cmds = add_wheel_resolve_commands(app);
      return [=]() -> int {
        if (int rc = resolve_cmds(); rc >= 0) return rc;
        if (inst->parsed()) return install(*o);
        if (insp->parsed()) return inspect(*inspect_path, *insp_out);
        return verify(*verify_paths, *ver_out);
      };
    });

}  // namespace
}  // namespace dl::cli
