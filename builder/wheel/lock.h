// The wheel lock: for every cell (image) id, the exact wheels it gets. It is
// written by resolution and read by builds, so a build never consults an
// index and is reproducible byte for byte. JSON with sorted keys and cells,
// wheels sorted by normalised name; written atomically.
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
  bool operator==(const LockedWheel&) const = default;
};

struct Lock {
  std::map<std::string, std::vector<LockedWheel>> cells;  // cell id -> wheels
  bool operator==(const Lock&) const = default;
};

std::string lock_to_json(const Lock& lock);  // canonical: same lock, same bytes
// Errors name the source and the cell/entry: "wheels.lock: cell abc: wheel 2: missing \"sha256\"".
Result<Lock> parse_lock(const std::string& json_text, const std::string& where);
Result<Lock> load_lock(const std::string& path);
Status write_lock(const std::string& path, const Lock& lock);
// Concurrent builds (shards on one machine) share a lock file: under an
// exclusive flock on "<path>.flock", the file is re-read and only the entries
// `owned` says this run resolved are replaced, so nobody's entries are lost.
Status merge_lock(const std::string& path, const Lock& ours, const std::function<bool(const std::string& key)>& owned);

// Cells whose wheel list differs between the two locks (added, removed or changed).
std::set<std::string> affected_cells(const Lock& before, const Lock& after);

struct FetchedWheel {
  LockedWheel wheel;
  CachedFile file;  // <cache>/sha256/<hex>: pass wheel.filename to inspect_wheel
};
// Brings every wheel of `cell` into the cache, verifying sha256 and size.
Result<std::vector<FetchedWheel>> fetch_locked(const Lock& lock, const std::string& cell, WheelCache& cache);

}  // namespace dl::wheel
