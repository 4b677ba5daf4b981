#include "builder/wheel/install.h"

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <tuple>

#include "base/sha256.h"
#include "builder/wheel/scripts.h"
#include "builder/wheel/wheel_archive.h"

namespace dl::wheel {

namespace fs = std::filesystem;

InterpreterLayout InterpreterLayout::debian(const std::string& python_version, const std::string& interpreter,
                                            const std::string& site_packages) {
  InterpreterLayout l;
  l.python_version = python_version;
  std::string py = "python" + python_version;
  l.purelib = l.platlib = site_packages.empty() ? "usr/local/lib/" + py + "/dist-packages" : site_packages;
  l.scripts = "usr/local/bin";
  l.headers = "usr/local/include/" + py;
  l.data = "usr/local";
  l.interpreter = interpreter.empty() ? "/usr/bin/" + py : interpreter;
  return l;
}

namespace {

// What happens to one zip entry.
struct Target {
  std::string dest;  // image-root-relative
  uint32_t mode = 0644;
  bool is_script = false;  // from .data/scripts: "#!python" may be rewritten
};

struct Generated {
  std::string dest;
  std::string content;
  uint32_t mode = 0644;
};

struct WheelPlan {
  WheelContents w;
  std::string lib;                        // purelib or platlib: home of .dist-info
  std::map<std::string, Target> targets;  // zip entry -> destination (RECORD excluded)
  std::vector<Generated> generated;       // wrappers + INSTALLER, sorted by dest
  std::vector<std::string> scripts;
};

std::string join_path(const std::string& a, const std::string& b) { return a.empty() ? b : a + "/" + b; }

Result<WheelPlan> plan_wheel(WheelContents w, const InterpreterLayout& layout) {
  WheelPlan p;
  p.lib = w.wheel.root_is_purelib ? layout.purelib : layout.platlib;
  for (const ArchiveEntry& e : w.entries) {
    if (e.name == w.dist_info + "/RECORD" || e.name == w.dist_info + "/RECORD.jws" ||
        e.name == w.dist_info + "/RECORD.p7s" || e.name == w.dist_info + "/INSTALLER")
      continue;  // regenerated (signatures would no longer match the rewritten RECORD)
    Target t;
    t.mode = e.mode;
    if (e.name.starts_with(w.data_dir + "/")) {
      std::string rest = e.name.substr(w.data_dir.size() + 1);
      std::string scheme = rest.substr(0, rest.find('/'));
      std::string path = rest.substr(scheme.size() + 1);
      if (scheme == "purelib")
        t.dest = join_path(layout.purelib, path);
      else if (scheme == "platlib")
        t.dest = join_path(layout.platlib, path);
      else if (scheme == "headers")
        t.dest = join_path(join_path(layout.headers, w.name), path);
      else if (scheme == "data")
        t.dest = join_path(layout.data, path);
      else {  // scripts (inspect_wheel refused every other scheme)
        t.dest = join_path(layout.scripts, path);
        t.mode = 0755;
        t.is_script = true;
        p.scripts.push_back(t.dest);
      }
    } else {
      t.dest = join_path(p.lib, e.name);
    }
    p.targets.emplace(e.name, std::move(t));
  }
  for (const EntryPoint& ep : w.entry_points) {
    if (ep.group != "console_scripts" && ep.group != "gui_scripts") continue;
    auto text = entry_point_wrapper(ep, layout.interpreter);
    if (!text.ok()) return text.error().wrap(w.filename);
    std::string dest = join_path(layout.scripts, ep.name);
    p.generated.push_back({dest, std::move(*text), 0755});
    p.scripts.push_back(dest);
  }
  p.generated.push_back({join_path(p.lib, w.dist_info + "/INSTALLER"), "dlimage\n", 0644});
  std::sort(p.generated.begin(), p.generated.end(), [](auto& a, auto& b) { return a.dest < b.dest; });
  std::sort(p.scripts.begin(), p.scripts.end());
  p.w = std::move(w);
  return p;
}

// Every destination belongs to one wheel, and no file sits where another
// wheel needs a directory.
Status check_conflicts(const std::vector<WheelPlan>& plans) {
  std::map<std::string, const std::string*> owner;  // dest -> wheel filename
  auto claim = [&](const std::string& dest, const std::string& wheel) -> Status {
    auto [it, fresh] = owner.emplace(dest, &wheel);
    if (!fresh)
      return invalid(*it->second + " and " + wheel + " both install " + dest + " (expected each path from one wheel)");
    return {};
  };
  for (auto& p : plans) {
    for (auto& [entry, t] : p.targets) DL_TRY(claim(t.dest, p.w.filename));
    for (auto& g : p.generated) DL_TRY(claim(g.dest, p.w.filename));
    DL_TRY(claim(join_path(p.lib, p.w.dist_info + "/RECORD"), p.w.filename));
  }
  for (auto& [dest, wheel] : owner) {
    for (size_t slash = dest.find('/'); slash != std::string::npos; slash = dest.find('/', slash + 1)) {
      auto it = owner.find(dest.substr(0, slash));
      if (it != owner.end())
        return invalid(*it->second + " installs the file " + it->first + " but " + *wheel +
                       " needs it to be a directory for " + dest);
    }
  }
  return {};
}

Reader empty_reader() {
  return [](char*, size_t) -> Result<size_t> { return size_t(0); };
}

Reader string_reader(const std::string& s) {
  auto pos = std::make_shared<size_t>(0);
  return [&s, pos](char* buf, size_t cap) -> Result<size_t> {
    size_t n = std::min(cap, s.size() - *pos);
    std::copy_n(s.data() + *pos, n, buf);
    *pos += n;
    return n;
  };
}

// Emits directory entries so that each one precedes the files below it.
class Emitter {
 public:
  explicit Emitter(InstallSink& sink) : sink_(sink) {}
  Status parents(const std::string& path) {
    for (size_t slash = path.find('/'); slash != std::string::npos; slash = path.find('/', slash + 1)) {
      std::string dir = path.substr(0, slash);
      if (!dirs_.insert(dir).second) continue;
      InstallEntry d;
      d.path = dir;
      d.mode = 0755;
      d.type = InstallEntry::Type::dir;
      DL_TRY(sink_.add(d, empty_reader()));
    }
    return {};
  }
  Status file(const std::string& path, uint32_t mode, uint64_t size, const Reader& read) {
    DL_TRY(parents(path));
    InstallEntry f;
    f.path = path;
    f.mode = mode;
    f.size = size;
    return sink_.add(f, read);
  }

 private:
  InstallSink& sink_;
  std::set<std::string> dirs_;
};

// A .data/scripts file: its first line is read ahead; a "#!python" line is
// replaced, the rest streams through unchanged and is hashed on the way.
Status emit_script(Emitter& out, const WheelPlan& p, const ArchiveEntry& e, const Target& t, const ContentReader& in,
                   const InterpreterLayout& layout, std::string& hash_out, uint64_t& size_out) {
  std::string head;
  char c;
  while (head.size() < kMaxShebangLine) {
    DL_ASSIGN_OR_RETURN(size_t n, in(&c, 1));
    if (n == 0) break;
    head += c;
    if (c == '\n') break;
  }
  uint64_t size = e.size;
  if (is_python_shebang(head)) {
    if (head.back() != '\n' && head.size() == kMaxShebangLine)
      return invalid(p.w.filename + ": entry " + e.name + ": \"#!python\" line longer than " +
                     std::to_string(kMaxShebangLine) + " bytes");
    size -= head.size();
    head = rewritten_shebang(layout.interpreter);
    size += head.size();
  }
  Sha256 sha;
  size_t head_pos = 0;
  Reader r = [&](char* buf, size_t cap) -> Result<size_t> {
    size_t n;
    if (head_pos < head.size()) {
      n = std::min(cap, head.size() - head_pos);
      std::copy_n(head.data() + head_pos, n, buf);
      head_pos += n;
    } else {
      DL_ASSIGN_OR_RETURN(n, in(buf, cap));
    }
    sha.update(buf, n);
    return n;
  };
  DL_TRY(out.file(t.dest, t.mode, size, r));
  hash_out = record_hash_from_hex(sha.hex_digest());
  size_out = size;
  return {};
}

Status install_one(Emitter& out, const WheelPlan& p, const InterpreterLayout& layout, InstalledWheel& report) {
  // RECORD lines: path relative to the .dist-info's parent -> (hash, size).
  std::map<std::string, std::pair<std::string, uint64_t>> record;
  auto rel = [&](const std::string& dest) { return fs::path(dest).lexically_relative(p.lib).generic_string(); };
  Status streamed = stream_wheel(p.w, [&](const ArchiveEntry& e, const ContentReader& in) -> Status {
    auto it = p.targets.find(e.name);
    if (it == p.targets.end()) return {};  // RECORD etc.: verified, regenerated below
    const Target& t = it->second;
    std::string hash = e.hash;
    uint64_t size = e.size;
    if (t.is_script) {
      DL_TRY(emit_script(out, p, e, t, in, layout, hash, size));
    } else {
      DL_TRY(out.file(t.dest, t.mode, e.size, in));
    }
    record[rel(t.dest)] = {hash, size};
    report.files++;
    report.bytes += size;
    return {};
  });
  DL_TRY(streamed);
  for (const Generated& g : p.generated) {
    DL_TRY(out.file(g.dest, g.mode, g.content.size(), string_reader(g.content)));
    record[rel(g.dest)] = {record_hash_from_hex(Sha256::hex(g.content)), g.content.size()};
    report.files++;
    report.bytes += g.content.size();
  }
  std::string record_path = p.w.dist_info + "/RECORD";
  // RECORD lists itself (without a hash) in path order, but is written last.
  std::map<std::string, std::string> lines;
  for (auto& [path, hs] : record) lines[path] = format_record_line(path, hs.first, hs.second);
  lines[record_path] = format_record_line(record_path, "", std::nullopt);
  std::string text;
  for (auto& [path, line] : lines) text += line;
  DL_TRY(out.file(join_path(p.lib, record_path), 0644, text.size(), string_reader(text)));
  report.files++;
  report.bytes += text.size();
  return {};
}

}  // namespace

Result<std::vector<InstalledWheel>> install_wheels(const std::vector<fs::path>& wheels, const InterpreterLayout& layout,
                                                   InstallSink& sink) {
  std::vector<WheelContents> inspected;
  for (auto& whl : wheels) {
    DL_ASSIGN_OR_RETURN(WheelContents w, inspect_wheel(whl));
    inspected.push_back(std::move(w));
  }
  return install_inspected(std::move(inspected), layout, sink);
}

Result<std::vector<InstalledWheel>> install_inspected(std::vector<WheelContents> wheels,
                                                      const InterpreterLayout& layout, InstallSink& sink) {
  std::vector<WheelPlan> plans;
  for (auto& w : wheels) {
    DL_ASSIGN_OR_RETURN(WheelPlan p, plan_wheel(std::move(w), layout));
    plans.push_back(std::move(p));
  }
  std::sort(plans.begin(), plans.end(), [](const WheelPlan& a, const WheelPlan& b) {
    return std::tie(a.w.normalized_name, a.w.filename) < std::tie(b.w.normalized_name, b.w.filename);
  });
  DL_TRY(check_conflicts(plans));
  Emitter out(sink);
  std::vector<InstalledWheel> done;
  for (auto& p : plans) {
    InstalledWheel r;
    r.name = p.w.name;
    r.version = p.w.version;
    r.filename = p.w.filename;
    r.scripts = p.scripts;
    DL_TRY(install_one(out, p, layout, r));
    done.push_back(std::move(r));
  }
  return done;
}

}  // namespace dl::wheel
