#!/usr/bin/env bash
# Builds the example apps once, for the demo and the tests that share them:
#   www/examples/leptos/  the Leptos app's wasm (feature `hydrate`: client-side rendering from
#                         index.html, and hydration of the pages the server renders), wasm-opt'd
#   www/examples/yew/     the Yew app (client-side), wasm-opt'd
#   target/debug/taapit-leptos-example   the Leptos server (feature `ssr`, axum)
# With tools the project already installs: cargo, the wasm-bindgen CLI (scripts/setup.sh),
# wasm-opt from node_modules. Prints each step's wall time and the .wasm sizes.
#
#   bash scripts/build-examples.sh            # all three
#   bash scripts/build-examples.sh yew        # one of: leptos-wasm, leptos-server, yew
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

# The module's own build asks for a 32 KiB shadow stack (.cargo/config.toml); a framework app
# recurses deeper (rendering a view tree), so the apps get Rust's default, 1 MiB.
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-C link-arg=-zstack-size=1048576"

say() { printf '[build-examples] %s\n' "$*"; }
timed() { # label, command…
  local start=$SECONDS
  "${@:2}"
  say "$1: $((SECONDS - start)) s"
}

# The release .wasm of example crate $1 into www/examples/$2/pkg/, through wasm-bindgen
# (--target web: an ES module the page imports) and wasm-opt -Oz.
wasm_app() {
  local crate=$1 dir=$2 features=$3
  local name=${crate//-/_}
  local out=www/examples/$dir
  cargo build --release --target wasm32-unknown-unknown --lib --quiet -p "$crate" --features "$features"
  rm -rf "$out"
  mkdir -p "$out/pkg"
  wasm-bindgen --target web --no-typescript --out-dir "$out/pkg" \
    "target/wasm32-unknown-unknown/release/$name.wasm"
  node_modules/.bin/wasm-opt -Oz --strip-debug --strip-producers --enable-bulk-memory \
    --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals \
    --enable-reference-types --enable-multivalue \
    "$out/pkg/${name}_bg.wasm" -o "$out/pkg/${name}_bg.wasm"
  cp "examples/$dir/index.html" "$out/index.html"
  local bytes gz
  bytes=$(wc -c < "$out/pkg/${name}_bg.wasm")
  gz=$(gzip -9 -c "$out/pkg/${name}_bg.wasm" | wc -c)
  say "$out/pkg/${name}_bg.wasm: $bytes B (gzip $gz B)"
}

what=${1:-all}
case $what in
  all | leptos-wasm) timed "leptos wasm (hydrate)" wasm_app taapit-leptos-example leptos hydrate ;;&
  all | leptos-server) timed "leptos server (ssr)" cargo build --quiet -p taapit-leptos-example --features ssr ;;&
  all | yew) timed "yew wasm (csr)" wasm_app taapit-yew-example yew "" ;;
  leptos-wasm | leptos-server) ;;
  *) echo "usage: $0 [all|leptos-wasm|leptos-server|yew]" >&2; exit 2 ;;
esac
