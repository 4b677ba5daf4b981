#include "builder/wheel/wheel_archive.h"

#include <sys/stat.h>

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>

#include "base/sha256.h"
#include "base/verified.h"
#include "builder/pypa/name.h"
#include "builder/pypa/version.h"
#include "builder/pypa/wheel_filename.h"
#include "builder/wheel/zip_reader.h"

namespace dl::wheel {

namespace {

constexpr size_t kMaxDistInfoFile = 64u << 20;  // RECORD of a big wheel is ~1 MB
const std::set<std::string> kSchemes = {"purelib", "platlib", "scripts", "headers", "data"};

// "" when safe, otherwise why not.
std::string unsafe_reason(const std::string& name) {
  if (name.empty()) return "empty name";
  if (name.find('\0') != std::string::npos) return "NUL in name";
  if (name.find('\\') != std::string::npos) return "backslash in name";
  if (name[0] == '/') return "absolute path";
  if (name.size() >= 2 && name[1] == ':') return "drive letter";
  size_t start = 0;
  while (start <= name.size()) {
    size_t slash = name.find('/', start);
    std::string part = name.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (part == "..") return "\"..\" component";
    if (part == ".") return "\".\" component";
    if (part.empty() && slash != std::string::npos) return "empty component";
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return "";
}

std::string type_name(uint32_t type) {
  switch (type) {
    case S_IFLNK: return "a symlink";
    case S_IFCHR: return "a character device";
    case S_IFBLK: return "a block device";
    case S_IFIFO: return "a FIFO";
    case S_IFSOCK: return "a socket";
    default: return "an unknown entry type";
  }
}

std::string strip_padding(std::string h) {
  while (!h.empty() && h.back() == '=') h.pop_back();
  return h;
}

// The whole content of entry `index` (small: the .dist-info files, a
// symlink's target), verified against the zip directory.
Result<std::string> read_small(ZipReader& z, size_t index, const std::string& label, uint64_t limit) {
  const ZipEntry& e = z.entries()[index];
  if (e.size > limit)
    return invalid(label + ": entry " + e.name + ": " + std::to_string(e.size) + " bytes (expected at most " +
                   std::to_string(limit) + ")");
  std::string out(size_t(e.size) + 1, '\0');  // + 1: room for the read that fails on an overlong stream
  size_t got = 0;
  z.start(index);
  while (true) {
    DL_ASSIGN_OR_RETURN(size_t n, z.read(out.data() + got, out.size() - got));
    if (n == 0) break;
    got += n;
  }
  out.resize(got);
  return out;
}

bool is_signature(const std::string& rel) { return rel == "RECORD.jws" || rel == "RECORD.p7s"; }

Result<WheelContents> inspect_uncached(const std::filesystem::path& whl, const std::string& filename) {
  WheelContents w;
  w.file = whl;
  w.filename = filename.empty() ? whl.filename().string() : filename;
  const std::string& label = w.filename;
  auto fn = pypa::parse_wheel_filename(w.filename);
  if (!fn.ok()) return fn.error().wrap(filename.empty() ? whl.string() : filename);
  DL_ASSIGN_OR_RETURN(auto zip, ZipReader::open(whl, label));

  std::string expected_dist_info = pypa::wheel_escape_name(fn->name) + "-" + fn->version.str() + ".dist-info";
  // Real wheels spell the directory as their project does ("Keras-2.2.4.dist-info"):
  // like pip, compare normalised names, not bytes.
  auto is_expected = [&](const std::string& top) {
    if (top.size() <= 10 || !top.ends_with(".dist-info")) return false;
    std::string stem = top.substr(0, top.size() - 10);
    auto dash = stem.rfind('-');
    if (dash == std::string::npos) return false;
    return pypa::normalize_name(stem.substr(0, dash)) == fn->normalized_name &&
           stem.substr(dash + 1) == fn->version.str();
  };
  std::set<std::string> names;
  std::set<std::string> dist_infos;
  std::map<std::string, std::string> small;  // dist-info file -> content
  const auto& zes = zip->entries();
  for (size_t i = 0; i < zes.size(); ++i) {
    const ZipEntry& ze = zes[i];
    std::string name = ze.name;
    bool is_dir = ze.type == S_IFDIR;
    if (is_dir && !name.empty() && name.back() == '/') name.pop_back();
    if (std::string why = unsafe_reason(name); !why.empty())
      return invalid(label + ": entry " + name + ": unsafe path: " + why +
                     " (expected a relative path with \"/\" separators and no \"..\")");
    if (ze.type != S_IFREG && !is_dir) {
      std::string what = type_name(ze.type);
      if (ze.type == S_IFLNK) {
        auto target = read_small(*zip, i, label, 4096);
        if (target.ok()) what += " to " + *target;
      }
      return invalid(label + ": entry " + name + ": is " + what + " (expected only regular files and directories)");
    }
    if (!names.insert(name + (is_dir ? "/" : "")).second)
      return invalid(label + ": entry " + name + ": appears twice in the zip (expected unique names)");
    std::string top = name.substr(0, name.find('/'));
    if (top.size() > 10 && top.ends_with(".dist-info")) dist_infos.insert(top);
    if (is_dir) continue;

    ArchiveEntry ae;
    ae.name = name;
    ae.size = ze.size;
    ae.mode = (ze.perm & 0111) ? 0755 : 0644;
    w.total_size += ae.size;
    if (is_expected(top) && name.find('/', top.size() + 1) == std::string::npos) {
      std::string rel = name.substr(top.size() + 1);
      if (rel == "WHEEL" || rel == "METADATA" || rel == "RECORD" || rel == "entry_points.txt") {
        DL_ASSIGN_OR_RETURN(small[rel], read_small(*zip, i, label, kMaxDistInfoFile));
      }
    }
    w.entries.push_back(std::move(ae));
  }

  if (dist_infos.empty()) return invalid(label + ": no .dist-info directory (expected " + expected_dist_info + "/)");
  if (dist_infos.size() > 1 || !is_expected(*dist_infos.begin())) {
    std::string found;
    for (auto& d : dist_infos) found += (found.empty() ? "" : ", ") + d;
    return invalid(label + ": .dist-info directory " + found + " does not match the filename (expected " +
                   expected_dist_info + ")");
  }
  w.dist_info = *dist_infos.begin();
  w.data_dir = w.dist_info.substr(0, w.dist_info.size() - 10) + ".data";
  for (const char* required : {"WHEEL", "METADATA", "RECORD"})
    if (!small.count(required)) return invalid(label + ": missing " + w.dist_info + "/" + required);

  auto where = [&](const char* f) { return label + ": " + w.dist_info + "/" + f; };
  DL_ASSIGN_OR_RETURN(w.wheel, parse_wheel_file(small["WHEEL"], where("WHEEL")));
  DL_ASSIGN_OR_RETURN(w.metadata, parse_metadata(small["METADATA"], where("METADATA")));
  DL_ASSIGN_OR_RETURN(w.record, parse_record(small["RECORD"], where("RECORD")));
  if (small.count("entry_points.txt")) {
    DL_ASSIGN_OR_RETURN(w.entry_points, parse_entry_points(small["entry_points.txt"], where("entry_points.txt")));
  }
  w.name = w.metadata.name;
  w.version = w.metadata.version;
  w.normalized_name = pypa::normalize_name(w.name);
  if (w.normalized_name != fn->normalized_name)
    return invalid(where("METADATA") + ": Name \"" + w.name + "\" does not match the filename (expected " +
                   fn->normalized_name + ")");
  auto mv = pypa::Version::parse(w.version);
  if (!mv.ok()) return mv.error().wrap(where("METADATA"));
  if (!(*mv == fn->version))
    return invalid(where("METADATA") + ": Version \"" + w.version + "\" does not match the filename (expected " +
                   fn->version.str() + ")");

  // RECORD <-> zip, both directions.
  std::map<std::string, const RecordLine*> by_path;
  for (auto& line : w.record) {
    if (!by_path.emplace(line.path, &line).second)
      return invalid(where("RECORD") + ":" + std::to_string(line.line) + ": " + line.path + " is listed twice");
  }
  std::string record_name = w.dist_info + "/RECORD";
  std::set<std::string> file_names;
  for (auto& ae : w.entries) {
    file_names.insert(ae.name);
    if (ae.name.starts_with(w.data_dir + "/")) {
      std::string rest = ae.name.substr(w.data_dir.size() + 1);
      size_t slash = rest.find('/');
      std::string scheme = rest.substr(0, slash);
      if (slash == std::string::npos)
        return invalid(label + ": entry " + ae.name + ": expected " + w.data_dir + "/<scheme>/<path>");
      if (!kSchemes.count(scheme))
        return invalid(label + ": entry " + ae.name + ": unknown .data scheme \"" + scheme +
                       "\" (expected purelib, platlib, scripts, headers or data)");
    }
    if (ae.name == record_name ||
        (ae.name.starts_with(w.dist_info + "/") && is_signature(ae.name.substr(w.dist_info.size() + 1))))
      continue;
    auto it = by_path.find(ae.name);
    if (it == by_path.end()) return invalid(label + ": entry " + ae.name + ": not listed in " + record_name);
    const RecordLine& rl = *it->second;
    if (!rl.hash.starts_with("sha256="))
      return invalid(label + ": entry " + ae.name + ": RECORD hash \"" + rl.hash + "\" (expected sha256=...)");
    if (rl.size && *rl.size != ae.size)
      return Error(ErrorKind::integrity, label + ": entry " + ae.name + ": zip directory declares " +
                                             std::to_string(ae.size) + " bytes but RECORD says " +
                                             std::to_string(*rl.size));
    ae.hash = strip_padding(rl.hash);
  }
  for (auto& line : w.record)
    if (!file_names.count(line.path))
      return invalid(where("RECORD") + ":" + std::to_string(line.line) + ": lists " + line.path +
                     " but the wheel has no such file");
  return w;
}

// One build inspects a shared wheel (numpy, six) for every image it goes
// into: once per process per file is enough while the file is unchanged
// (base/verified.h). Errors are not remembered.
struct InspectMemo {
  std::mutex mu;
  std::map<std::string, std::shared_ptr<const WheelContents>> wheels;  // key: path + " " + filename
};
InspectMemo& inspect_memo() {
  static InspectMemo m;
  return m;
}

}  // namespace

Result<WheelContents> inspect_wheel(const std::filesystem::path& whl, const std::string& filename) {
  std::string key = whl.string() + " " + filename, claim = "inspected " + filename;
  if (verified_before(whl.string(), claim)) {
    std::lock_guard<std::mutex> l(inspect_memo().mu);
    if (auto it = inspect_memo().wheels.find(key); it != inspect_memo().wheels.end()) return *it->second;
  }
  DL_ASSIGN_OR_RETURN(auto w, inspect_uncached(whl, filename));
  {
    std::lock_guard<std::mutex> l(inspect_memo().mu);
    if (inspect_memo().wheels.size() >= 4096) inspect_memo().wheels.clear();
    inspect_memo().wheels[key] = std::make_shared<const WheelContents>(w);
  }
  remember_verified(whl.string(), claim);
  return w;
}

Status stream_wheel(const WheelContents& w, const EntryVisitor& visit) {
  const std::string& label = w.filename;
  // Opened and checked again, as a whole: the file on disk is read now.
  DL_ASSIGN_OR_RETURN(auto zip, ZipReader::open(w.file, label));
  const auto& zes = zip->entries();
  size_t index = 0;
  std::vector<char> drain(1 << 16);
  for (size_t i = 0; i < zes.size(); ++i) {
    const ZipEntry& ze = zes[i];
    if (ze.type == S_IFDIR) continue;
    uint32_t mode = (ze.perm & 0111) ? 0755 : 0644;
    if (index >= w.entries.size() || ze.type != S_IFREG || w.entries[index].name != ze.name ||
        w.entries[index].size != ze.size || w.entries[index].mode != mode)
      return invalid(label + ": the zip changed since it was inspected");
    const ArchiveEntry& ae = w.entries[index++];
    zip->start(i);

    Sha256 sha;
    bool done = false;
    std::optional<Error> failed;
    // The zip reader bounds the entry by its size and checks its CRC32 at
    // the end; RECORD's hash is checked here.
    ContentReader checked = [&](char* buf, size_t cap) -> Result<size_t> {
      if (failed) return *failed;
      if (done) return size_t(0);
      DL_ASSIGN_OR_RETURN(size_t n, zip->read(buf, cap));
      if (n > 0) {
        sha.update(buf, n);
        return n;
      }
      done = true;
      if (!ae.hash.empty()) {
        std::string actual = record_hash_from_hex(sha.hex_digest());
        if (actual != ae.hash)
          return Error(ErrorKind::integrity, label + ": entry " + ae.name + ": content hash " + actual +
                                                 " does not match RECORD (expected " + ae.hash + ")");
      }
      return size_t(0);
    };
    // Remembers the first failure so a visitor that swallows it cannot hide it.
    ContentReader read = [&](char* buf, size_t cap) -> Result<size_t> {
      auto n = checked(buf, cap);
      if (!n.ok() && !failed) failed = n.error();
      return n;
    };
    Status visited = visit(ae, read);
    if (failed) return *failed;
    DL_TRY(visited);
    while (!done) {
      auto n = read(drain.data(), drain.size());
      if (!n.ok()) return n.error();
    }
  }
  if (index != w.entries.size()) return invalid(label + ": the zip changed since it was inspected");
  return {};
}

Result<WheelContents> verify_wheel(const std::filesystem::path& whl, const std::string& filename) {
  DL_ASSIGN_OR_RETURN(WheelContents w, inspect_wheel(whl, filename));
  DL_TRY(stream_wheel(w, [](const ArchiveEntry&, const ContentReader&) { return Status{}; }));
  return w;
}

}  // namespace dl::wheel
