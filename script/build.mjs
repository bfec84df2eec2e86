// Builds the script tag pkg/taapit.js: script/taapit.js + wasm-bindgen's --target web glue
// (pkg/taapit_capture.js), bundled by esbuild into one minified classic script, with the
// .wasm (pkg/taapit_capture_bg.wasm) inlined as base64.
//
// On the way, the .wasm's imports are renamed to short names in both the .wasm and the glue
// (`"./taapit_capture_bg.js"."__wbg_getItem_49556a3e59cfb688"` → `"a"."1b"`): the hashed names
// are random hex that gzip cannot squeeze, about 1.4 KB of the gzipped download. The npm
// package's files in pkg/ are left as they are.
//
//   node script/build.mjs [--fetch]   (--fetch: fetch the .wasm from beside the script instead)

import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const GLUE = path.join(root, 'pkg/taapit_capture.js');
const WASM = path.join(root, 'pkg/taapit_capture_bg.wasm');
const MODULE = './taapit_capture_bg.js';
const inline = !process.argv.includes('--fetch');

function readLeb(bytes, at) {
  let value = 0;
  let shift = 0;
  let byte;
  do {
    byte = bytes[at++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80);
  return [value, at];
}

function leb(value) {
  const out = [];
  do {
    let byte = value & 0x7f;
    value = Math.floor(value / 128);
    if (value) byte |= 0x80;
    out.push(byte);
  } while (value);
  return out;
}

const name = (text) => {
  const bytes = Buffer.from(text, 'utf8');
  return [...leb(bytes.length), ...bytes];
};

/** The .wasm with the imports of MODULE renamed by `rename(field)`; the map old → new. */
function renameImports(wasm) {
  const map = new Map();
  const out = [...wasm.subarray(0, 8)];
  let at = 8;
  while (at < wasm.length) {
    const id = wasm[at];
    const [size, start] = readLeb(wasm, at + 1);
    const end = start + size;
    if (id !== 2) {
      out.push(...wasm.subarray(at, end));
      at = end;
      continue;
    }
    const body = [];
    let [count, p] = readLeb(wasm, start);
    body.push(...leb(count));
    const readName = () => {
      const [len, q] = readLeb(wasm, p);
      p = q + len;
      return wasm.subarray(q, p).toString('utf8');
    };
    while (count--) {
      const module = readName();
      const field = readName();
      const descStart = p;
      const kind = wasm[p++];
      const limits = () => {
        const flags = wasm[p++];
        [, p] = readLeb(wasm, p);
        if (flags & 1) [, p] = readLeb(wasm, p);
      };
      if (kind === 0) [, p] = readLeb(wasm, p); // function: type index
      else if (kind === 1) { p++; limits(); } // table: reftype, limits
      else if (kind === 2) limits(); // memory
      else if (kind === 3) p += 2; // global: valtype, mutability
      else if (kind === 4) { p++; [, p] = readLeb(wasm, p); } // tag
      else throw new Error(`unknown import kind ${kind}`);
      if (module === MODULE) {
        const short = map.get(field) ?? map.size.toString(36);
        map.set(field, short);
        body.push(...name('a'), ...name(short));
      } else {
        body.push(...name(module), ...name(field));
      }
      body.push(...wasm.subarray(descStart, p));
    }
    if (p !== end) throw new Error('import section not fully read');
    out.push(2, ...leb(body.length), ...body);
    at = end;
  }
  return { wasm: Buffer.from(out), map };
}

const { wasm, map } = renameImports(await readFile(WASM));

const shorten = {
  name: 'taapit-short-imports',
  setup(b) {
    b.onLoad({ filter: /taapit_capture\.js$/ }, async (args) => {
      let glue = await readFile(args.path, 'utf8');
      for (const [from, to] of map) {
        const key = new RegExp(`\\b${from}(?=: )`, 'g');
        const found = glue.match(key)?.length ?? 0;
        if (found !== 1) throw new Error(`import ${from} appears ${found} times in the glue`);
        glue = glue.replace(key, JSON.stringify(to));
      }
      const modules = glue.split(`"${MODULE}":`).length - 1;
      if (modules !== 1) throw new Error(`the import module name appears ${modules} times in the glue`);
      glue = glue.replace(`"${MODULE}":`, '"a":');
      return { contents: glue, loader: 'js' };
    });
    b.onLoad({ filter: /\.wasm$/ }, () => ({ contents: wasm.toString('base64'), loader: 'text' }));
  },
};

await build({
  entryPoints: [path.join(root, 'script/taapit.js')],
  outfile: path.join(root, 'pkg/taapit.js'),
  bundle: true,
  format: 'iife',
  minify: true,
  target: 'es2017',
  legalComments: 'none',
  define: { INLINE_WASM: String(inline) },
  logLevel: 'warning',
  logOverride: { 'empty-import-meta': 'silent' },
  plugins: [shorten],
});
if (!inline) await writeFile(path.join(root, 'pkg/taapit_script_bg.wasm'), wasm);
