#include "builder/pipeline/promote.h"

#include <nlohmann/json.hpp>

#include "builder/copy/copy.h"
#include "registry/reference/hosts.h"

namespace dl::pipeline {

namespace {

// One cell: the source's digest for its primary tag, then each tag.
Status promote_cell(const PromoteOptions& o, const matrix::Cell& c, registry::Session& s, PromoteReport& r) {
  copy::Endpoint src, dst;
  DL_ASSIGN_OR_RETURN(auto canonical, registry::parse_reference(c.ref()));
  src.ref = registry::relocate(canonical, o.from_registry, o.from_namespace);
  src.text = "docker://" + src.ref.str();
  dst.ref = canonical;
  dst.text = "docker://" + s.hosts().for_push(canonical).str();
  if (s.hosts().for_push(dst.ref).name() == s.hosts().for_pull(src.ref).name())
    return invalid(src.ref.name() +
                   ": source and destination are the same repository; "
                   "give --from-namespace/--from-registry, or --namespace/--registry");
  DL_ASSIGN_OR_RETURN(auto from, copy::open_store(s, src, false));
  DL_ASSIGN_OR_RETURN(auto to, copy::open_store(s, dst, true));
  auto head = from->head_manifest(src.ref.tag);
  if (!head.ok()) return head.error().wrap("promote: " + src.ref.str());
  const Digest digest = head->digest;
  for (size_t t = 0; t < c.tags.size(); ++t) {
    const std::string& tag = c.tags[t];
    if (t > 0) {  // an alias must be the same image at the source
      auto alias = from->head_manifest(tag);
      if (!alias.ok()) return alias.error().wrap("promote: " + src.ref.with_tag(tag).str());
      if (alias->digest != digest)
        return invalid("promote: " + src.ref.with_tag(tag).str() + " names " + alias->digest.str() + " but " +
                       src.ref.str() + " names " + digest.str() + "; they are one image in the matrix");
    }
    PromotedTag p{src.ref.with_tag(tag).str(), s.hosts().for_push(canonical.with_tag(tag)).str(), digest.str(), false};
    auto there = to->head_manifest(tag);
    p.already = there.ok() && there->digest == digest;
    if (!p.already && !o.dry_run) {
      DL_ASSIGN_OR_RETURN(auto cr, copy::copy_image(*from, digest.str(), *to, tag));
      if (cr.digest != digest)
        return Error(ErrorKind::remote, p.to + ": stored as " + cr.digest.str() + ", not " + digest.str());
      r.blobs_copied += cr.blobs_copied, r.blobs_mounted += cr.blobs_mounted, r.blobs_existing += cr.blobs_existing;
      r.bytes += cr.bytes;
    }
    r.tags.push_back(p);
  }
  return {};
}

}  // namespace

Result<PromoteReport> promote(const PromoteOptions& o, registry::Session& s) {
  if (!o.from_namespace.empty()) DL_TRY(registry::check_namespace(o.from_namespace));
  DL_ASSIGN_OR_RETURN(auto cells, select_cells(o.selection));
  PromoteReport r;
  for (auto& c : cells) {
    Status st = promote_cell(o, c, s, r);
    if (!st.ok()) {
      if (!o.selection.keep_going) return st.error();
      r.failures.push_back({c.ref(), "promote", st.error().message()});
    }
  }
  return r;
}

std::string promote_json(const PromoteReport& r) {
  nlohmann::ordered_json j{{"schema", 1}, {"kind", "dlimage.promote"}, {"tags", nlohmann::ordered_json::array()}};
  for (auto& t : r.tags)
    j["tags"].push_back({{"from", t.from}, {"to", t.to}, {"digest", t.digest}, {"already", t.already}});
  j["blobs_copied"] = r.blobs_copied;
  j["blobs_mounted"] = r.blobs_mounted;
  j["blobs_existing"] = r.blobs_existing;
  j["bytes"] = r.bytes;
  j["failures"] = nlohmann::ordered_json::array();
  for (auto& f : r.failures) j["failures"].push_back({{"image", f.cell}, {"phase", f.phase}, {"error", f.error}});
  return j.dump(2) + "\n";
}

}  // namespace dl::pipeline
