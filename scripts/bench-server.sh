#!/usr/bin/env bash
# The server crate's load benchmark (not part of the tests): 10,000 lead events enqueued
# concurrently into the durable outbox and delivered to a mock collector (another process on
# 127.0.0.1), then 100,000 events queued and delivered; throughput and memory. Then SQLite and
# PostgreSQL (a throwaway cluster, scripts/pg-cluster.sh) side by side with 1, 4 and 8
# instances, and one slow answer in 100. Writes its section of BENCHMARKS.md (between the
# server-bench markers; bench/run.mjs keeps it).
# `bash scripts/bench-server.sh [EVENTS QUEUED]` (default 10000 100000);
# TAAPIT_BENCH_EVENTS sets the side-by-side runs' size (default 4000).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

cargo build --quiet --profile bench-server -p taapit-server --features mock,outbox,postgres --example outbox_bench
# fsync on: PostgreSQL's commits reach the disk, as SQLite's do (synchronous = FULL).
eval "$(TAAPIT_PG_FSYNC=on bash scripts/pg-cluster.sh start)"
trap 'bash scripts/pg-cluster.sh stop "$TAAPIT_TEST_POSTGRES_DIR"' EXIT
pg_version=$(psql "$TAAPIT_TEST_POSTGRES_URL" -Atc 'SHOW server_version' 2>/dev/null || echo "?")
table=$(TAAPIT_BENCH_POSTGRES_URL=$TAAPIT_TEST_POSTGRES_URL target/bench-server/examples/outbox_bench "$@")
echo "$table"

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//' || true)
section=$(cat <<MD
<!-- server-bench:start -->
## Server: the durable outbox (crates/server)

Command: \`bash scripts/bench-server.sh\` · date: $(date -u +%Y-%m-%dT%H:%M:%SZ) · machine: $(nproc) CPUs (nproc), ${cpu:-unknown CPU} · profile \`bench-server\` (release, opt-level 3)

Lead events through \`Outbox::enqueue\` (SQLite WAL, \`synchronous = FULL\`: each enqueue returns
once its transaction is on disk; concurrent enqueues share one transaction) and the background
worker (up to 64 deliveries under way), to the mock collector in a child process over
HTTP on 127.0.0.1. Memory is the sending process's resident set.

The side-by-side runs: the SQLite file as above (the instances are handles on one file, as
processes sharing it would be); PostgreSQL $pg_version on the same machine and disk
(scripts/pg-cluster.sh, 127.0.0.1, \`fsync=on\`: each commit on disk before it returns), each
instance with its own pool of 8 connections. The collector is another child process that
answers after a set delay.

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
