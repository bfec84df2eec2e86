// The module for runtimes that may compile WebAssembly (Node, and the default of bundlers):
// the shipped .wasm, embedded as bytes in wasm-bytes.js (no file to read, no asset to emit),
// compiled synchronously on the first call. Where compiling throws (a runtime that refuses
// WebAssembly from bytes without saying so by a package.json condition), the wasm2js build of
// the same .wasm serves instead: same rules, same answers. Edge runtimes that name
// themselves (conditions `edge-light`, `workerd`, `worker`) get runtime-wasm2js.js, which
// never carries a WebAssembly call (a bundler checking for one refuses to build).

import { connect } from './engine.js';
import { wasmBytes } from './wasm-bytes.js';
import wasm2js from './wasm2js.js';

let build = null;

export const engine = connect((imports) => {
  try {
    const exports = new WebAssembly.Instance(new WebAssembly.Module(wasmBytes()), imports).exports;
    build = 'wasm';
    return exports;
  } catch (_) {
    build = 'wasm2js';
    return wasm2js(imports);
  }
});

/** Which build of the module answers: "wasm" or "wasm2js" (compiled on first use). */
export function engineBuild() {
  engine.ready();
  return build;
}
