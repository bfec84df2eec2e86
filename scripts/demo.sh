#!/usr/bin/env bash
# The demo: builds the module (pkg/), the demo SPA (www/spa/dist) and the Rust demo backend
# (crates/demo, with the taapit-server crate), then serves on http://localhost:8080/ (PORT=…
# to change it) the landing pages (ES module and script tag), the Vite + React SPA at /spa/,
# POST /api/signup (reports the lead), a checkout and its payment webhook (reports the sale),
# to a local mock Taapit collector whose records /leads.html shows. With TAAPIT_API_KEY set
# (and optionally TAAPIT_BASE_URL) it posts to the real Taapit API instead. Installs the
# build tools first if they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
bash scripts/setup.sh --build
bash scripts/build.sh
bash scripts/build-demo.sh
cargo build --quiet -p taapit-demo
exec target/debug/taapit-demo --port "${PORT:-8080}"
