// The .wasm as the shipped JavaScript carries it (js/package/payload.js reads it back), for
// the script tag (js/build/tag.mjs) and the npm entry (js/build/bundle-entry.mjs): deflated by
// zopfli (zlib format, as DecompressionStream('deflate') reads it; 6-7 % smaller than zlib -9)
// and written in six-bit digits. Text digits of the raw .wasm would gzip about 30 % worse
// than the .wasm; deflated bytes in six-bit digits gzip to about what they weigh.
//
// The digits' alphabet is the 64 characters the rest of the file uses most, not base64's.
// gzip -9 codes the whole file with one Huffman table (zlib ends a block every 16 383
// symbols; these files are fewer), so with base64's letters and digits the file's own
// punctuation (`(){};,.=` and the space) is rare in that table and each costs 10-12 bits.
// With the file's own characters as digits, it costs about what it costs alone: the script
// tag gzips about 290 B smaller, of which the decoding loop that replaces `atob` takes about
// 165 B back (measured on the build of the change).
//
// The other form measured (bench/SIZE_STEPS.md): the raw .wasm as a string literal with one
// character per byte, which could be compiled with no inflating step, gzips about 1,150 B
// larger (Node's zlib -9), over the size ceiling of bench/budgets.mjs.

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { zlibAsync } from '@gfx/zopfli';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const WASM = path.join(root, 'pkg/taapit_capture.wasm');

/**
 * The 64 characters `text` uses most (ties: lower code first), without those a JS string
 * literal or an HTML `<script>` element would need escaped (`"`, `\`, `<`, line ends) and
 * outside printable ASCII; topped up with base64's characters if the text has fewer.
 */
function alphabetFor(text) {
  const counts = new Map();
  for (const c of text) {
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

/**
 * Builds with esbuild the file `options(define)` describes, `define` giving `PAYLOAD` (the
 * deflated pkg/taapit_capture.wasm in six-bit digits) and `PAYLOAD_ALPHABET`: first without
 * the payload, to count the file's characters, then for real.
 */
export async function buildWithPayload(options) {
  const define = (payload, alphabet) => ({
    PAYLOAD: JSON.stringify(payload),
    PAYLOAD_ALPHABET: JSON.stringify(alphabet),
  });
  const deflated = Buffer.from(await zlibAsync(await readFile(WASM), { numiterations: 100 }));
  const bare = await build({ ...options(define('', '')), write: false });
  const alphabet = alphabetFor(bare.outputFiles[0].text);
  await build(options(define(encode(deflated, alphabet), alphabet)));
}
