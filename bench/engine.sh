#!/usr/bin/env bash
# Engine benchmark: release build, then orchestration overhead (ms/task) and executions/s on
# SQLite. Targets: < 1 ms per task, > 500 executions/s of a 3-task flow.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --example engine_bench
"${CARGO_TARGET_DIR:-target}/release/examples/engine_bench"
