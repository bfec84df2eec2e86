// Bundles the npm entry pkg/index.js: pkg-template/index.js with the loader, the wrapper, the
// contract, the outbound-link listener and the fallback's helpers, as one ES module.
//
// Unbundled, a page that imports the entry directly (a CDN, a `<script type="module">`) waits
// for three rounds of requests before the .wasm is even asked for: index.js, then its imports,
// then theirs (contract.js). Bundled, the .wasm's request follows index.js's. Bundlers (Vite,
// webpack, Next.js) bundle it again as they like; they see one module instead of six.
//
// Kept as written: `new URL('./taapit_capture.wasm', import.meta.url)` (bundlers emit the .wasm
// as an asset from it) and `import('./taapit_capture.fallback.js')` (a chunk of its own, fetched
// only when WebAssembly cannot run). react.js stays a module of its own: it carries the
// 'use client' directive and imports React.
//
//   node scripts/bundle-entry.mjs

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

await build({
  entryPoints: [path.join(root, 'pkg-template/index.js')],
  outfile: path.join(root, 'pkg/index.js'),
  bundle: true,
  format: 'esm',
  // The package's floor: a bundler that reads ES2020 modules, `import.meta` included.
  target: 'es2020',
  minify: true,
  external: ['./taapit_capture.fallback.js'],
  legalComments: 'none',
  logLevel: 'warning',
});
