// Zeroes the texts only a panic message would read in the release .wasm, before wasm-opt:
// the rustc source paths of panic locations, the allocation-failure and capacity-overflow
// texts, and core::fmt's two-digit table (for the size in "memory allocation of N bytes
// failed"). The shipped build's panic handler is a trap that reads no message
// (crates/wasm/src/lib.rs), so nothing reads these bytes; the compiler keeps them because it
// does not split data segments by use. Zeroed, they are dropped by wasm-opt's memory packing
// (--zero-filled-memory): ~400 B of the .wasm, ~300 B gzip (bench/SIZE_STEPS.md).
//
//   node js/build/zero-panic-data.mjs target/wasm32-unknown-unknown/release/taapit_wasm.wasm
import { readFileSync, writeFileSync } from 'node:fs';

const file = process.argv[2];
const wasm = readFileSync(file);
const text = wasm.toString('latin1');
const digits = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0')).join('');
const patterns = [
  /\/rustc\/[0-9a-f]{40}\/library\/[a-z_/]+\.rs/g,
  /memory allocation of /g,
  / bytes failed/g,
  /capacity overflow/g,
  new RegExp(digits, 'g'),
];
let zeroed = 0;
for (const pattern of patterns) {
  for (const match of text.matchAll(pattern)) {
    wasm.fill(0, match.index, match.index + match[0].length);
    zeroed += match[0].length;
  }
}
writeFileSync(file, wasm);
console.log(`[build] zeroed ${zeroed} B of panic-message data`);
