#!/usr/bin/env bash
# The benchmark (not part of the tests): builds the release package and writes BENCHMARKS.md
# with bytes (gzip -9 and brotli), initial wasm memory, and three runs of the time to capture
# of the script tag and the npm ES module against a plain-JS reference and the floor, on
# localhost and on an emulated slow mobile network, with long tasks and where the time goes
# (bench/run.mjs says how, and which environment variables bound the counts): 432 timed and
# 64 instrumented page loads by default; BENCHMARKS.md's first line says how long they took.
# `bash scripts/bench.sh [OUT.md]`.
set -euo pipefail
cd "$(dirname "$0")/.."
# Chromium and node_modules (playwright-core, esbuild, wasm-opt), the wasm target.
bash scripts/setup.sh
bash scripts/build.sh
echo "[bench] $(uptime)"
BENCH_COMMAND="bash scripts/bench.sh${1:+ $1}" node bench/run.mjs "$@"
echo "[bench] $(uptime)"
