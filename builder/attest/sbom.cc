#include "builder/attest/sbom.h"

#include <algorithm>
#include <map>
#include <set>

#include "builder/image/descriptor.h"

namespace dl::attest {

using nlohmann::json;

namespace {

// Percent-encodes what a purl component may not carry literally.
std::string pct(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '.' || c == '-' || c == '_' || c == '~' || c == '+')
      out += char(c);
    else
      out += std::string("%") + hex[c >> 4] + hex[c & 15];
  }
  return out;
}

std::string spdx_id_part(const std::string& s) {
  std::string out;
  for (char c : s) out += std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' ? c : '-';
  return out;
}

// "00112233-4455-5677-8899-aabbccddeeff" from a digest: a stable name.
std::string uuid_of(const std::string& hex) {
  std::string h = hex.substr(0, 32);
  h[12] = '5';                                            // name-based
  int v = h[16] <= '9' ? h[16] - '0' : h[16] - 'a' + 10;  // h is lowercase hex from sha256
  h[16] = "89ab"[v & 3];
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" + h.substr(20, 12);
}

struct Pkg {
  std::string sort_key;
  json j;
};

json checksum(const std::string& sha256) { return json::array({{{"algorithm", "SHA256"}, {"checksumValue", sha256}}}); }

json purl_ref(const std::string& purl) {
  return json::array(
      {{{"referenceCategory", "PACKAGE-MANAGER"}, {"referenceType", "purl"}, {"referenceLocator", purl}}});
}

}  // namespace

std::string pypi_purl(const std::string& name, const std::string& version) {
  std::string n;
  for (char c : name) {
    char l = char(std::tolower(static_cast<unsigned char>(c)));
    if (l == '_' || l == '.') l = '-';
    if (l == '-' && !n.empty() && n.back() == '-') continue;
    n += l;
  }
  return "pkg:pypi/" + pct(n) + "@" + pct(version);
}

std::string deb_purl(const std::string& distro, const std::string& name, const std::string& version,
                     const std::string& arch) {
  return "pkg:deb/" + distro + "/" + pct(name) + "@" + pct(version) + (arch.empty() ? "" : "?arch=" + pct(arch));
}

std::string oci_purl(const std::string& reference, const Digest& digest) {
  std::string repo = reference.substr(0, reference.find('@'));
  auto colon = repo.rfind(':'), slash = repo.rfind('/');
  if (colon != std::string::npos && (slash == std::string::npos || colon > slash)) repo.resize(colon);
  std::string name = slash == std::string::npos ? repo : repo.substr(repo.rfind('/') + 1);
  return "pkg:oci/" + pct(name) + "@" + pct(digest.str()) + "?repository_url=" + pct(repo);
}

json spdx_document(const ImageContents& c) {
  std::vector<Pkg> pkgs;
  auto add = [&](const std::string& order, std::string id, json j) {
    j["SPDXID"] = std::move(id);
    j["downloadLocation"] = j.value("downloadLocation", "NOASSERTION");
    j["filesAnalyzed"] = false;
    j["licenseConcluded"] = "NOASSERTION";
    j["licenseDeclared"] = "NOASSERTION";
    j["copyrightText"] = "NOASSERTION";
    pkgs.push_back({order, std::move(j)});
  };
  if (!c.base_reference.empty())
    add("0", "SPDXRef-Base-" + spdx_id_part(c.base_reference),
        {{"name", c.base_reference},
         {"versionInfo", c.base_digest.str()},
         {"primaryPackagePurpose", "CONTAINER"},
         {"checksums", checksum(c.base_digest.hex)},
         {"externalRefs", purl_ref(oci_purl(c.base_reference, c.base_digest))},
         {"comment", "base image, by manifest digest"}});
  for (auto& d : c.debs) {
    json j = {{"name", d.name},
              {"versionInfo", d.version},
              {"primaryPackagePurpose", "LIBRARY"},
              {"externalRefs", purl_ref(deb_purl(c.distro, d.name, d.version, d.arch))},
              {"comment", d.origin == "base" ? "OS package of the base image (dpkg status)"
                                             : "OS package installed by the build"}};
    if (!d.sha256.empty()) j["checksums"] = checksum(d.sha256);
    add("1" + d.name + "\x01" + d.arch + "\x01" + d.version,
        "SPDXRef-Deb-" + spdx_id_part(d.name) + "-" + spdx_id_part(d.version) + "-" + spdx_id_part(d.arch), j);
  }
  for (auto& w : c.wheels)
    add("2" + w.name + "\x01" + w.version + "\x01" + w.python,
        "SPDXRef-Wheel-" + spdx_id_part(w.name) + "-" + spdx_id_part(w.version) + "-py" + spdx_id_part(w.python),
        {{"name", w.name},
         {"versionInfo", w.version},
         {"packageFileName", w.filename},
         {"downloadLocation", w.url.empty() ? "NOASSERTION" : w.url},
         {"primaryPackagePurpose", "LIBRARY"},
         {"checksums", checksum(w.sha256)},
         {"externalRefs", purl_ref(pypi_purl(w.name, w.version))},
         {"comment", "wheel installed for Python " + w.python}});
  for (auto& a : c.artifacts)
    add("3" + a.url + "\x01" + a.dest, "SPDXRef-Artifact-" + spdx_id_part(a.dest),
        {{"name", a.dest},
         {"downloadLocation", a.url},
         {"primaryPackagePurpose", "FILE"},
         {"checksums", checksum(a.sha256)},
         {"comment", "artifact unpacked into " + a.dest}});
  std::stable_sort(pkgs.begin(), pkgs.end(), [](const Pkg& a, const Pkg& b) { return a.sort_key < b.sort_key; });
  // Unique SPDXIDs even for packages whose names differ only in characters
  // an SPDXID cannot hold.
  std::map<std::string, int> seen;
  for (auto& p : pkgs) {
    std::string id = p.j["SPDXID"];
    if (int n = seen[id]++; n > 0) p.j["SPDXID"] = id + "-" + std::to_string(n + 1);
  }

  json image = {{"SPDXID", "SPDXRef-Image"},
                {"name", c.reference},
                {"downloadLocation", "NOASSERTION"},
                {"filesAnalyzed", false},
                {"primaryPackagePurpose", "CONTAINER"},
                {"licenseConcluded", "NOASSERTION"},
                {"licenseDeclared", "NOASSERTION"},
                {"copyrightText", "NOASSERTION"}};
  json packages = json::array({image});
  json rels = json::array({{{"spdxElementId", "SPDXRef-DOCUMENT"},
                            {"relationshipType", "DESCRIBES"},
                            {"relatedSpdxElement", "SPDXRef-Image"}}});
  for (auto& p : pkgs) {
    bool base = p.sort_key == "0";
    rels.push_back({{"spdxElementId", "SPDXRef-Image"},
                    {"relationshipType", base ? "DESCENDANT_OF" : "CONTAINS"},
                    {"relatedSpdxElement", p.j["SPDXID"]}});
    packages.push_back(std::move(p.j));
  }
  json doc = {
      {"spdxVersion", "SPDX-2.3"},
      {"dataLicense", "CC0-1.0"},
      {"SPDXID", "SPDXRef-DOCUMENT"},
      {"name", c.reference},
      {"creationInfo", {{"created", image::rfc3339(c.created_epoch)}, {"creators", json::array({"Tool: " + c.tool})}}},
      {"packages", packages},
      {"relationships", rels}};
  // The namespace names this content: the same inputs, the same document.
  doc["documentNamespace"] = "urn:uuid:" + uuid_of(Digest::of(doc.dump()).hex);
  return doc;
}

}  // namespace dl::attest
