#include "builder/pipeline/report_html.h"

#include <charconv>
#include <cstdio>
#include <map>
#include <set>
#include <tuple>

#include "base/plural.h"
#include "base/strings.h"
#include "registry/reference/reference.h"

namespace dl::pipeline {

namespace {

// Everything shown comes from outside (tags, package names, error text):
// escaped for text and for quoted attributes alike.
std::string esc(const std::string& s) {
  std::string o;
  o.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '&': o += "&amp;"; break;
      case '"': o += "&quot;"; break;
      case '\'': o += "&#39;"; break;
      default: o += c;
    }
  }
  return o;
}

std::string mib(std::uint64_t b) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MiB", double(b) / (1 << 20));
  return buf;
}

std::string size_cell(std::uint64_t b) {
  return b ? mib(b) + " <small>(" + std::to_string(b) + " B)</small>" : "unknown";
}

// A stable colour per layer digest, so shared layers look the same everywhere.
std::string colour(const std::string& digest) {
  unsigned h = 0;  // stays 0 for a digest too short or not hex: any colour will do
  if (digest.size() >= 13) std::from_chars(digest.data() + 7, digest.data() + 13, h, 16);
  char buf[32];
  std::snprintf(buf, sizeof buf, "hsl(%u,55%%,62%%)", h % 360);
  return buf;
}

const char* kStyle = R"(<style>
body{font:14px system-ui,sans-serif;margin:24px;color:#222}table{border-collapse:collapse;margin:12px 0}
td,th{border:1px solid #ccc;padding:4px 6px;font-size:12px;vertical-align:top;text-align:left}th{background:#f4f4f4}
.built{background:#dbeafe}.failed{background:#fecaca}.pushed{background:#bbf7d0}.unchanged{background:#e5e7eb}
.bar{display:flex;height:14px;width:420px;border:1px solid #999}.bar span{display:block;height:100%}
.shared{outline:2px solid #333;outline-offset:-2px}code,pre{font-size:11px}pre{white-space:pre-wrap;margin:0}
.status{display:inline-block;padding:4px 10px;border-radius:4px;font-weight:bold}.ok{background:#bbf7d0}
.bad{background:#fecaca}.sw{display:inline-block;width:12px;height:12px;border:1px solid #999;vertical-align:middle}
code.pull{user-select:all;display:block;word-break:break-all;margin-top:2px;color:#1e3a8a}
#images td:first-child{max-width:560px}
</style>)";

struct View {
  const ReleaseReport& r;
  std::map<std::string, std::string> status;  // cell id -> built|pushed|unchanged|failed
  std::map<std::string, const PushedCell*> pushed;
  std::vector<CellFailure> failures;
};

View view_of(const ReleaseReport& r) {
  View v{r, {}, {}, r.failures};
  for (auto& c : r.build.cells) v.status[c.cell.id] = "built";
  for (auto& c : r.build.failed_cells) v.status[c.id] = "failed";
  if (r.push)
    for (auto& p : r.push->cells) {
      v.pushed[p.id] = &p;
      v.status[p.id] = p.failed ? "failed" : p.skipped ? "unchanged" : "pushed";
    }
  if (!r.error.empty()) v.failures.insert(v.failures.begin(), {"(the run)", "stopped", r.error});
  return v;
}

std::string run_section(const View& v) {
  const RunInfo& run = v.r.run;
  char secs[32];
  std::snprintf(secs, sizeof secs, "%.1f s", run.seconds);
  auto row = [](const std::string& k, const std::string& val) {
    return "<tr><th>" + k + "</th><td>" + val + "</td></tr>";
  };
  std::string h = "<h2>Run</h2><table id=\"run\">";
  h += row("dlimage", esc(run.version) + " (commit <code>" + esc(run.commit) + "</code>)");
  h += row("command line", "<pre id=\"command-line\">" + esc(run.command_line) + "</pre>");
  h += row("registry", run.registry.empty() ? "not pushed (layout only)" : "<code>" + esc(run.registry) + "</code>");
  h += row("started", esc(run.started) + " UTC");
  h += row("duration", secs);
  h += row("compared with", v.r.previous.source.empty() ? "nothing (first run)" : esc(v.r.previous.source));
  h += row("images", std::to_string(v.r.build.cells.size()) + " built, " + count_of(v.failures.size(), "failure") +
                         "; " + esc(v.r.build.dedup.str()));
  if (const auto& p = v.r.push)
    h += row("push", std::to_string(p->manifests_put) + " manifests put, " + std::to_string(p->cells_skipped) +
                         " images already up to date, " + std::to_string(p->blobs_uploaded) + " blobs uploaded (" +
                         mib(p->bytes_uploaded) + "), " + std::to_string(p->blobs_mounted) + " mounted, " +
                         std::to_string(p->blobs_existing) + " already present");
  return h + "</table>";
}

std::string failures_section(const View& v) {
  if (v.failures.empty()) return "";
  std::string h = "<h2>Failures</h2><table id=\"failures\"><tr><th>image</th><th>phase</th><th>cause</th></tr>";
  for (auto& f : v.failures)
    h += "<tr class=\"failed\"><td><code>" + esc(f.cell) + "</code></td><td>" + esc(f.phase) + "</td><td><pre>" +
         esc(f.error) + "</pre></td></tr>";
  return h + "</table>";
}

// Columns in the order a reader scans them: accelerator, python, then ISA
// by rank (generic before avx before avx2), not alphabetically.
using ColKey = std::tuple<std::string, std::string, int, std::string>;
ColKey col_of(const matrix::Cell& c) { return {c.accelerator.key, c.python, c.isa.rank, c.isa.key}; }

std::string legend_section(const View& v) {
  std::string h = "<h2>Legend</h2><table id=\"legend\"><tr><th>colour</th><th>status</th></tr>";
  for (auto [cls, what] : {std::pair{"built", "built into the layout, not pushed"},
                           {"pushed", "pushed by this run"},
                           {"unchanged", "already in the registry at this digest: nothing sent"},
                           {"failed", "failed (see Failures)"}})
    h += std::string("<tr><td class=\"") + cls + "\"><span class=\"sw\"></span></td><td><b>" + cls + "</b>: " + what +
         "</td></tr>";
  h += "</table><table id=\"isa-legend\"><tr><th>rank</th><th>ISA column</th><th>CPU features it needs</th></tr>";
  std::map<std::pair<int, std::string>, std::string> isas;
  for (auto& c : v.r.build.cells) isas[{c.cell.isa.rank, c.cell.isa.key}] = join(c.cell.isa.features, " ");
  for (auto& [k, f] : isas)
    h += "<tr><td>" + std::to_string(k.first) + "</td><td>" + esc(k.second) + "</td><td>" +
         (f.empty() ? "none (any x86-64)" : esc(f)) + "</td></tr>";
  return h +
         "</table><p>Higher ranks run on fewer CPUs and faster; <code>dlimage resolve</code> picks the highest "
         "rank a machine supports. Sizes: compressed is what is pulled, uncompressed what is unpacked on disk.</p>";
}

// Every selected image: the built ones, and those that failed before they
// were built (no size; the Failures section says why).
std::string grid_section(const View& v) {
  std::map<ColKey, std::string> cols;
  std::map<std::string, std::map<ColKey, std::pair<const matrix::Cell*, const CellResult*>>> grid;
  auto place = [&](const matrix::Cell& c, const CellResult* built) {
    cols[col_of(c)] = c.accelerator.key + " · py" + c.python + " · " + c.isa.key;
    grid[c.repo + " " + c.version][col_of(c)] = {&c, built};
  };
  for (auto& c : v.r.build.cells) place(c.cell, &c);
  for (auto& c : v.r.build.failed_cells) place(c, nullptr);
  std::string h = "<h2>Matrix</h2><table id=\"grid\"><tr><th>image</th>";
  for (auto& [k, name] : cols) h += "<th>" + esc(name) + "</th>";
  h += "</tr>";
  for (auto& [row, cells] : grid) {
    h += "<tr><th>" + esc(row) + "</th>";
    for (auto& [k, name] : cols) {
      auto it = cells.find(k);
      if (it == cells.end()) {
        h += "<td></td>";
        continue;
      }
      const auto& [cell, built] = it->second;
      const std::string& st = v.status.at(cell->id);
      h += "<td class=\"cell " + st + "\" data-cell=\"" + esc(cell->id) + "\">" + esc(join(cell->tags, ", ")) + "<br>" +
           (built ? mib(built->size) + " · " : std::string()) + st + "</td>";
    }
    h += "</tr>";
  }
  return h + "</table>";
}

// `docker pull` lines for one image: by digest first (what signs off), then
// each tag, as pushed when pushed.
std::string pulls(const CellResult& c, const PushedCell* p) {
  std::vector<std::string> tags = p && !p->failed ? p->tags : c.cell.refs();
  std::string h, digest = c.manifest.digest.str();
  if (auto ref = registry::parse_reference(tags.empty() ? c.cell.ref() : tags.front()); ref.ok())
    h += "<code class=\"pull\">docker pull " + esc(ref->name() + "@" + digest) + "</code>";
  for (auto& t : tags) {
    auto ref = registry::parse_reference(t);
    h += "<code class=\"pull\">docker pull " + esc(ref.ok() ? ref->str() : t) + "</code>";
  }
  return h;
}

std::string list_block(const char* what, const std::vector<std::string>& items) {
  if (items.empty()) return std::string("<div>") + what + ": none</div>";
  // Short lists open, so a screenshot shows them; long ones a click away.
  std::string h = std::string(items.size() <= 12 ? "<details open>" : "<details>") + "<summary>" + what + " (" +
                  std::to_string(items.size()) + ")</summary><pre>";
  for (auto& i : items) h += esc(i) + "\n";
  return h + "</pre></details>";
}

std::string images_section(const View& v) {
  std::string h =
      "<h2>Images</h2><table id=\"images\"><tr><th>image, digest and <code>docker pull</code> (by digest, by "
      "tag)</th><th>status</th><th>changed since the last run</th><th>compressed</th><th>uncompressed</th>"
      "<th>contents</th></tr>";
  for (size_t i = 0; i < v.r.build.cells.size(); ++i) {
    const CellResult& c = v.r.build.cells[i];
    CellDetails d = i < v.r.details.size() ? v.r.details[i] : CellDetails{};
    auto p = v.pushed.find(c.cell.id);
    const std::string& st = v.status.at(c.cell.id);
    h += "<tr data-image=\"" + esc(c.cell.ref()) + "\"><td><b><code>" + esc(c.cell.ref()) +
         "</code></b><br><code class=\"digest\">" + esc(c.manifest.digest.str()) + "</code>" +
         pulls(c, p == v.pushed.end() ? nullptr : p->second) + "</td><td class=\"" + st + "\">" + st +
         "</td><td class=\"changes\">" + esc(join(d.changes, "; ")) + "</td><td>" + size_cell(c.size) + "</td><td>" +
         size_cell(d.uncompressed) + "</td><td>";
    if (c.auto_index)
      h += "an index over the images it points at (auto tag)";
    else
      h += "<div>base <code>" + esc(d.inputs.base_ref) + "</code><br><code class=\"base-digest\">" +
           esc(d.inputs.base_digest) + "</code></div>" + list_block("OS packages", c.os_packages) +
           list_block("wheels", c.wheels);
    h += "</td></tr>";
  }
  return h + "</table>";
}

std::string layers_section(const View& v) {
  std::map<std::string, int> uses;  // layer digest -> images using it
  for (auto& c : v.r.build.cells)
    for (auto& l : c.layers) uses[l.descriptor.digest.str()]++;
  std::string h =
      "<h2>Layers</h2><p>Each bar is one image, bottom layer first, widths by size; outlined layers are shared with "
      "other images.</p><table id=\"layers\">";
  for (auto& c : v.r.build.cells) {
    h += "<tr><td><code>" + esc(c.cell.ref()) + "</code></td><td><div class=\"bar\">";
    double total = 0;
    for (auto& l : c.layers) total += double(l.descriptor.size);
    for (auto& l : c.layers) {
      std::string d = l.descriptor.digest.str();
      double w = total > 0 ? 100.0 * double(l.descriptor.size) / total : 0;
      char width[32];
      std::snprintf(width, sizeof width, "%.2f%%", w < 0.5 ? 0.5 : w);
      h += "<span class=\"layer" + std::string(uses[d] > 1 ? " shared" : "") + "\" style=\"width:" + width +
           ";background:" + colour(d) + "\" title=\"" +
           esc(l.kind + " " + d + " " + mib(std::uint64_t(l.descriptor.size)) + ", in " + std::to_string(uses[d]) +
               " images") +
           "\"></span>";
    }
    h += "</div></td><td>" + mib(c.size) + "</td></tr>";
  }
  return h + "</table>";
}

}  // namespace

std::string render_html_report(const ReleaseReport& r) {
  View v = view_of(r);
  bool ok = v.failures.empty();
  std::string h =
      std::string("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>dlimage release report</title>") + kStyle +
      "</head><body><h1>dlimage release report</h1>";
  h += std::string("<p id=\"verdict\" class=\"status ") + (ok ? "ok\">OK: every image built" : "bad\">FAILED: ") +
       (ok ? (r.push ? " and pushed" : "") : count_of(v.failures.size(), "failure") + ", see below") + "</p>";
  h += run_section(v) + failures_section(v) + legend_section(v) + grid_section(v) + images_section(v) +
       layers_section(v);
  h += "<h2>Phases</h2><pre id=\"phases\">" + esc(r.build.phases.report()) + "</pre></body></html>\n";
  return h;
}

}  // namespace dl::pipeline
