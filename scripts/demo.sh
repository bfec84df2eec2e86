#!/usr/bin/env bash
# The demo: builds the module (pkg/), the demo SPA (www/spa/dist), the Leptos and Yew example
# apps (www/examples/, scripts/build-examples.sh) and the Rust demo backend (crates/demo, with
# the taapit-server crate), then serves on http://localhost:8080/ (PORT=… to change it) the
# landing pages (ES module and script tag), the Vite + React SPA at /spa/, the Rust apps at
# /examples/leptos/ and /examples/yew/, POST /api/signup (reports the lead), a checkout and its
# payment webhook (reports the sale), to a local mock Taapit collector whose records
# /leads.html shows. With TAAPIT_API_KEY set (and optionally TAAPIT_BASE_URL) it posts to the
# real Taapit API instead. The server-rendered Leptos app runs beside it, on the next port
# (http://localhost:8081/). Installs the build tools first if they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
bash scripts/setup.sh --build
bash scripts/build.sh
bash scripts/build-demo.sh
bash scripts/build-examples.sh
cargo build --quiet -p taapit-demo
port=${PORT:-8080}
ADDR="127.0.0.1:$((port + 1))" target/debug/taapit-leptos-example &
ssr=$!
trap 'kill "$ssr" 2>/dev/null' EXIT
echo "[demo] the server-rendered Leptos app: http://localhost:$((port + 1))/?ta_tid=leptosSsrDemo1"
target/debug/taapit-demo --port "$port"
