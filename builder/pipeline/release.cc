#include "builder/pipeline/release.h"

#include "base/fs.h"
#include "base/strings.h"
#include "builder/layout/layout_store.h"
#include "builder/pipeline/report_html.h"

namespace dl::pipeline {

Result<ReleaseReport> release(const ReleaseOptions& opts, const Progress& progress) {
  ReleaseReport r;
  registry::LazySession session(opts.build.registry);
  DL_ASSIGN_OR_RETURN(r.build, build(opts.build, session, progress));
  for (auto& c : r.build.cells) r.tags += c.cell.tags.size();
  if (opts.push || opts.verify) {
    DL_ASSIGN_OR_RETURN(registry::Session * s, session.get());
    if (opts.push) {
      auto t = r.build.phases.time("push");
      std::string dir = opts.build.output_layout;
      if (starts_with(dir, "oci:")) dir = dir.substr(4);
      DL_ASSIGN_OR_RETURN(auto out, layout::Layout::open(dir));
      layout::LayoutStore from(std::move(out), opts.build.registry.jobs);
      DL_ASSIGN_OR_RETURN(r.push, push_cells(from, r.build.cells, s->client(), [&](size_t done, size_t total,
                                                                                    const std::string& what) {
        if (progress) progress("push", done, total, what);
      }));
    }
    if (opts.verify) {
      auto t = r.build.phases.time("verify");
      DL_ASSIGN_OR_RETURN(r.problems, verify_cells(r.build.cells, s->client()));
    }
  }
  if (!opts.report_file.empty())
    DL_TRY(write_file_atomic(opts.report_file, render_html_report(r.build, r.push ? &*r.push : nullptr)));
  return r;
}

}  // namespace dl::pipeline
