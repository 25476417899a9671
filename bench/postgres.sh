#!/usr/bin/env bash
# Postgres benchmark: release build, then executions/s of the 3-task Log/Return flow, the
# Parallel of 40 shell tasks with 1, 2 and 4 `baton worker` processes, and the claim latency.
# Targets: > 500 executions/s of the 3-task flow, < 5 ms median claim latency.
# Needs BATON_BENCH_POSTGRES_URL (or BATON_TEST_POSTGRES_URL): a superuser URL; the benchmark
# creates and drops a database of its own.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --bin baton --example postgres_bench
target="${CARGO_TARGET_DIR:-target}"
BATON_BIN="$target/release/baton" "$target/release/examples/postgres_bench"
