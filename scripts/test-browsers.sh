#!/usr/bin/env bash
# Runs the wasm-bindgen-test suites (tests/browser/) in the three browser engines, one after
# the other: Chromium, Firefox, WebKit. Fails if any engine fails; every engine runs anyway.
#
#   bash scripts/test-browsers.sh                    # all three
#   bash scripts/test-browsers.sh firefox webkit     # some of them
#   bash scripts/test-browsers.sh chromium -- some_test_name   # extra arguments go to the runner
#
# Needs what scripts/setup.sh installs: the wasm32 target, wasm-bindgen-cli at the crate's
# wasm-bindgen version, chromium + chromedriver, firefox-esr + geckodriver, WebKitWebDriver
# + xvfb-run (and webdriver.json in the crate root for WebKit's MiniBrowser).
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

say() { printf '[test-browsers] %s\n' "$*"; }

engines=()
while [ $# -gt 0 ]; do
  case "$1" in
    --) shift; break ;;
    chromium|firefox|webkit) engines+=("$1"); shift ;;
    *) say "unknown engine '$1' (chromium, firefox, webkit)"; exit 2 ;;
  esac
done
[ ${#engines[@]} -eq 0 ] && engines=(chromium firefox webkit)
runner_args=("$@")

if ! command -v wasm-bindgen-test-runner >/dev/null || ! command -v wasm-bindgen >/dev/null; then
  say "wasm-bindgen-cli is missing: run scripts/setup.sh"
  exit 1
fi

# The whole suite runs in one page and waits out WebKit's replaceState ration (about 10 s);
# WebKit under Xvfb also starts slowly. The runner's default is 20 s.
export WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-180}"

# The JS API tests load the shipped loader and .wasm (pkg/, as scripts/build.sh makes it) in
# the test page; the runner serves the crate root, so the tests get the loader's URL at
# compile time. (Built again here, so a run on its own never tests a stale pkg/.)
say "building pkg/"
bash scripts/build.sh || exit 1
export TAAPIT_LOADER="/pkg/loader.js"

# Build the tests once, before any browser starts.
cargo test --quiet --target wasm32-unknown-unknown --no-run || exit 1

failed=()
summary=()
for engine in "${engines[@]}"; do
  # Exactly one driver variable per run: the runner picks whichever it finds.
  unset CHROMEDRIVER GECKODRIVER SAFARIDRIVER
  wrap=()
  case "$engine" in
    chromium) export CHROMEDRIVER=/usr/bin/chromedriver ;;
    firefox) export GECKODRIVER="$HOME/.cargo/bin/geckodriver" ;;
    webkit)
      export SAFARIDRIVER=/usr/bin/WebKitWebDriver
      wrap=(xvfb-run -a)
      ;;
  esac
  driver="${CHROMEDRIVER:-${GECKODRIVER:-${SAFARIDRIVER:-}}}"
  say "=== $engine (driver $driver) ==="
  if [ ! -x "$driver" ]; then
    say "=== $engine: $driver is missing: run scripts/setup.sh ==="
    summary+=("$engine: FAILED (no driver)")
    failed+=("$engine")
    continue
  fi
  start=$(date +%s)
  "${wrap[@]}" cargo test --target wasm32-unknown-unknown -- "${runner_args[@]}"
  status=$?
  seconds=$(( $(date +%s) - start ))
  if [ $status -eq 0 ]; then
    summary+=("$engine: ok (${seconds}s)")
  else
    summary+=("$engine: FAILED (${seconds}s)")
    failed+=("$engine")
  fi
  say "=== $engine: exit $status after ${seconds}s ==="
done
unset CHROMEDRIVER GECKODRIVER SAFARIDRIVER

say "summary:"
for line in "${summary[@]}"; do say "  $line"; done
if [ ${#failed[@]} -gt 0 ]; then
  say "failed in: ${failed[*]}"
  exit 1
fi
say "all engines passed"
