#!/usr/bin/env bash
# The server crate's load benchmark (not part of the tests): 10,000 lead events enqueued
# concurrently into the durable outbox and delivered to a mock collector (another process on
# 127.0.0.1), then 100,000 events queued and delivered; throughput and memory. Writes its
# section of BENCHMARKS.md (between the server-bench markers; bench/run.mjs keeps it).
# `bash scripts/bench-server.sh [EVENTS QUEUED]` (default 10000 100000).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

cargo build --quiet --profile bench-server -p taapit-server --features mock,outbox --example outbox_bench
table=$(target/bench-server/examples/outbox_bench "$@")
echo "$table"

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//' || true)
section=$(cat <<MD
<!-- server-bench:start -->
## Server: the durable outbox (crates/server)

Command: \`bash scripts/bench-server.sh\` · date: $(date -u +%Y-%m-%dT%H:%M:%SZ) · machine: $(nproc) CPUs (nproc), ${cpu:-unknown CPU} · profile \`bench-server\` (release, opt-level 3)

Lead events through \`Outbox::enqueue\` (SQLite WAL, \`synchronous = FULL\`: each enqueue returns
once its transaction is on disk; concurrent enqueues share one transaction) and the background
worker (batches of 64 delivered concurrently), to the mock collector in a child process over
HTTP on 127.0.0.1. Memory is the sending process's resident set.

$table
<!-- server-bench:end -->
MD
)
node -e '
const fs = require("fs");
const [file, section] = [process.argv[1], process.argv[2]];
const text = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "# Benchmarks\n";
const re = /<!-- server-bench:start -->[\s\S]*<!-- server-bench:end -->\n?/;
fs.writeFileSync(file, re.test(text) ? text.replace(re, `${section}\n`) : `${text.trimEnd()}\n\n${section}\n`);
' BENCHMARKS.md "$section"
echo "[bench-server] BENCHMARKS.md updated"
