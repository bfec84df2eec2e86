#!/usr/bin/env bash
# The demo: builds the module and serves the landing page in www/ on http://localhost:8080/
# (PORT=… to change it). Installs the build tools first if they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --build
bash scripts/build.sh
exec node www/serve.mjs "${PORT:-8080}"
