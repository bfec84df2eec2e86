#!/usr/bin/env bash
# Builds the demo SPA (www/spa/, Vite + React using the npm package) into www/spa/dist, which
# the demo backend (crates/demo) serves at /spa/. Needs pkg/ built (scripts/build.sh): the SPA depends on it
# as "taapit-capture": "file:../../pkg". Installs the SPA's npm packages only when
# node_modules is missing or package.json / package-lock.json changed since the last install.
# Used by scripts/demo.sh and by tests/e2e/demo.test.mjs.
set -euo pipefail
cd "$(dirname "$0")/../www/spa"

if [ ! -f ../../pkg/index.js ] || [ ! -f ../../pkg/react.js ]; then
  echo "[build-demo] pkg/ is not built: run bash scripts/build.sh first" >&2
  exit 1
fi

stamp=node_modules/.taapit-demo-install
want=$(cat package.json package-lock.json 2>/dev/null | sha256sum | cut -d' ' -f1)
if [ ! -d node_modules/vite ] || [ ! -e node_modules/taapit-capture ] \
   || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "[build-demo] installing the SPA's npm packages"
  npm install --prefer-offline --no-audit --no-fund --loglevel=error
  # npm install may rewrite the lock file: stamp what is there after it.
  cat package.json package-lock.json | sha256sum | cut -d' ' -f1 > "$stamp"
fi

node node_modules/vite/bin/vite.js build --logLevel warn
echo "[build-demo] www/spa/dist ready (served at /spa/)"
