// Builds the script tag pkg/taapit.js: tag/taapit.js with the loader
// (pkg-template/loader.js), the wrapper and the outbound-link listener, bundled by esbuild into one
// minified classic script, with the .wasm (pkg/taapit_capture.wasm) inlined as a deflated
// payload written in six-bit digits. The browser inflates it with DecompressionStream: text
// digits of the raw .wasm would gzip about 30 % worse than the .wasm, deflated bytes in
// six-bit digits gzip to about what they weigh. Deflated by zopfli (zlib format, as
// DecompressionStream('deflate') reads it), which packs it 6-7 % smaller than zlib -9.
//
// The digits' alphabet is the 64 characters the rest of the script uses most, not base64's.
// gzip -9 codes the whole file with one Huffman table (zlib ends a block every 16 383
// symbols; this file is fewer), so with base64's letters and digits the script's own
// punctuation (`(){};,.=` and the space) is rare in that table and each costs 10-12 bits.
// With the script's own characters as digits, it costs about what it costs alone: the whole
// file gzips about 290 B smaller, of which the decoding loop that replaces `atob` takes
// about 165 B back (measured on the build of the change). The payload goes last in the file
// (an argument of the script's outer function): 25-30 B less.
//
// The other form measured (bench/SIZE_STEPS.md): the raw .wasm as a string literal with one
// character per byte, which the script could compile synchronously with no inflating step,
// gzips about 1,150 B larger (Node's zlib -9), over the size ceiling of bench/budgets.mjs.
//
//   node tag/build.mjs

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { zlibAsync } from '@gfx/zopfli';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const WASM = path.join(root, 'pkg/taapit_capture.wasm');
const OUT = path.join(root, 'pkg/taapit.js');
// The wasm2js fallback (tag/fallback.mjs, built first): the script pins it by this hash when
// the page pinned the script itself with `integrity`.
const FALLBACK = path.join(root, 'pkg/taapit_capture.fallback.js');
const fallbackIntegrity = `sha384-${createHash('sha384').update(await readFile(FALLBACK)).digest('base64')}`;

/** esbuild options for the script, with `PAYLOAD` and `PAYLOAD_ALPHABET` as given (and the fallback's hash). */
const options = (payload, alphabet) => ({
  entryPoints: [path.join(root, 'tag/taapit.js')],
  outfile: OUT,
  bundle: true,
  format: 'iife',
  minify: true,
  target: 'es2017',
  legalComments: 'none',
  logLevel: 'warning',
  define: {
    PAYLOAD: JSON.stringify(payload),
    PAYLOAD_ALPHABET: JSON.stringify(alphabet),
    FALLBACK_INTEGRITY: JSON.stringify(fallbackIntegrity),
  },
});

/**
 * The 64 characters `script` uses most (ties: lower code first), without those a JS string
 * literal or an HTML `<script>` element would need escaped (`"`, `\`, `<`, line ends) and
 * outside printable ASCII; topped up with base64's characters if the script has fewer.
 */
function alphabetFor(script) {
  const counts = new Map();
  for (const c of script) {
    if (c >= ' ' && c <= '~' && !'"\\<'.includes(c)) counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  const used = [...counts].sort((a, b) => b[1] - a[1] || a[0].charCodeAt(0) - b[0].charCodeAt(0));
  const chars = used.map(([c]) => c);
  for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/') {
    if (chars.length >= 64) break;
    if (!chars.includes(c)) chars.push(c);
  }
  return chars.slice(0, 64).join('');
}

/** `bytes` as six-bit digits of `alphabet`, most significant first; the last digit padded. */
function encode(bytes, alphabet) {
  let out = '';
  let acc = 0;
  let bits = 0;
  for (const b of bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 6) out += alphabet[(acc >> (bits -= 6)) & 63];
    acc &= (1 << bits) - 1;
  }
  if (bits > 0) out += alphabet[(acc << (6 - bits)) & 63];
  return out;
}

const deflated = Buffer.from(await zlibAsync(await readFile(WASM), { numiterations: 100 }));
// First the script without the payload, to count its characters; then the real build.
const bare = await build({ ...options('', ''), write: false });
const alphabet = alphabetFor(bare.outputFiles[0].text);
await build(options(encode(deflated, alphabet), alphabet));
