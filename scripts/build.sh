#!/usr/bin/env bash
# Builds the npm package into pkg/: the release .wasm (crates/wasm: no wasm-bindgen),
# wasm-opt -Oz, the hand-written package files from js/package/ (the loader
# loader.js among them), and the script tag pkg/taapit.js (js/build/tag.mjs).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

# crates/wasm: plain exports and imports for the loader (exports.rs and host.rs), the
# module's own small allocator (allocator.rs), and no std, with a panic handler that traps
# (crates/wasm/src/lib.rs says why).
cargo build --release --target wasm32-unknown-unknown --lib --quiet -p taapit-wasm
wasm_built="${CARGO_TARGET_DIR:-target}/wasm32-unknown-unknown/release/taapit_wasm.wasm"
# Texts only a panic message reads, zeroed (the panic handler traps without reading them).
node js/build/zero-panic-data.mjs "$wasm_built"
rm -rf pkg
mkdir -p pkg
# --converge repeats -Oz while it still shrinks; --zero-filled-memory lets it drop the zero
# bytes of the static data (a new instance's memory is zeroed); --strip-target-features
# drops a custom section only tools read; --remove-exports drops the __heap_base and
# __data_end exports the linker adds and nothing reads (their globals then fold into the
# code). (bench/SIZE_STEPS.md has what each flag saves.)
node_modules/.bin/wasm-opt --remove-exports --pass-arg='remove-exports@__*' -Oz --converge --zero-filled-memory --strip-debug --strip-producers --strip-target-features --enable-bulk-memory --enable-nontrapping-float-to-int \
  --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue \
  "$wasm_built" -o pkg/taapit_capture.wasm
# The package's files (js/package/server/ is built by js/build/server-entry.mjs below).
find js/package -maxdepth 1 -type f -exec cp -t pkg/ {} +
rm -f pkg/.gitignore
# The npm entry as one module (js/build/bundle-entry.mjs says why), over the copy of
# js/package/index.js. The other copied modules stay in pkg/ outside the package's `files`:
# the browser tests load pkg/loader.js (with contract.js) directly.
node js/build/bundle-entry.mjs

# The same module as plain JavaScript (wasm2js), fetched only where WebAssembly cannot run
# (a CSP without 'wasm-unsafe-eval', a browser without WebAssembly): js/build/fallback.mjs. Built
# before the script tag, which pins it by its hash.
node js/build/fallback.mjs
# The server entry (taapit-capture/server): the same .wasm and its wasm2js build, run over
# a request (js/build/server-entry.mjs).
node js/build/server-entry.mjs
# The script tag: js/tag/taapit.js and the loader, bundled by esbuild into one minified
# classic script with the .wasm inlined (js/build/tag.mjs; the README's "Script tag" section
# has the measurements behind the choice).
node js/build/tag.mjs

# One version for the crates and the npm package: the workspace's (Cargo.toml); its source
# (js/package/package.json) has none of its own.
version=$(sed -n '/^\[workspace.package\]/,/^\[/s/^version = "\(.*\)"/\1/p' Cargo.toml)
node -e '
  const fs = require("fs");
  const { name, ...rest } = JSON.parse(fs.readFileSync("pkg/package.json", "utf8"));
  const manifest = { name, version: process.argv[1], ...rest };
  fs.writeFileSync("pkg/package.json", `${JSON.stringify(manifest, null, 2)}\n`);
' "$version"

# The script tag's Subresource Integrity hash, for pages that pin it on a CDN: beside the
# script, and in the package README (generated from README.md's sections).
sri="sha384-$(openssl dgst -sha384 -binary pkg/taapit.js | openssl base64 -A)"
printf '%s\n' "$sri" > pkg/taapit.js.sri
node js/build/package-readme.mjs "$version" "$sri"

wasm_bytes=$(wc -c < pkg/taapit_capture.wasm)
wasm_gz=$(gzip -9 -c pkg/taapit_capture.wasm | wc -c)
echo "[build] pkg/ ready: taapit_capture.wasm ${wasm_bytes} B (gzip ${wasm_gz} B)"
script_bytes=$(wc -c < pkg/taapit.js)
script_gz=$(gzip -9 -c pkg/taapit.js | wc -c)
echo "[build] script tag: taapit.js ${script_bytes} B (gzip ${script_gz} B), the whole download"
echo "[build] taapit-capture $version; script tag integrity=\"$sri\" (pkg/taapit.js.sri)"
