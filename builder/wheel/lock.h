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
// kept verbatim for the OS-package lock that shares this file (keyed by image
// reference). Two more top-level objects pin what the images start from and
// download:
//   "bases":     base reference as the matrix names it
//                ("nvidia/cuda:10.0-cudnn7-runtime-ubuntu16.04") -> the
//                manifest digest an image is built on (the platform's
//                manifest when the reference names an index) and the platform
//   "artifacts": image reference -> its remote artifacts (URL without
//                credentials, sha256, size, destination)
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

// A base image pinned by digest: a build with this entry refuses a base
// whose reference now names another manifest (`dlimage lock --upgrade-base REF`).
struct LockedBase {
  std::string digest;    // "sha256:..." of the image manifest the cells are built on
  std::string platform;  // "linux/amd64": which manifest of an index that is
  bool operator==(const LockedBase&) const = default;
};

// A remote artifact (recipe `artifacts:` entry fetched over http(s)).
struct LockedArtifact {
  std::string dest, url, sha256;  // url: lock_url() of what was fetched
  uint64_t size = 0;
  bool operator==(const LockedArtifact&) const = default;
};

struct Lock {
  std::map<std::string, LockedEnvironment> environments;         // key: lock_key(cell, python)
  std::map<std::string, LockedBase> bases;                       // key: base reference, as the matrix names it
  std::map<std::string, std::vector<LockedArtifact>> artifacts;  // key: image reference; sorted by dest, url
  std::string apt = "{}";  // OS packages (JSON object), owned by the apt installer
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

// The one line a build says when a locked base moved: names the base, both
// digests and the command that re-pins it.
std::string base_moved_message(const std::string& ref, const std::string& locked, const std::string& found,
                               const std::string& where_found);

// Environment keys whose entry differs between the two locks.
std::set<std::string> affected_cells(const Lock& before, const Lock& after);

struct FetchedWheel {
  LockedWheel wheel;
  CachedFile file;  // <cache>/sha256/<hex>: pass wheel.filename to inspect_wheel
};
// Brings every wheel of environment `key` into the cache, verifying sha256 and size.
Result<std::vector<FetchedWheel>> fetch_locked(const Lock& lock, const std::string& key, WheelCache& cache);

}  // namespace dl::wheel
