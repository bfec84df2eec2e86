// The module for edge runtimes (package.json conditions `edge-light`, `workerd`, `worker`):
// Next.js's edge runtime, Vercel's and Cloudflare's refuse to compile WebAssembly from bytes,
// so the wasm2js build of the same .wasm (plain JavaScript made by binaryen from the shipped
// module, js/build/fallback.mjs) serves: the same rules and answers as the .wasm.

import { connect } from './engine.js';
import wasm2js from './wasm2js.js';

export const engine = connect(wasm2js);

/** Which build of the module answers: always "wasm2js" here. */
export function engineBuild() {
  return 'wasm2js';
}
