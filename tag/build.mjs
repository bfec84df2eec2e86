// Builds the script tag pkg/taapit.js: tag/taapit.js with the loader (pkg-template/loader.js),
// the wrapper and the outbound-link listener, bundled by esbuild into one minified classic
// script, with the .wasm (pkg/taapit_capture.wasm) inlined as a string literal holding one
// character per byte (U+0000–U+00FF), so the script turns it back into bytes with
// `charCodeAt` alone and compiles it synchronously, in its own task.
//
// Why this form (measured on the build of the change, bench/SIZE_STEPS.md): written as UTF-8,
// bytes 0x80–0xFF take two bytes each, but gzip codes the pairs back to about what the raw
// bytes cost (the .wasm gzips to 10,368 B alone, to 10,522 B as such a literal; base64 digits
// of it, 13,002 B). A deflated payload gzips smaller still, but needs DecompressionStream,
// which is asynchronous (a task and promises per chunk) and missing in older browsers.
// Only `\`, `"` and the two line ends are escaped. The file starts with a UTF-8 byte order
// mark: a browser decodes a script by its BOM before anything else, so a page in another
// encoding (windows-1252, say) still reads the literal's characters as written.
//
//   node tag/build.mjs

import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const WASM = path.join(root, 'pkg/taapit_capture.wasm');
const OUT = path.join(root, 'pkg/taapit.js');
// Stands for the payload while esbuild bundles; replaced in its output.
const MARK = 'TAAPIT_PAYLOAD_MARK';

/** `bytes` as the body of a double-quoted JS string literal, one character per byte. */
function literal(bytes) {
  let out = '';
  for (const b of bytes) {
    if (b === 0x5c) out += '\\\\';
    else if (b === 0x22) out += '\\"';
    else if (b === 0x0a) out += '\\n';
    else if (b === 0x0d) out += '\\r';
    else out += String.fromCharCode(b);
  }
  return out;
}

const bundled = await build({
  entryPoints: [path.join(root, 'tag/taapit.js')],
  bundle: true,
  write: false,
  format: 'iife',
  minify: true,
  target: 'es2017',
  legalComments: 'none',
  logLevel: 'warning',
  define: { PAYLOAD: JSON.stringify(MARK) },
});
const script = bundled.outputFiles[0].text;
const quoted = `"${MARK}"`;
if (script.split(quoted).length !== 2) throw new Error('tag/build.mjs: the payload mark is not in the bundle once');
const wasm = await readFile(WASM);
// A function as the replacement: `$` in the payload is not a pattern.
const out = '\ufeff' + script.replace(quoted, () => `"${literal(wasm)}"`);
await writeFile(OUT, out, 'utf8');
