#include "builder/sign/cosign.h"

#include <nlohmann/json.hpp>

#include "base/base64.h"
#include "base/json_limits.h"

namespace dl::sign {

namespace {

using nlohmann::json;

constexpr size_t kMaxPayload = 64 * 1024;  // a payload is ~250 bytes
constexpr size_t kMaxSignatures = 256;     // layers in one signature manifest

// "host/repo:tag" -> "host/repo" (a port's colon comes before the last '/').
std::string repository_of(const std::string& ref) {
  auto at = ref.find('@');
  std::string r = at == std::string::npos ? ref : ref.substr(0, at);
  auto colon = r.rfind(':'), slash = r.rfind('/');
  if (colon != std::string::npos && (slash == std::string::npos || colon > slash)) r.resize(colon);
  return r;
}

Result<std::string> read_small_blob(store::ImageStore& repo, const store::BlobRef& b, size_t max) {
  if (b.size > max)
    return invalid("blob " + b.digest.str() + " is " + std::to_string(b.size) + " bytes; a payload is < 64 KiB");
  DL_ASSIGN_OR_RETURN(auto src, repo.open_blob(b));
  std::string out;
  DL_TRY(src->write_to([&](const char* d, size_t n) -> Status {
    if (out.size() + n > max) return invalid("blob " + b.digest.str() + " is larger than its descriptor says");
    out.append(d, n);
    return {};
  }));
  if (Digest::of(out) != b.digest)
    return Error(ErrorKind::integrity, "blob " + b.digest.str() + " does not match its digest");
  return out;
}

// The signature manifest's layers, or none when the tag does not exist.
Result<json> existing_layers(store::ImageStore& repo, const std::string& tag) {
  auto m = repo.get_manifest(tag);
  if (!m.ok()) {
    if (store::is_not_found(m.error())) return json::array();
    return m.error();
  }
  std::string what = repo.name() + ":" + tag;
  DL_TRY(check_json_limits(m->bytes, what));
  auto j = json::parse(m->bytes, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("layers") || !j["layers"].is_array())
    return invalid(what + ": not a signature manifest (no layers)");
  if (j["layers"].size() > kMaxSignatures)
    return invalid(what + ": " + std::to_string(j["layers"].size()) + " signatures; at most " +
                   std::to_string(kMaxSignatures));
  return j["layers"];
}

struct Layer {
  store::BlobRef blob;
  std::string signature_b64;
};
std::optional<Layer> as_signature_layer(const json& l) {
  if (!l.is_object() || l.value("mediaType", "") != kSimpleSigningMediaType) return std::nullopt;
  auto d = Digest::parse(l.value("digest", ""));
  if (!d.ok() || !l.contains("size") || !l["size"].is_number_unsigned()) return std::nullopt;
  Layer out{{std::string(kSimpleSigningMediaType), *d, l["size"].get<std::uint64_t>()}, ""};
  if (l.contains("annotations") && l["annotations"].is_object()) {
    const auto& a = l["annotations"];
    auto it = a.find(std::string(kSignatureAnnotation));
    if (it != a.end() && it->is_string()) out.signature_b64 = it->get<std::string>();
  }
  return out;
}

bool signature_verifies(const Layer& l, std::string_view payload, const PublicKey& key) {
  auto der = base64_decode(l.signature_b64);
  return der && key.verify(payload, *der);
}

// cosign's config: a config naming the payload layers, so the signature
// manifest is an image any registry accepts.
std::string signature_config(const json& layers) {
  json diff_ids = json::array();
  for (auto& l : layers) diff_ids.push_back(l.value("digest", ""));
  json c = {{"architecture", ""},
            {"created", "0001-01-01T00:00:00Z"},
            {"history", json::array({json{{"created", "0001-01-01T00:00:00Z"}}})},
            {"os", ""},
            {"rootfs", {{"type", "layers"}, {"diff_ids", diff_ids}}},
            {"config", json::object()}};
  return c.dump();
}

}  // namespace

std::string signature_tag(const Digest& manifest) { return manifest.algorithm + "-" + manifest.hex + ".sig"; }

std::string simple_signing_payload(const std::string& docker_reference, const Digest& manifest) {
  json p = {{"critical",
             {{"identity", {{"docker-reference", docker_reference}}},
              {"image", {{"docker-manifest-digest", manifest.str()}}},
              {"type", kPayloadType}}},
            {"optional", nullptr}};
  return p.dump();
}

Result<Payload> parse_payload(std::string_view bytes, const std::string& what) {
  DL_TRY(check_json_limits(bytes, what, {kMaxPayload, 8}));
  auto j = json::parse(bytes, nullptr, false);
  auto bad = [&](const std::string& why) { return invalid(what + ": not a cosign simple-signing payload: " + why); };
  if (j.is_discarded() || !j.is_object()) return bad("not a JSON object");
  for (auto& [k, _] : j.items())
    if (k != "critical" && k != "optional") return bad("unknown field '" + k + "'");
  if (!j.contains("critical") || !j["critical"].is_object()) return bad("no 'critical'");
  const auto& c = j["critical"];
  if (c.size() != 3 || c.value("type", "") != kPayloadType)
    return bad("'critical.type' is not '" + std::string(kPayloadType) + "'");
  const auto& id = c.contains("identity") ? c["identity"] : json();
  const auto& im = c.contains("image") ? c["image"] : json();
  if (!id.is_object() || id.size() != 1 || !id.contains("docker-reference") || !id["docker-reference"].is_string())
    return bad("'critical.identity' must hold exactly docker-reference");
  if (!im.is_object() || im.size() != 1 || !im.contains("docker-manifest-digest") ||
      !im["docker-manifest-digest"].is_string())
    return bad("'critical.image' must hold exactly docker-manifest-digest");
  auto d = Digest::parse(im["docker-manifest-digest"].get<std::string>());
  if (!d.ok()) return bad(d.error().message());
  return Payload{id["docker-reference"].get<std::string>(), *d};
}

Result<bool> attach_signature(store::ImageStore& repo, const std::string& docker_reference, const Digest& manifest,
                              const PrivateKey& key) {
  const std::string tag = signature_tag(manifest);
  std::string payload = simple_signing_payload(docker_reference, manifest);
  Digest payload_digest = Digest::of(payload);
  DL_ASSIGN_OR_RETURN(auto pub, key.public_key());
  DL_ASSIGN_OR_RETURN(json layers, existing_layers(repo, tag));
  for (auto& l : layers) {
    auto sl = as_signature_layer(l);
    if (sl && sl->blob.digest == payload_digest && signature_verifies(*sl, payload, pub)) return false;
  }
  DL_ASSIGN_OR_RETURN(auto der, key.sign(payload));
  layers.push_back({{"mediaType", kSimpleSigningMediaType},
                    {"digest", payload_digest.str()},
                    {"size", payload.size()},
                    {"annotations", {{std::string(kSignatureAnnotation), base64_encode(der)}}}});
  std::string config = signature_config(layers);
  json m = {{"schemaVersion", 2},
            {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
            {"config",
             {{"mediaType", "application/vnd.oci.image.config.v1+json"},
              {"digest", Digest::of(config).str()},
              {"size", config.size()}}},
            {"layers", layers}};
  // Blobs before the manifest: a reader never finds a tag naming nothing.
  DL_TRY(repo.put_blobs({store::memory_blob(payload, std::string(kSimpleSigningMediaType)),
                         store::memory_blob(config, "application/vnd.oci.image.config.v1+json")}));
  auto put = repo.put_manifest("application/vnd.oci.image.manifest.v1+json", m.dump(), tag);
  if (!put.ok()) return put.error().wrap(repo.name() + ":" + tag);
  return true;
}

Result<SignatureCheck> check_signatures(store::ImageStore& repo, const std::string& docker_reference,
                                        const Digest& manifest, const PublicKey& key) {
  const std::string tag = signature_tag(manifest);
  auto head = repo.head_manifest(tag);
  if (!head.ok()) {
    if (store::is_not_found(head.error())) return not_found(repo.name() + ": no signature (" + tag + ")");
    return head.error();
  }
  DL_ASSIGN_OR_RETURN(json layers, existing_layers(repo, tag));
  SignatureCheck out;
  for (auto& l : layers) {
    auto sl = as_signature_layer(l);
    if (!sl) continue;
    ++out.signatures;
    std::string what = repo.name() + ":" + tag + " layer " + sl->blob.digest.str().substr(0, 19);
    auto payload = read_small_blob(repo, sl->blob, kMaxPayload);
    if (!payload.ok()) {
      out.problems.push_back(what + ": " + payload.error().message());
      continue;
    }
    auto p = parse_payload(*payload, what);
    if (!p.ok()) {
      out.problems.push_back(p.error().message());
      continue;
    }
    if (p->manifest != manifest) {
      out.problems.push_back(what + ": signs " + p->manifest.str() + ", not " + manifest.str());
      continue;
    }
    if (!docker_reference.empty() && p->docker_reference != docker_reference &&
        repository_of(p->docker_reference) != repository_of(docker_reference)) {
      out.problems.push_back(what + ": signs " + p->docker_reference + ", not " + docker_reference);
      continue;
    }
    if (!signature_verifies(*sl, *payload, key)) {
      out.problems.push_back(what + ": the signature does not verify with this key");
      continue;
    }
    ++out.valid;
  }
  return out;
}

}  // namespace dl::sign
