#include "builder/wheel/lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "base/fs.h"
#include "builder/pypa/name.h"

namespace dl::wheel {

namespace {

void sort_wheels(std::vector<LockedWheel>& v) {
  std::sort(v.begin(), v.end(), [](const LockedWheel& a, const LockedWheel& b) {
    return std::make_pair(pypa::normalize_name(a.name), a.filename) <
           std::make_pair(pypa::normalize_name(b.name), b.filename);
  });
}

}  // namespace

std::string lock_to_json(const Lock& lock) {
  nlohmann::json cells = nlohmann::json::object();  // std::map-backed: keys sorted
  for (auto [id, wheels] : lock.cells) {
    sort_wheels(wheels);
    nlohmann::json list = nlohmann::json::array();
    for (auto& w : wheels)
      list.push_back({{"name", w.name}, {"version", w.version}, {"filename", w.filename},
                      {"url", w.url}, {"sha256", w.sha256}, {"size", w.size}});
    cells[id] = std::move(list);
  }
  nlohmann::json root = {{"version", 1}, {"cells", std::move(cells)}};
  return root.dump(2) + "\n";
}

Result<Lock> parse_lock(const std::string& text, const std::string& where) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return invalid(where + ": not a JSON object (expected a wheel lock)");
  if (!j.contains("version") || j["version"] != 1) return invalid(where + ": \"version\" (expected 1)");
  if (!j.contains("cells") || !j["cells"].is_object()) return invalid(where + ": missing \"cells\" object");
  Lock lock;
  for (auto& [id, list] : j["cells"].items()) {
    std::string at = where + ": cell " + id;
    if (!list.is_array()) return invalid(at + ": expected an array of wheels");
    auto& wheels = lock.cells[id];
    for (size_t i = 0; i < list.size(); ++i) {
      const auto& w = list[i];
      std::string wat = at + ": wheel " + std::to_string(i);
      if (!w.is_object()) return invalid(wat + ": expected an object");
      LockedWheel lw;
      for (auto [key, dst] : {std::pair{"name", &lw.name}, {"version", &lw.version}, {"filename", &lw.filename},
                              {"url", &lw.url}, {"sha256", &lw.sha256}}) {
        if (!w.contains(key) || !w[key].is_string()) return invalid(wat + ": missing \"" + key + "\" string");
        *dst = w[key].get<std::string>();
      }
      if (!w.contains("size") || !w["size"].is_number_unsigned())
        return invalid(wat + ": missing \"size\" (expected a byte count)");
      lw.size = w["size"].get<uint64_t>();
      if (lw.sha256.size() != 64 || lw.sha256.find_first_not_of("0123456789abcdef") != std::string::npos)
        return invalid(wat + ": sha256 \"" + lw.sha256 + "\" (expected 64 lowercase hex digits)");
      wheels.push_back(std::move(lw));
    }
    sort_wheels(wheels);
  }
  return lock;
}

Result<Lock> load_lock(const std::string& path) {
  DL_ASSIGN_OR_RETURN(std::string text, read_file(path));
  return parse_lock(text, path);
}

Status write_lock(const std::string& path, const Lock& lock) { return write_file_atomic(path, lock_to_json(lock)); }

Status merge_lock(const std::string& path, const Lock& ours, const std::function<bool(const std::string&)>& owned) {
  std::string guard = path + ".flock";
  int fd = ::open(guard.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return io_error(guard + ": cannot open: " + std::strerror(errno));
  // Held until close: a killed writer releases it with its process.
  while (::flock(fd, LOCK_EX) != 0)
    if (errno != EINTR) {
      int e = errno;
      ::close(fd);
      return io_error(guard + ": cannot lock: " + std::strerror(e));
    }
  Lock merged;
  Status st;
  if (std::filesystem::exists(path)) {
    auto current = load_lock(path);
    if (!current.ok()) st = current.error();
    else merged = std::move(*current);
  }
  if (st.ok()) {
    for (const auto& [key, wheels] : ours.cells)
      if (owned(key) || !merged.cells.count(key)) merged.cells[key] = wheels;
    st = write_lock(path, merged);
  }
  ::close(fd);
  return st;
}

std::set<std::string> affected_cells(const Lock& before, const Lock& after) {
  std::set<std::string> out;
  auto normalized = [](std::vector<LockedWheel> v) {
    sort_wheels(v);
    return v;
  };
  for (auto& [id, wheels] : before.cells) {
    auto it = after.cells.find(id);
    if (it == after.cells.end() || normalized(wheels) != normalized(it->second)) out.insert(id);
  }
  for (auto& [id, wheels] : after.cells)
    if (!before.cells.count(id)) out.insert(id);
  return out;
}

Result<std::vector<FetchedWheel>> fetch_locked(const Lock& lock, const std::string& cell, WheelCache& cache) {
  auto it = lock.cells.find(cell);
  if (it == lock.cells.end()) return not_found("lock has no cell " + cell);
  std::vector<FetchedWheel> out;
  for (auto& w : it->second) {
    auto f = cache.fetch(w.url, w.sha256);
    if (!f.ok()) return f.error().wrap("cell " + cell + ": " + w.filename);
    if (f->size != w.size)
      return Error(ErrorKind::integrity, "cell " + cell + ": " + w.filename + ": " + std::to_string(f->size) +
                                             " bytes, lock says " + std::to_string(w.size));
    out.push_back({w, std::move(*f)});
  }
  return out;
}

}  // namespace dl::wheel
