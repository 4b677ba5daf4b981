#include "builder/deb/dpkg_db.h"

#include <algorithm>
#include <set>

#include "base/strings.h"

namespace dl::deb {

std::string info_name(const Paragraph& control) {
  std::string name = control.get("Package");
  if (control.get("Multi-Arch") == "same") name += ":" + control.get("Architecture");
  return name;
}

std::string status_key(const Paragraph& p) { return p.get("Package") + ":" + p.get("Architecture"); }

namespace {
// lib/dpkg/parse.c fieldinfos: the order dpkg writes status entries in.
const std::vector<std::string>& dpkg_field_order() {
  static const std::vector<std::string> order = {"Package",    "Essential",   "Protected",        "Status",
                                                 "Priority",   "Section",     "Installed-Size",   "Origin",
                                                 "Maintainer", "Bugs",        "Architecture",     "Multi-Arch",
                                                 "Source",     "Version",     "Config-Version",   "Replaces",
                                                 "Provides",   "Depends",     "Pre-Depends",      "Recommends",
                                                 "Suggests",   "Breaks",      "Conflicts",        "Enhances",
                                                 "Conffiles",  "Description", "Triggers-Pending", "Triggers-Awaited"};
  return order;
}
}  // namespace

Paragraph installed_entry(const Paragraph& control, const std::vector<std::string>& conffiles,
                          const std::map<std::string, std::string>& conffile_md5,
                          const std::map<std::string, std::string>& obsolete) {
  Paragraph in = control;
  in.set("Status", "install ok installed");
  std::string conf;
  for (const auto& c : conffiles) {
    auto it = conffile_md5.find(c);
    conf += "\n " + c + " " + (it == conffile_md5.end() ? std::string("newconffile") : it->second);
  }
  for (const auto& [path, md5] : obsolete) conf += "\n " + path + " " + md5 + " obsolete";
  if (!conf.empty()) in.set("Conffiles", conf);
  Paragraph out;
  for (const auto& f : dpkg_field_order())
    if (const Field* x = in.find(f)) out.fields.push_back(Field{f, x->value, x->line});
  for (const auto& x : in.fields)
    if (!out.has(x.name)) out.fields.push_back(x);
  return out;
}

std::string merge_status(const std::vector<Paragraph>& base, const std::vector<Paragraph>& added) {
  std::map<std::pair<std::string, std::string>, const Paragraph*> all;
  for (const auto& p : base) all[{p.get("Package"), p.get("Architecture")}] = &p;
  for (const auto& p : added) {
    // A package that changes architecture (all <-> amd64) replaces its old entry.
    for (auto it = all.begin(); it != all.end();)
      it = (it->first.first == p.get("Package") && p.get("Multi-Arch") != "same") ? all.erase(it) : std::next(it);
    all[{p.get("Package"), p.get("Architecture")}] = &p;
  }
  std::string out;
  for (const auto& [key, p] : all) {
    out += render(*p);
    out += "\n";
  }
  return out;
}

std::map<std::string, std::string> merge_triggers(
    const std::map<std::string, std::string>& base_files,
    const std::vector<std::pair<std::string, std::string>>& pkg_triggers) {
  std::map<std::string, std::set<std::string>> lines;  // file -> lines
  for (const auto& [path, content] : base_files)
    for (const auto& l : split(content, '\n'))
      if (!trim(l).empty()) lines[path].insert(l);
  for (const auto& [pkg, member] : pkg_triggers) {
    for (const auto& raw : split(member, '\n')) {
      std::string line = trim(raw);
      if (line.empty() || line[0] == '#') continue;
      auto words = split(line, ' ');
      std::erase_if(words, [](const std::string& w) { return w.empty(); });
      if (words.size() < 2 || !words[0].starts_with("interest")) continue;  // activate*: not run, effects reproduced
      std::string who = pkg + (words[0].ends_with("-noawait") ? "/noawait" : "");
      const std::string& name = words[1];
      if (name.starts_with("/"))
        lines[std::string(kDpkgDir) + "/triggers/File"].insert(name + " " + who);
      else
        lines[std::string(kDpkgDir) + "/triggers/" + name].insert(who);
    }
  }
  std::map<std::string, std::string> out;
  for (const auto& [path, set] : lines) {
    std::string s;
    for (const auto& l : set) s += l + "\n";
    out[path] = s;
  }
  return out;
}

std::vector<std::string> parse_conffiles(const std::string& member) {
  std::vector<std::string> out;
  for (const auto& raw : split(member, '\n')) {
    std::string line = trim(raw);
    if (line.empty()) continue;
    // dpkg >= 1.20 allows "remove-on-upgrade /path" flags before the path.
    auto sp = line.rfind(' ');
    out.push_back(sp == std::string::npos ? line : line.substr(sp + 1));
  }
  return out;
}

}  // namespace dl::deb
