// Builds pkg/taapit_capture.fallback.js: the shipped .wasm turned into plain JavaScript, for the
// pages where WebAssembly cannot run — a Content-Security-Policy without 'wasm-unsafe-eval',
// a browser without WebAssembly (iOS Lockdown Mode, some locked-down enterprise browsers).
// The same Rust, the same rules: binaryen lowers the post-MVP instructions wasm2js cannot
// translate (bulk memory, sign extension, saturating float-to-int), then wasm2js writes the
// module as asm.js-style JavaScript, which esbuild minifies.
//
// The output is one classic script that defines `self.__taapitWasm2js(imports) → exports`, an
// instance's exports (`memory`, `call`) made from the same imports the loader gives the .wasm.
// The script tag injects it as a <script>, the npm entry `import()`s it (a module may assign
// to `self` too), and only when compiling the .wasm has thrown: the normal path never fetches
// it (loader.js, `instantiate`).
//
//   node js/build/fallback.mjs      (scripts/build.sh runs it after the .wasm is in pkg/)

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { transform } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = (name) => path.join(root, 'node_modules/.bin', name);
const WASM = path.join(root, 'pkg/taapit_capture.wasm');
const OUT = path.join(root, 'pkg/taapit_capture.fallback.js');

const work = mkdtempSync(path.join(tmpdir(), 'taapit-wasm2js-'));
try {
  const lowered = path.join(work, 'lowered.wasm');
  const js = path.join(work, 'wasm2js.mjs');
  execFileSync(bin('wasm-opt'), [
    '--enable-bulk-memory',
    '--enable-nontrapping-float-to-int',
    '--enable-sign-ext',
    '--enable-mutable-globals',
    '--llvm-memory-copy-fill-lowering',
    '--signext-lowering',
    '--llvm-nontrapping-fptoint-lowering',
    WASM,
    '-o',
    lowered,
  ]);
  execFileSync(bin('wasm2js'), [lowered, '-O2', '-o', js]);
  const text = readFileSync(js, 'utf8');

  // wasm2js writes an ES module: `import * as t from 't';`, the module's code (helpers and
  // `function asmFunc(imports) { … }`), then `var retasmFunc = asmFunc({ "t": t });` and one
  // `export var` per export. Keep the code, drop the import and the exports, and hand out a
  // function that makes a fresh instance from the loader's imports.
  const head = /^import \* as t from 't';\n/;
  const tail = text.indexOf('\nvar retasmFunc = asmFunc(');
  if (!head.test(text) || tail < 0) {
    throw new Error('js/build/fallback.mjs: wasm2js output is not in the expected shape (import of "t", retasmFunc)');
  }
  const code = text.slice(0, tail).replace(head, '');
  const wrapped = `self.__taapitWasm2js = function (imports) {\n${code}\nreturn asmFunc(imports);\n};\n`;
  const { code: minified } = await transform(wrapped, {
    minify: true,
    target: 'es2017',
    legalComments: 'none',
    format: 'iife',
  });
  writeFileSync(OUT, minified);
} finally {
  rmSync(work, { recursive: true, force: true });
}
