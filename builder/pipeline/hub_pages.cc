#include "builder/pipeline/hub_pages.h"
#include "builder/pipeline/build.h"

#include <filesystem>
#include <set>

#include "base/fs.h"
#include "base/strings.h"
#include "builder/matrix/matrix.h"
#include "registry/reference/hosts.h"
#include "registry/reference/reference.h"

namespace dl::pipeline {

namespace {

namespace fs = std::filesystem;

// Read with a bound well over Docker Hub's limit, so a slightly long file
// gets check_page()'s message and a huge one is never read whole.
Result<std::string> read_text(const fs::path& p, std::uint64_t limit) {
  std::error_code ec;
  auto size = fs::file_size(p, ec);
  if (ec) return not_found(p.string() + ": " + ec.message() + " (named by the matrix's hub: entry)");
  if (size > limit)
    return invalid(p.string() + ": " + std::to_string(size) + " bytes; at most " + std::to_string(limit));
  return read_file(p);
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

Result<std::vector<hub::Page>> hub_pages(const BuildOptions& o) {
  DL_ASSIGN_OR_RETURN(auto m, load_matrix(o));
  DL_ASSIGN_OR_RETURN(auto filter, matrix::parse_filters(o.filters));
  DL_ASSIGN_OR_RETURN(auto shard, matrix::parse_shard(o.shard));
  DL_ASSIGN_OR_RETURN(auto cells, matrix::select(m, filter, shard));
  fs::path dir = fs::path(o.matrix_file).parent_path();
  std::set<std::string> repos;
  for (auto& c : cells) repos.insert(c.repo);
  std::vector<hub::Page> pages;
  for (auto& repo : repos) {
    auto it = m.hub.find(repo);
    if (it == m.hub.end()) continue;
    DL_ASSIGN_OR_RETURN(auto ref, registry::parse_reference(repo));
    if (ref.registry != "docker.io") return invalid("hub: " + repo + " is not on Docker Hub");
    hub::Page p;
    p.repository = registry::relocate(ref, "", o.registry.push_namespace).repository;
    fs::path dfile = dir / it->second.description, rfile = dir / it->second.readme;
    if (!it->second.description.empty()) {
      DL_ASSIGN_OR_RETURN(p.description, read_text(dfile, 1 << 20));
      p.description = trim(p.description);
    }
    if (!it->second.readme.empty()) {
      DL_ASSIGN_OR_RETURN(p.readme, read_text(rfile, 1 << 20));
    }
    DL_TRY(hub::check_page(p, dfile.string(), rfile.string()));
    pages.push_back(std::move(p));
  }
  if (pages.empty())
    return invalid(o.matrix_file + ": no selected repository has a hub: {description: FILE, readme: FILE} entry");
  return pages;
}

}  // namespace dl::pipeline
