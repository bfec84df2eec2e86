#!/usr/bin/env bash
# Every test: formatting and lints (native and wasm32), the native core tests, the server
# crate's tests (lookup, cookie re-issue, delivery faults, the outbox killed and restarted, the
# PostgreSQL outbox against a throwaway cluster: scripts/pg-cluster.sh),
# the Leptos and Yew features with their example apps, the module in real Chromium, Firefox and
# WebKit, the end-to-end tests on real host names over HTTPS (the capture, script-tag,
# fallback and hostile-page suites in the three engines; the demo and the server's cookie re-issue through the
# Rust demo backend; the example apps; Next.js), and a short run of each fuzz target.
# Installs what is missing first (scripts/setup.sh), so it runs on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

step() { printf '\n==> %s\n' "$*"; }

step "setup"
bash scripts/setup.sh

step "cargo fmt --check"
cargo fmt --check
(cd fuzz && cargo fmt --check)

step "cargo clippy (native, then wasm32)"
cargo clippy -p taapit-capture -p taapit-core -p taapit-wasm --all-targets --quiet -- -D warnings
(cd fuzz && cargo clippy --all-targets --quiet -- -D warnings) # the fuzz crate, outside the workspace
cargo clippy --all-targets --target wasm32-unknown-unknown --quiet -- -D warnings
# The shipped no-std build (crates/wasm) and the rules it builds on: the libraries only (test
# targets link std, and std's panic handler).
cargo clippy -p taapit-wasm -p taapit-core --lib --target wasm32-unknown-unknown --quiet -- -D warnings

step "native tests (the rules against a fake browser jar, the .wasm's contract, the Rust API)"
cargo test --quiet -p taapit-core -p taapit-wasm -p taapit-capture

step "the server crate (crates/server): clippy, unit, doc and fault tests against a mock collector"
cargo clippy -p taapit-server --all-targets --all-features --quiet -- -D warnings
cargo clippy -p taapit-demo --all-targets --quiet -- -D warnings
# The PostgreSQL outbox's tests need a server: a throwaway cluster, stopped however this ends.
eval "$(bash scripts/pg-cluster.sh start)"
trap 'bash scripts/pg-cluster.sh stop "$TAAPIT_TEST_POSTGRES_DIR"' EXIT
TAAPIT_REQUIRE_POSTGRES=1 cargo test -p taapit-server --all-features --quiet
cargo test -p taapit-demo --quiet # the demo backend: /api/leads carries the outbox stats
bash scripts/pg-cluster.sh stop "$TAAPIT_TEST_POSTGRES_DIR"
trap - EXIT
unset TAAPIT_TEST_POSTGRES_URL TAAPIT_TEST_POSTGRES_DIR

step "the example apps (Leptos, Yew): build once, for their tests and the end-to-end tests"
bash scripts/build-examples.sh

step "cargo clippy (the leptos and yew features together, with the example apps)"
# One check per target: the three packages together give the root crate both features
# (leptos-ssr and yew natively; leptos and yew on wasm32), so this also checks that they
# compile together.
apps=(-p taapit-capture -p taapit-leptos-example -p taapit-yew-example -p taapit-example-signup)
cargo clippy "${apps[@]}" --all-targets --features taapit-leptos-example/ssr --quiet -- -D warnings
cargo clippy "${apps[@]}" --lib --target wasm32-unknown-unknown \
  --features taapit-leptos-example/hydrate --quiet -- -D warnings

step "native tests of the leptos and yew features (server rendering, props → Options)"
cargo test --quiet -p taapit-leptos-example --features ssr
# The Leptos module's unit tests (the hydration hand-off's text), with the features the
# example's tests compiled.
cargo test --quiet -p taapit-capture -p taapit-leptos-example --lib \
  --features taapit-leptos-example/ssr -- leptos::
cargo test --quiet -p taapit-yew-example
# The doc examples of src/leptos.rs and src/yew.rs (the root crate's others ran above), with
# the features the example tests already compiled.
cargo test --quiet --doc -p taapit-capture -p taapit-leptos-example -p taapit-yew-example \
  --features taapit-leptos-example/ssr -- leptos yew

step "build pkg/"
bash scripts/build.sh

# Also runs the doc examples for wasm32: the Rust API's (src/web/) exist only there.
step "wasm-bindgen-test in Chromium, Firefox and WebKit, and the wasm32 doc examples"
bash scripts/test-browsers.sh

step "end-to-end in Chromium, Firefox and WebKit on real host names over HTTPS"
bash scripts/test-e2e.sh

step "fuzz smoke (each fuzz target for a few seconds; scripts/fuzz.sh --full for the long run)"
bash scripts/fuzz.sh

step "size and memory ceilings (bench/budgets.mjs)"
node bench/budgets.mjs

step "release check (cargo publish --dry-run, npm publish --dry-run, SRI, docs)"
bash scripts/release-check.sh

step "all tests passed"
