#!/usr/bin/env bash
# End-to-end tests: the built npm package (pkg/) in real Chromium on real host names
# (www.shop.example.co.uk, app.example.com, alice.github.io, localhost, 127.0.0.1), over HTTPS
# from a server on 127.0.0.1 with a self-signed certificate made at test time.
# Assumes pkg/ is built (scripts/build.sh; scripts/test.sh builds it first), and the example
# apps for tests/e2e/frameworks.test.mjs (scripts/build-examples.sh; scripts/test.sh too). demo.test.mjs
# builds the demo SPA itself (scripts/build-demo.sh) when www/spa/dist is missing or stale.
# The Rust demo backend (crates/demo) is built here once; demo.test.mjs and server.test.mjs
# share the binary (target/debug/taapit-demo).
# CHROMIUM_PATH overrides the browser (default /usr/bin/chromium).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -f pkg/index.js ] || [ ! -f pkg/taapit_capture.wasm ]; then
  echo "[test-e2e] pkg/ is not built: run bash scripts/build.sh first" >&2
  exit 1
fi
if [ ! -d node_modules/playwright-core ]; then
  echo "[test-e2e] node_modules/playwright-core is missing: run npm ci (scripts/setup.sh)" >&2
  exit 1
fi

export PATH="$HOME/.cargo/bin:$PATH"
echo "[test-e2e] building the Rust demo backend (cargo build -p taapit-demo)"
cargo build --quiet -p taapit-demo

exec node --test --test-reporter=spec tests/e2e/
