#include "builder/pipeline/report_html.h"

#include <charconv>
#include <cstdio>
#include <map>
#include <set>

#include "base/strings.h"

namespace dl::pipeline {

namespace {

std::string esc(const std::string& s) {
  std::string o;
  for (char c : s) {
    switch (c) {
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '&': o += "&amp;"; break;
      case '"': o += "&quot;"; break;
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

// A stable colour per layer digest, so shared layers look the same everywhere.
std::string colour(const std::string& digest) {
  unsigned h = 0;  // stays 0 for a digest too short or not hex: any colour will do
  if (digest.size() >= 13) std::from_chars(digest.data() + 7, digest.data() + 13, h, 16);
  char buf[32];
  std::snprintf(buf, sizeof buf, "hsl(%u,55%%,62%%)", h % 360);
  return buf;
}

}  // namespace

std::string render_html_report(const BuildReport& build, const PushReport* push) {
  std::map<std::string, std::string> status;  // cell id -> built|pushed|unchanged
  for (auto& c : build.cells) status[c.cell.id] = "built";
  if (push)
    for (size_t i = 0; i < push->cells.size() && i < build.cells.size(); ++i)
      status[build.cells[i].cell.id] = push->cells[i].failed    ? "failed"
                                       : push->cells[i].skipped ? "unchanged"
                                                                : "pushed";
  std::map<std::string, int> uses;  // layer digest -> images using it
  for (auto& c : build.cells)
    for (auto& l : c.layers) uses[l.descriptor.digest.str()]++;

  // Grid: rows = repo + framework version, columns = accelerator / python / isa.
  std::set<std::string> cols;
  std::map<std::string, std::map<std::string, const CellResult*>> grid;
  for (auto& c : build.cells) {
    std::string col = c.cell.accelerator.key + " · py" + c.cell.python + " · " + c.cell.isa.key;
    cols.insert(col);
    grid[c.cell.repo + " " + c.cell.version][col] = &c;
  }

  std::string h = R"(<!DOCTYPE html><html><head><meta charset="utf-8"><title>dlimage build report</title><style>
body{font:14px system-ui,sans-serif;margin:24px;color:#222}table{border-collapse:collapse;margin:12px 0}
td,th{border:1px solid #ccc;padding:4px 6px;font-size:12px;vertical-align:top}th{background:#f4f4f4}
td.cell.built{background:#dbeafe}td.cell.failed{background:#fecaca}td.cell.pushed{background:#bbf7d0}td.cell.unchanged{background:#e5e7eb}
.bar{display:flex;height:14px;width:420px;border:1px solid #999}.bar span{display:block;height:100%}
.shared{outline:2px solid #333;outline-offset:-2px}code{font-size:11px}
</style></head><body><h1>dlimage build report</h1>)";
  h += "<p id=\"summary\">" + esc(build.dedup.str()) + "</p>";
  if (push)
    h += "<p id=\"push\">pushed " + std::to_string(build.cells.size() - push->cells_skipped) + " images (" +
         std::to_string(push->cells_skipped) + " unchanged), " + std::to_string(push->blobs_uploaded) +
         " blobs uploaded, " + std::to_string(push->blobs_mounted) + " mounted, " +
         std::to_string(push->blobs_existing) + " already present; " + mib(push->bytes_uploaded) + " sent</p>";
  std::vector<CellFailure> failures = build.failures;
  if (push) failures.insert(failures.end(), push->failures.begin(), push->failures.end());
  if (!failures.empty()) {
    h += "<h2>Failures</h2><table id=\"failures\"><tr><th>image</th><th>phase</th><th>cause</th></tr>";
    for (auto& f : failures)
      h += "<tr><td><code>" + esc(f.cell) + "</code></td><td>" + esc(f.phase) + "</td><td>" + esc(f.error) +
           "</td></tr>";
    h += "</table>";
  }
  h += "<h2>Matrix</h2><table id=\"grid\"><tr><th>image</th>";
  for (auto& c : cols) h += "<th>" + esc(c) + "</th>";
  h += "</tr>";
  for (auto& [row, cells] : grid) {
    h += "<tr><th>" + esc(row) + "</th>";
    for (auto& col : cols) {
      auto it = cells.find(col);
      if (it == cells.end()) {
        h += "<td></td>";
        continue;
      }
      const CellResult& c = *it->second;
      h += "<td class=\"cell " + status[c.cell.id] + "\" data-cell=\"" + c.cell.id + "\">" +
           esc(join(c.cell.tags, ", ")) + "<br>" + mib(c.size) + " · " + status[c.cell.id] + "</td>";
    }
    h += "</tr>";
  }
  h += "</table><h2>Layers</h2><p>Each bar is one image, bottom layer first, widths by size; outlined layers are "
       "shared with other images.</p><table id=\"layers\">";
  for (auto& c : build.cells) {
    h += "<tr><td><code>" + esc(c.cell.ref()) + "</code><br><code>" + esc(c.manifest.digest.str().substr(0, 19)) +
         "</code></td><td><div class=\"bar\">";
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
  h += "</table><h2>Phases</h2><pre>" + esc(build.phases.report()) + "</pre></body></html>\n";
  return h;
}

}  // namespace dl::pipeline
