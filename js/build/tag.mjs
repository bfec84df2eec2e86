// Builds the script tag pkg/taapit.js (and its debug build pkg/taapit.debug.js): js/tag/taapit.js with the loader
// (js/package/loader.js), the wrapper and the outbound-link listener, bundled by esbuild into
// one minified classic script, with the .wasm (pkg/taapit_capture.wasm) inlined as a deflated
// payload in six-bit digits (js/build/payload.mjs says how and why; the npm entry carries it
// the same way). The payload goes last in the file (an argument of the script's outer
// function): 25-30 B less.
//
//   node js/build/tag.mjs

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildWithPayload } from './payload.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const OUT = path.join(root, 'pkg/taapit.js');
// The same script with `debug`'s notes in words (README, "What `debug` says").
const DEBUG_OUT = path.join(root, 'pkg/taapit.debug.js');
// The wasm2js fallback (js/build/fallback.mjs, built first): the script pins it by this hash when
// the page pinned the script itself with `integrity`.
const FALLBACK = path.join(root, 'pkg/taapit_capture.fallback.js');
const fallbackIntegrity = `sha384-${createHash('sha384').update(await readFile(FALLBACK)).digest('base64')}`;

/**
 * esbuild options for the script written to `outfile`, with the payload's `define` (and the
 * fallback's hash). `noteWords`: whether `debug`'s notes are printed in words (the debug
 * build, pkg/taapit.debug.js) or as codes (the script tag itself, which then carries no
 * table of words: loader.js, `noteLine`).
 */
const options = (outfile, noteWords) => (payload) => ({
  entryPoints: [path.join(root, 'js/tag/taapit.js')],
  outfile,
  bundle: true,
  format: 'iife',
  minify: true,
  target: 'es2017',
  legalComments: 'none',
  logLevel: 'warning',
  define: {
    ...payload,
    FALLBACK_INTEGRITY: JSON.stringify(fallbackIntegrity),
    TAAPIT_NOTE_WORDS: JSON.stringify(noteWords),
  },
});

await buildWithPayload(options(OUT, false));
await buildWithPayload(options(DEBUG_OUT, true));
