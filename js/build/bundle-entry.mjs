// Bundles the npm entry pkg/index.js: js/package/index.js with the loader, the wrapper, the
// contract, the outbound-link listener, the fallback's helpers and the .wasm itself (inlined
// as the script tag inlines it: js/package/payload.js, js/build/payload.mjs), as one ES
// module.
//
// Unbundled, a page that imports the entry directly (a CDN, a `<script type="module">`) waits
// for three rounds of requests: index.js, then its imports, then theirs (contract.js); with
// the .wasm fetched, one more. Bundled with the .wasm inside, the id is stored once index.js
// has arrived. Bundlers (Vite, webpack, Next.js) bundle it again as they like; they see one
// module instead of seven, and no asset to emit.
//
// Kept as written: `import('./taapit_capture.fallback.js')` (a chunk of its own, fetched only
// when WebAssembly cannot run). react.js stays a module of its own: it carries the
// 'use client' directive and imports React.
//
//   node js/build/bundle-entry.mjs

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildWithPayload } from './payload.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

await buildWithPayload((define) => ({
  entryPoints: [path.join(root, 'js/package/index.js')],
  outfile: path.join(root, 'pkg/index.js'),
  bundle: true,
  format: 'esm',
  // The package's floor: a bundler that reads ES2020 modules.
  target: 'es2020',
  minify: true,
  external: ['./taapit_capture.fallback.js'],
  legalComments: 'none',
  logLevel: 'warning',
  define,
}));
