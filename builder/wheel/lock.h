// The wheel lock: for every image (cell) and each of its Pythons, the
// environment it was resolved for, its top-level requirements and the exact
// wheels of the closure. Builds read it and never consult an index when an
// entry is current; `dlimage lock` writes it without building.
//
// Made to be reviewed in a pull request: JSON with sorted keys, one line per
// wheel, entries keyed by what they are ("qingcloud/tensorflow:1.12-py27-cpu
// python2.7"), not by opaque ids, and byte-identical output for the same
// content. URLs never carry credentials: userinfo and credential-like query
// parameters are dropped before a URL is stored. A top-level "apt" object is
// kept verbatim for the OS-package lock that shares this file.
//
// Writers merge: update_lock() takes an exclusive flock on the lock's
// directory, re-reads the file, applies the change, writes a temp file and
// renames it, so concurrent writers each lose nothing of the others'.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "base/result.h"
#include "builder/wheel/cache.h"

namespace dl::wheel {

struct LockedWheel {
  std::string name, version, filename, url, sha256;
  uint64_t size = 0;
  std::vector<std::string> requires_;  // normalised names of its locked dependencies ("why is X here")
  bool operator==(const LockedWheel&) const = default;
};

struct LockedEnvironment {
  std::string cell;  // image reference: "qingcloud/tensorflow:1.12-py27-cpu"
  std::string python, abi, glibc;
  std::string variant;                    // "tensorflow=cpu-avx,torch=cpu"; "" = unlabelled sources only
  std::vector<std::string> requirements;  // top-level, as the recipe renders them for this cell
  std::vector<LockedWheel> wheels;        // sorted by normalised name
  bool operator==(const LockedEnvironment&) const = default;
  // Same environment and requirements: the entry answers this resolution.
  bool same_inputs(const LockedEnvironment& o) const {
    return cell == o.cell && python == o.python && abi == o.abi && glibc == o.glibc && variant == o.variant &&
           requirements == o.requirements;
  }
};

struct Lock {
  std::map<std::string, LockedEnvironment> environments;  // key: lock_key(cell, python)
  std::string apt = "{}";                                 // OS packages (JSON object), owned by the apt installer
  bool operator==(const Lock&) const = default;
};

// "qingcloud/tensorflow:1.12-py27-cpu python2.7"
std::string lock_key(const std::string& cell_ref, const std::string& python);

// "https://user:pw@h/x.whl?token=abc&v=1" -> "https://h/x.whl?v=1".
std::string lock_url(const std::string& url);

std::string lock_to_json(const Lock& lock);  // canonical: same lock, same bytes
// Errors name the source and the entry: "wheels.lock: environments[\"x python2.7\"]: wheels[2]: missing \"sha256\"".
Result<Lock> parse_lock(const std::string& json_text, const std::string& where);
Result<Lock> load_lock(const std::string& path);  // a missing file is an empty lock
Status write_lock(const std::string& path, const Lock& lock);
// Locked read-modify-write, safe against concurrent writers (see above).
Status update_lock(const std::string& path, const std::function<Status(Lock&)>& change);

// Environment keys whose entry differs between the two locks.
std::set<std::string> affected_cells(const Lock& before, const Lock& after);

struct FetchedWheel {
  LockedWheel wheel;
  CachedFile file;  // <cache>/sha256/<hex>: pass wheel.filename to inspect_wheel
};
// Brings every wheel of environment `key` into the cache, verifying sha256 and size.
Result<std::vector<FetchedWheel>> fetch_locked(const Lock& lock, const std::string& key, WheelCache& cache);

}  // namespace dl::wheel
