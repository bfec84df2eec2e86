#!/usr/bin/env bash
# The benchmark (not part of the tests): builds the release package and writes BENCHMARKS.md
# with bytes, initial wasm memory, time to capture against a plain-JS reference, long tasks.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
BENCH_COMMAND="bash scripts/bench.sh" node bench/run.mjs "$@"
