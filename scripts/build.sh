#!/usr/bin/env bash
# Builds the npm package into pkg/: the release .wasm, wasm-bindgen's ES module glue,
# wasm-opt -Oz, the hand-written package files from pkg-template/, and the script tag
# pkg/taapit.js (script/taapit.js bundled by esbuild).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

# standalone: the module's own small allocator instead of dlmalloc (src/allocator.rs, feature
# tiny-alloc), and no std, with a panic handler that traps (Cargo.toml says why).
cargo build --release --target wasm32-unknown-unknown --lib --quiet --features standalone
rm -rf pkg
wasm-bindgen target/wasm32-unknown-unknown/release/taapit_capture.wasm \
  --target web --out-dir pkg --out-name taapit_capture
# --converge repeats -Oz while it still shrinks; --strip-target-features drops a custom
# section only tools read. (bench/SIZE_STEPS.md has what each flag saves.)
node_modules/.bin/wasm-opt -Oz --converge --strip-debug --strip-producers --strip-target-features --enable-bulk-memory --enable-nontrapping-float-to-int \
  --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue \
  pkg/taapit_capture_bg.wasm -o pkg/taapit_capture_bg.wasm
cp pkg-template/* pkg/
rm -f pkg/.gitignore

# The script tag: script/taapit.js and the glue above, bundled by esbuild into one minified
# classic script with the .wasm inlined as base64 and its imports renamed short (see
# script/build.mjs; the README's "Script tag" section has the measurements behind the choice).
node script/build.mjs

wasm_bytes=$(wc -c < pkg/taapit_capture_bg.wasm)
wasm_gz=$(gzip -9 -c pkg/taapit_capture_bg.wasm | wc -c)
glue_bytes=$(wc -c < pkg/taapit_capture.js)
glue_gz=$(gzip -9 -c pkg/taapit_capture.js | wc -c)
echo "[build] pkg/ ready: taapit_capture_bg.wasm ${wasm_bytes} B (gzip ${wasm_gz} B), taapit_capture.js ${glue_bytes} B (gzip ${glue_gz} B)"
script_bytes=$(wc -c < pkg/taapit.js)
script_gz=$(gzip -9 -c pkg/taapit.js | wc -c)
echo "[build] script tag: taapit.js ${script_bytes} B (gzip ${script_gz} B), the whole download"
