// Builds the script tag pkg/taapit.js: script/taapit.js with the loader
// (pkg-template/taapit_capture.js) and the outbound-link listener, bundled by esbuild into one
// minified classic script, with the .wasm (pkg/taapit_capture.wasm) inlined deflated and in
// base64. The browser inflates it with DecompressionStream: base64 text of the raw .wasm
// would gzip about 30 % worse than the .wasm, deflated bytes in base64 gzip to about what
// they weigh. Deflated by zopfli (zlib format, as DecompressionStream('deflate') reads it),
// which packs it 6-7 % smaller than zlib -9.
//
//   node script/build.mjs

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { zlibAsync } from '@gfx/zopfli';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const WASM = path.join(root, 'pkg/taapit_capture.wasm');

const deflated = Buffer.from(await zlibAsync(await readFile(WASM), { numiterations: 15 }));

await build({
  entryPoints: [path.join(root, 'script/taapit.js')],
  outfile: path.join(root, 'pkg/taapit.js'),
  bundle: true,
  format: 'iife',
  minify: true,
  target: 'es2017',
  legalComments: 'none',
  logLevel: 'warning',
  plugins: [
    {
      name: 'taapit-inline-wasm',
      setup(b) {
        b.onLoad({ filter: /\.wasm$/ }, () => ({ contents: deflated.toString('base64'), loader: 'text' }));
      },
    },
  ],
});
