#!/usr/bin/env bash
# Installs what the build, the demo and the tests need, skipping what is already present.
# Safe to run again and again: every step checks before it installs.
#
#   bash scripts/setup.sh            # everything (toolchain, browsers, drivers, npm packages)
#   bash scripts/setup.sh --build    # only what building pkg/ needs (used by the demo)
set -euo pipefail
cd "$(dirname "$0")/.."

# The version the lock file resolved (the CLI must match the library the tests link); the
# crate's own requirement is a caret one, for its users.
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; sub(/^version = "/, ""); sub(/"$/, ""); print; exit }' Cargo.lock)
if [ -z "$WASM_BINDGEN_VERSION" ]; then
  echo "[setup] cannot read the wasm-bindgen version from Cargo.lock" >&2
  exit 1
fi
GECKODRIVER_VERSION=0.36.0
export PATH="$HOME/.cargo/bin:$PATH"

say() { printf '[setup] %s\n' "$*"; }

need_apt=()
apt_missing() { # package, file it provides
  [ -e "$2" ] || need_apt+=("$1")
}

# --- Rust: wasm target and the wasm-bindgen CLI pinned to the crate's version ---
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding rust target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
  say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION"
  # --locked can name a crate the registry mirror lacks; the unlocked resolve is the fallback.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --locked \
    || cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi

# --- npm packages (wasm-opt from binaryen, esbuild and zopfli for the script tag,
# playwright-core for end-to-end tests) ---
if [ ! -x node_modules/.bin/wasm-opt ] || [ ! -x node_modules/.bin/esbuild ] \
   || [ ! -d node_modules/playwright-core ] || [ ! -d node_modules/@gfx/zopfli ] \
   || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error
fi

[ "${1:-}" = "--build" ] && exit 0

# --- Browsers and their WebDriver servers (Debian packages) ---
apt_missing chromium /usr/bin/chromium
apt_missing chromium-driver /usr/bin/chromedriver
apt_missing firefox-esr /usr/bin/firefox-esr
apt_missing webkit2gtk-driver /usr/bin/WebKitWebDriver
apt_missing xvfb /usr/bin/xvfb-run
apt_missing xauth /usr/bin/xauth
apt_missing openssl /usr/bin/openssl
# The throwaway PostgreSQL cluster of the outbox tests (scripts/pg-cluster.sh): any version.
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || need_apt+=(postgresql)
if [ ${#need_apt[@]} -gt 0 ]; then
  say "installing Debian packages: ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi
if ! command -v geckodriver >/dev/null; then
  say "installing geckodriver $GECKODRIVER_VERSION"
  cargo install geckodriver --version "$GECKODRIVER_VERSION" --locked \
    || cargo install geckodriver --version "$GECKODRIVER_VERSION"
fi
say "ready"
