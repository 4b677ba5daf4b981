// A wheelhouse: a directory of .whl files.
#include <algorithm>
#include <filesystem>

#include "builder/pypa/name.h"
#include "builder/pypa/wheel_filename.h"
#include "builder/wheel/source.h"

namespace dl::wheel {

namespace {

class LocalDirectory : public WheelSource {
 public:
  LocalDirectory(std::string dir, std::string variant) : dir_(std::move(dir)), variant_(std::move(variant)) {}

  Result<std::vector<WheelLink>> list(const std::string& project) override {
    std::error_code ec;
    std::filesystem::directory_iterator it(dir_, ec);
    if (ec) return Error(ErrorKind::not_found, dir_ + ": cannot list wheelhouse: " + ec.message());
    std::string want = pypa::normalize_name(project);
    std::vector<WheelLink> out;
    for (auto& f : it) {
      std::string name = f.path().filename().string();
      if (!name.ends_with(".whl")) continue;
      auto fn = pypa::parse_wheel_filename(name);
      if (!fn.ok() || fn->normalized_name != want) continue;  // foreign or malformed: not this project's
      WheelLink l;
      l.filename = name;
      l.url = std::filesystem::absolute(f.path()).string();
      l.variant = variant_;
      l.source = describe();
      out.push_back(std::move(l));
    }
    std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.filename < b.filename; });
    return out;
  }
  std::string describe() const override {
    return "wheelhouse " + dir_ + (variant_.empty() ? "" : " [" + variant_ + "]");
  }

 private:
  std::string dir_, variant_;
};

}  // namespace

std::unique_ptr<WheelSource> local_directory_source(std::string dir, std::string variant) {
  return std::make_unique<LocalDirectory>(std::move(dir), std::move(variant));
}

}  // namespace dl::wheel
