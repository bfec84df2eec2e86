// Writes pkg/README.md, the npm package's README, from README.md: the package's own opening
// (js/package/README.md: what it is, how to install it), then README.md's sections on the
// package's entries, verbatim, so the two cannot drift. The script-tag snippet gets the
// version and the Subresource Integrity hash of the build.
//
//   node js/build/package-readme.mjs <version> <sha384-…>     (scripts/build.sh runs it)

import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const [version, integrity] = process.argv.slice(2);
if (!version || !/^sha384-[A-Za-z0-9+/]+=*$/.test(integrity ?? '')) {
  throw new Error('usage: node js/build/package-readme.mjs <version> <sha384-…>');
}

const main = readFileSync(path.join(root, 'README.md'), 'utf8');
/** The section of README.md under `heading` (a whole heading line), up to the next heading of its level or above. */
function section(heading) {
  const start = main.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`README.md has no heading "${heading}"`);
  const level = heading.match(/^#+/)[0].length;
  const rest = main.slice(start + 1);
  const next = rest.slice(heading.length).search(new RegExp(`\\n#{1,${level}} `));
  const text = next < 0 ? rest : rest.slice(0, heading.length + next + 1);
  // Each section at the package README's second level, its subsections under it.
  const shift = level - 2;
  // Headings only: a `# ` line inside a fenced code block (a shell comment) stays as written.
  return text
    .split(/(^```[^\n]*\n[\s\S]*?^```$)/m)
    .map((part) =>
      part.startsWith('```')
        ? part
        : part.replace(/^(#+) /gm, (_, hashes) => `${'#'.repeat(Math.max(2, hashes.length - shift))} `),
    )
    .join('')
    .trimEnd();
}

const parts = [
  readFileSync(path.join(root, 'js/package/README.md'), 'utf8').trimEnd(),
  section('### JavaScript (ES module, built into `pkg/`)'),
  section('### React (`taapit-capture/react`)'),
  section('### Your backend (Node / Next.js): `taapit-capture/server`'),
  section('### Script tag (no build step, `pkg/taapit.js`)'),
  section('### Content-Security-Policy, and browsers without WebAssembly'),
  section('## Events'),
  section('## Options'),
];
let out = `${parts.join('\n\n')}\n`;
for (const [from, to] of [
  ['taapit-capture@VERSION', `taapit-capture@${version}`],
  ['integrity="sha384-HASH"', `integrity="${integrity}"`],
]) {
  if (!out.includes(from)) throw new Error(`README.md's script-tag snippet lacks ${from}`);
  out = out.replaceAll(from, to);
}
writeFileSync(path.join(root, 'pkg/README.md'), out);
