#!/usr/bin/env bash
# End-to-end tests: the built npm package (pkg/) and the script tag in real browsers on real
# host names (www.shop.example.co.uk, app.example.com, alice.github.io, localhost, 127.0.0.1),
# over HTTPS from a server on 127.0.0.1 with a self-signed certificate made at test time.
# capture.test.mjs, script.test.mjs, fallback.test.mjs, hostile.test.mjs and engines.test.mjs
# run in Chromium (playwright-core), Firefox ESR (geckodriver) and WebKitGTK (WebKitWebDriver,
# MiniBrowser), each test named `[engine] …`; the package, Next.js, demo and framework tests
# run in Chromium.
# Assumes pkg/ is built (scripts/build.sh; scripts/test.sh builds it first), and the example
# apps for tests/e2e/frameworks.test.mjs (scripts/build-examples.sh; scripts/test.sh too). demo.test.mjs
# builds the demo SPA itself (scripts/build-demo.sh) when www/spa/dist is missing or stale.
# The Rust demo backend (crates/demo) is built here once; demo.test.mjs and server.test.mjs
# share the binary (target/debug/taapit-demo).
#
#   bash scripts/test-e2e.sh                                  # every file, every engine
#   E2E_ENGINES=firefox bash scripts/test-e2e.sh tests/e2e/script.test.mjs
#
# CHROMIUM_PATH, FIREFOX_PATH, GECKODRIVER, WEBKIT_DRIVER and MINIBROWSER override the
# browsers and drivers. WebKit needs an X display: without $DISPLAY, the whole run goes under
# one xvfb-run.
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

files=("$@")
[ ${#files[@]} -eq 0 ] && files=(tests/e2e/)
wrap=()
if [ -z "${DISPLAY:-}" ] && [[ ",${E2E_ENGINES:-webkit}," == *,webkit,* ]]; then
  wrap=(xvfb-run -a -s "-screen 0 1280x1024x24 -nolisten tcp")
fi
exec "${wrap[@]}" node --test --test-reporter=spec "${files[@]}"
