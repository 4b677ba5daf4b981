#include "builder/pipeline/sign_cells.h"

#include <algorithm>
#include <mutex>

#include "base/strings.h"
#include "builder/image/manifest.h"
#include "builder/pipeline/push.h"
#include "builder/sign/cosign.h"
#include "registry/client/registry_store.h"

namespace dl::pipeline {

namespace {

struct TagRef {
  const CellResult* cell;
  registry::Reference ref;  // after --registry rewriting
};

Result<std::vector<TagRef>> tags_of(const std::vector<CellResult>& cells, const std::vector<std::string>& skip,
                                    const registry::HostConfig& hosts) {
  std::vector<TagRef> out;
  for (auto& cr : cells)
    for (size_t t = 0; t < cr.cell.tags.size(); ++t) {
      DL_ASSIGN_OR_RETURN(auto ref, registry::parse_reference(cr.cell.ref(t)));
      ref = hosts.for_push(ref);
      if (t == 0 && std::find(skip.begin(), skip.end(), ref.str()) != skip.end()) break;  // the cell failed
      out.push_back({&cr, ref});
    }
  return out;
}

// What a tag's signatures must cover: the digest it points at (what cosign
// verifies) and, when that is an index, every image in it (containers/image
// checks the signature of the instance it picks out of an index, by the
// instance's digest). Attestation manifests are not images.
Result<std::vector<Digest>> signed_digests(store::ImageStore& repo, const image::Descriptor& top) {
  std::vector<Digest> out = {top.digest};
  if (!image::is_index_media_type(top.media_type)) return out;
  DL_ASSIGN_OR_RETURN(auto m, repo.get_manifest(top.digest.str()));
  DL_ASSIGN_OR_RETURN(auto idx, image::parse_index(m.bytes, repo.name() + "@" + top.digest.str(), m.media_type));
  for (auto& d : idx.manifests)
    if (!d.annotations.count("vnd.docker.reference.type")) out.push_back(d.digest);
  return out;
}

}  // namespace

Result<SignReport> sign_cells(const std::vector<CellResult>& cells, const std::vector<std::string>& skip,
                              registry::RegistryClient& client, const sign::PrivateKey& key, int jobs) {
  DL_ASSIGN_OR_RETURN(auto tags, tags_of(cells, skip, client.hosts()));
  // Tags of one repository may share a signature manifest (aliases, an
  // image and the auto index holding it): they are signed one after the
  // other, so no layer is lost to a concurrent write.
  std::map<std::string, std::vector<size_t>> groups;
  for (size_t i = 0; i < tags.size(); ++i) groups[tags[i].ref.name()].push_back(i);
  std::vector<std::vector<size_t>> work;
  for (auto& [_, g] : groups) work.push_back(g);
  std::mutex mu;
  SignReport report;
  DL_TRY(store::run_parallel(work.size(), jobs, [&](size_t w) -> Status {
    for (size_t i : work[w]) {
      registry::RegistryStore repo(client, tags[i].ref);
      auto digests = signed_digests(repo, tags[i].cell->manifest);
      if (!digests.ok()) return digests.error().wrap("signing " + tags[i].ref.str());
      bool any = false;
      for (auto& d : *digests) {
        auto added = sign::attach_signature(repo, tags[i].ref.str(), d, key);
        if (!added.ok()) return added.error().wrap("signing " + tags[i].ref.str());
        any = any || *added;
      }
      std::lock_guard<std::mutex> l(mu);
      (any ? report.signed_tags : report.already)++;
    }
    return {};
  }));
  return report;
}

Result<std::vector<SignatureProblem>> verify_tag_signatures(const std::vector<ExpectedTag>& tags,
                                                            registry::RegistryClient& client,
                                                            const sign::PublicKey& key, int jobs) {
  std::vector<std::optional<SignatureProblem>> found(tags.size());
  DL_TRY(store::run_parallel(tags.size(), jobs, [&](size_t i) -> Status {
    registry::RegistryStore repo(client, tags[i].ref);
    auto head = repo.head_manifest(tags[i].digest.str());
    if (!head.ok()) return head.error().wrap("verifying " + tags[i].ref.str());
    DL_ASSIGN_OR_RETURN(auto digests,
                        signed_digests(repo, {head->media_type, head->digest, std::int64_t(head->size), {}, {}, {}}));
    for (auto& d : digests) {
      std::string what = d == tags[i].digest ? "" : " (image " + d.str().substr(0, 19) + " in the index)";
      auto check = sign::check_signatures(repo, tags[i].ref.str(), d, key);
      if (!check.ok()) {
        if (!store::is_not_found(check.error())) return check.error().wrap("verifying " + tags[i].ref.str());
        found[i] = SignatureProblem{tags[i].ref.str(), check.error().message() + what};
        break;
      }
      if (check->valid == 0) {
        std::string why = check->signatures == 0 ? "no cosign signature layers" : join(check->problems, "; ");
        found[i] = SignatureProblem{tags[i].ref.str(), why + what};
        break;
      }
    }
    return {};
  }));
  std::vector<SignatureProblem> out;
  for (auto& f : found)
    if (f) out.push_back(*f);
  return out;
}

Result<std::vector<SignatureProblem>> verify_cell_signatures(const std::vector<CellResult>& cells,
                                                             registry::RegistryClient& client,
                                                             const sign::PublicKey& key, int jobs) {
  DL_ASSIGN_OR_RETURN(auto tags, tags_of(cells, {}, client.hosts()));
  std::vector<ExpectedTag> want;
  for (auto& t : tags) want.push_back({t.ref, t.cell->manifest.digest});
  return verify_tag_signatures(want, client, key, jobs);
}

}  // namespace dl::pipeline
