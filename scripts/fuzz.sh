#!/usr/bin/env bash
# Fuzzes the rules that read untrusted text (fuzz/: URL query and decoding, id validation, the
# document.cookie parser and cookie writer, the option list that options objects and data-
# attributes become, outbound host matching and link decoration, the localStorage mirror
# entry, and the whole capture over a fake browser), with cargo fuzz (libFuzzer) on nightly
# Rust. Each target panics on a broken invariant, which fails the run (the input is saved
# under fuzz/artifacts/<target>/).
#
#   bash scripts/fuzz.sh                 # smoke: each target for FUZZ_SECONDS (default 5) seconds
#   bash scripts/fuzz.sh --full          # each target for FUZZ_RUNS (default 10,000,000) inputs;
#                                        #   prints the figures table of RELIABILITY.md
#   bash scripts/fuzz.sh --full options  # some targets only
#
# One process per target, one target at a time: one core. Installs the nightly toolchain
# (minimal profile) and cargo-fuzz when they are missing. The corpus each target grows is kept
# in fuzz/corpus/<target> (not committed) and reused by later runs.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

CARGO_FUZZ_VERSION=0.13.2
TARGETS=(url_query id cookie_jar options outbound mirror capture)

say() { printf '[fuzz] %s\n' "$*"; }

mode=smoke
if [ "${1:-}" = "--full" ]; then mode=full; shift; fi
[ $# -gt 0 ] && TARGETS=("$@")

if ! rustup run nightly rustc --version >/dev/null 2>&1; then
  say "installing the nightly toolchain (minimal profile)"
  rustup toolchain install nightly --profile minimal
fi
if [ "$(cargo fuzz --version 2>/dev/null | awk '{print $2}')" != "$CARGO_FUZZ_VERSION" ]; then
  say "installing cargo-fuzz $CARGO_FUZZ_VERSION"
  cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked
fi

# Debug assertions on (an arithmetic overflow is a crash too); no sanitizer: the code under
# test is safe Rust, and without ASan's instrumentation each target runs 2-3 times faster.
FLAGS=(--debug-assertions --sanitizer none)
cd fuzz
say "building the targets"
cargo +nightly fuzz build "${FLAGS[@]}"

if [ "$mode" = smoke ]; then
  limit=(-max_total_time="${FUZZ_SECONDS:-5}")
else
  limit=(-runs="${FUZZ_RUNS:-10000000}")
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
rows=()
failed=()
for target in "${TARGETS[@]}"; do
  mkdir -p "corpus/$target"
  start=$(date +%s)
  if cargo +nightly fuzz run "${FLAGS[@]}" "$target" "corpus/$target" -- \
      "${limit[@]}" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 >"$log" 2>&1; then
    status=ok
  else
    status=FAILED
    failed+=("$target")
    grep -E -A12 "panicked at|ERROR: libFuzzer" "$log" | head -40 >&2 || tail -40 "$log" >&2
  fi
  secs=$(( $(date +%s) - start ))
  stat() { sed -n "s/^stat::$1: *//p" "$log" | tail -1; }
  runs=$(stat number_of_executed_units)
  rate=$(stat average_exec_per_sec)
  cov=$(grep -Eo 'cov: [0-9]+' "$log" | tail -1 | awk '{print $2}')
  corpus=$(find "corpus/$target" -type f | wc -l)
  say "$target: $status, ${runs:-?} inputs in ${secs} s (${rate:-?}/s), coverage ${cov:-?} edges, corpus ${corpus}"
  rows+=("| \`$target\` | ${runs:-?} | ${secs} s | ${rate:-?} | ${cov:-?} | $corpus | $status |")
done

if [ "$mode" = full ]; then
  printf '\n| target | inputs run | time | inputs/s | edges covered | corpus | result |\n'
  printf '| --- | ---: | ---: | ---: | ---: | ---: | --- |\n'
  printf '%s\n' "${rows[@]}"
fi
if [ ${#failed[@]} -gt 0 ]; then
  say "FAILED: ${failed[*]} (inputs in fuzz/artifacts/)"
  exit 1
fi
say "all ${#TARGETS[@]} targets: no panic, no broken invariant"
