// Builds the script tag pkg/taapit.js: js/tag/taapit.js with the loader
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
// The wasm2js fallback (js/build/fallback.mjs, built first): the script pins it by this hash when
// the page pinned the script itself with `integrity`.
const FALLBACK = path.join(root, 'pkg/taapit_capture.fallback.js');
const fallbackIntegrity = `sha384-${createHash('sha384').update(await readFile(FALLBACK)).digest('base64')}`;

/** esbuild options for the script, with the payload's `define` (and the fallback's hash). */
const options = (payload) => ({
  entryPoints: [path.join(root, 'js/tag/taapit.js')],
  outfile: OUT,
  bundle: true,
  format: 'iife',
  minify: true,
  target: 'es2017',
  legalComments: 'none',
  logLevel: 'warning',
  define: {
    ...payload,
    FALLBACK_INTEGRITY: JSON.stringify(fallbackIntegrity),
  },
});

await buildWithPayload(options);
