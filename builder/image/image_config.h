// The image configuration blob (OCI image-spec config.md; Docker's
// container.image.v1 has the same shape). Serialisation is canonical
// (sorted keys, no whitespace), so equal configs give equal digests.
// Keys dlimage does not model survive a parse/serialise round trip.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/sha256.h"

namespace dl::image {

struct HistoryEntry {
  std::string created, created_by, author, comment;
  bool empty_layer = false;
  bool operator==(const HistoryEntry&) const = default;
};

// The "config" object: how a container starts.
struct RunConfig {
  std::string user, working_dir, stop_signal;
  std::vector<std::string> env;  // "KEY=value"
  std::vector<std::string> entrypoint, cmd;
  std::map<std::string, std::string> labels;
  std::set<std::string> exposed_ports;  // "8888/tcp"
  std::set<std::string> volumes;
  std::map<std::string, std::string> extra;  // unmodelled keys -> raw JSON text
};

struct ImageConfig {
  std::string created;  // RFC 3339; see set_created()
  std::string author;
  std::string architecture = "amd64";
  std::string os = "linux";
  std::string variant, os_version;
  RunConfig config;
  std::vector<Digest> diff_ids;  // rootfs.diff_ids, bottom layer first
  std::vector<HistoryEntry> history;
  std::map<std::string, std::string> extra;  // e.g. container_config, docker_version

  // Builder helpers.
  void set_created(std::int64_t source_date_epoch);
  void set_env(const std::string& name, const std::string& value);  // replaces an existing NAME=
  std::string env(const std::string& name) const;                   // "" when unset
  // Appends a layer and its history line, stamped with `epoch`.
  void add_layer(const Digest& diff_id, const std::string& created_by, std::int64_t epoch,
                 const std::string& comment = "");
  void add_empty_history(const std::string& created_by, std::int64_t epoch);
};

Result<std::string> serialize(const ImageConfig& config);
// Errors name `source` and the JSON path, e.g. "base.json: rootfs.diff_ids[1]: expected sha256:<64 hex>".
Result<ImageConfig> parse_config(std::string_view json, const std::string& source);

}  // namespace dl::image
