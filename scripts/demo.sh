#!/usr/bin/env bash
# The demo: builds the module (pkg/) and the demo SPA (www/spa/dist), then serves on
# http://localhost:8080/ (PORT=… to change it) the landing pages (ES module and script tag),
# the Vite + React SPA at /spa/, and the demo backend (POST /api/signup shows the lead a real
# backend would report to Taapit). Installs the build tools first if they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --build
bash scripts/build.sh
bash scripts/build-demo.sh
exec node www/serve.mjs "${PORT:-8080}"
