#include "tests/support/oci_fixture.h"

#include <filesystem>
#include <nlohmann/json.hpp>

#include "base/fs.h"
#include "base/strings.h"
#include "tests/support/process.h"

namespace dl::test {

bool oci_tools_available() { return !find_program("umoci").empty() && !find_program("skopeo").empty(); }

Result<OciImage> make_tiny_oci_image(const std::string& layout_dir, const std::string& tag,
                                     const std::string& content) {
  auto step = [](const std::vector<std::string>& argv) -> Status {
    DL_ASSIGN_OR_RETURN(ProcessResult r, run(argv));
    if (!r.ok()) return Error(ErrorKind::internal, join(argv, " ") + " failed: " + r.describe());
    return {};
  };
  std::error_code ec;
  if (!std::filesystem::exists(std::filesystem::path(layout_dir) / "oci-layout", ec))
    DL_TRY(step({"umoci", "init", "--layout", layout_dir}));
  std::string image = layout_dir + ":" + tag;
  DL_TRY(step({"umoci", "new", "--image", image}));
  std::string bundle = layout_dir + ".bundle-" + tag;
  std::filesystem::remove_all(bundle, ec);
  DL_TRY(step({"umoci", "unpack", "--rootless", "--image", image, bundle}));
  DL_TRY(write_file_atomic(bundle + "/rootfs/hello.txt", content));
  DL_TRY(step({"umoci", "repack", "--image", image, bundle}));
  std::filesystem::remove_all(bundle, ec);

  DL_ASSIGN_OR_RETURN(std::string index_text, read_file(layout_dir + "/index.json"));
  auto index = nlohmann::json::parse(index_text, nullptr, false);
  if (index.is_discarded()) return invalid(layout_dir + "/index.json: not JSON");
  for (const auto& m : index.value("manifests", nlohmann::json::array())) {
    if (m.contains("annotations") && m["annotations"].value("org.opencontainers.image.ref.name", "") == tag)
      return OciImage{layout_dir, tag, m.value("digest", "")};
  }
  return not_found(layout_dir + "/index.json: no manifest tagged '" + tag + "'");
}

}  // namespace dl::test
