// The size ceilings, checked by the test command (scripts/test.sh): fails when everything the
// script-tag page downloads (measured by loading it in Chromium) is over the gzip ceiling below
// (ARCHITECTURE.md's; lowered with each step that shrank the build, bench/SIZE_STEPS.md,
// "Issue 22"), or the wasm's initial linear memory is over 1 MiB. Ceilings against
// regressions, not the targets (BENCHMARKS.md has those, and bench/SIZE_STEPS.md how the
// build got under them).
import path from 'node:path';
import { PKG_DIR } from '../tests/support/server.mjs';
import { fetchedFiles, initialMemory, sizes } from './run.mjs';

const GZIP_CEILING = 11_776;
const MEMORY_CEILING = 1024 * 1024;

const files = await fetchedFiles('script');
const gzip = files.reduce((total, f) => total + sizes(path.join(PKG_DIR, f)).gzip, 0);
const wasm = files.find((f) => f.endsWith('.wasm')) ?? 'taapit_capture.wasm';
const memory = initialMemory(path.join(PKG_DIR, wasm));
console.log(`[budgets] script tag downloads ${files.join(' + ')}: ${gzip} B gzip -9 (ceiling ${GZIP_CEILING})`);
console.log(`[budgets] initial wasm memory: ${memory} B (ceiling ${MEMORY_CEILING})`);
let failed = false;
if (!files.includes('taapit.js')) {
  console.error('[budgets] the script-tag page did not load pkg/taapit.js');
  failed = true;
}
if (gzip > GZIP_CEILING) {
  console.error(`[budgets] over the size ceiling by ${gzip - GZIP_CEILING} B`);
  failed = true;
}
if (memory === null || memory > MEMORY_CEILING) {
  console.error('[budgets] initial memory over the ceiling (or unreadable)');
  failed = true;
}
process.exit(failed ? 1 : 0);
