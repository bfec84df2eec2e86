#!/usr/bin/env bash
# The demo: builds the module (pkg/), the demo SPA (www/spa/dist) and the Leptos and Yew
# example apps (www/examples/, scripts/build-examples.sh), then serves on
# http://localhost:8080/ (PORT=… to change it) the landing pages (ES module and script tag),
# the Vite + React SPA at /spa/, the Rust apps at /examples/leptos/ and /examples/yew/, and the
# demo backend (POST /api/signup shows the lead a real backend would report to Taapit).
# The server-rendered Leptos variant runs beside it, on the next port (http://localhost:8081/).
# Installs the build tools first if they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --build
bash scripts/build.sh
bash scripts/build-demo.sh
bash scripts/build-examples.sh
port=${PORT:-8080}
ADDR="127.0.0.1:$((port + 1))" target/debug/taapit-leptos-example &
ssr=$!
trap 'kill "$ssr" 2>/dev/null' EXIT
echo "[demo] the server-rendered Leptos app: http://localhost:$((port + 1))/?ta_tid=leptosSsrDemo1"
node www/serve.mjs "$port"
