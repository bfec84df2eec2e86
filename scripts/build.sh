#!/usr/bin/env bash
# Builds the npm package into pkg/: the release .wasm, wasm-bindgen's ES module glue,
# wasm-opt -Oz, and the hand-written package files from pkg-template/.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

cargo build --release --target wasm32-unknown-unknown --lib --quiet
rm -rf pkg
wasm-bindgen target/wasm32-unknown-unknown/release/taapit_capture.wasm \
  --target web --out-dir pkg --out-name taapit_capture
node_modules/.bin/wasm-opt -Oz --strip-debug --strip-producers --enable-bulk-memory --enable-nontrapping-float-to-int \
  --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue \
  pkg/taapit_capture_bg.wasm -o pkg/taapit_capture_bg.wasm
cp pkg-template/* pkg/
rm -f pkg/.gitignore

wasm_bytes=$(wc -c < pkg/taapit_capture_bg.wasm)
wasm_gz=$(gzip -9 -c pkg/taapit_capture_bg.wasm | wc -c)
glue_bytes=$(wc -c < pkg/taapit_capture.js)
glue_gz=$(gzip -9 -c pkg/taapit_capture.js | wc -c)
echo "[build] pkg/ ready: taapit_capture_bg.wasm ${wasm_bytes} B (gzip ${wasm_gz} B), taapit_capture.js ${glue_bytes} B (gzip ${glue_gz} B)"
