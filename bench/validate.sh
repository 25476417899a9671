#!/usr/bin/env bash
# Benchmark of `baton validate` (not a test): generates a repo of N flows (default 10,000),
# builds baton in release mode, then times validating the whole repo and one changed file, and
# prints files/second. Uses hyperfine when installed, else repeated runs timed with `date`.
#
# usage: bench/validate.sh [N] [RUNS]
set -euo pipefail

N="${1:-10000}"
RUNS="${2:-5}"
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(dirname "$HERE")"
REPO="${BENCH_REPO:-$(mktemp -d)/repo}"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"

if [ ! -d "$REPO/flows" ]; then
    python3 "$HERE/gen_flows.py" "$REPO" "$N" >/dev/null
fi
FILES=$(find "$REPO/flows" -name '*.yaml' | wc -l)
BYTES=$(du -sb "$REPO/flows" | cut -f1)
ONE=$(find "$REPO/flows" -name '*.yaml' | sort | head -1)

(cd "$ROOT" && cargo build --release --quiet)
BATON="$TARGET/release/baton"
echo "repo: $REPO ($FILES flow files, $((BYTES / 1024 / 1024)) MiB), cores: $(nproc)"
"$BATON" validate "$REPO" | tail -1

# Median wall time, in milliseconds, of RUNS runs of "$@".
median_ms() {
    local times=()
    for _ in $(seq "$RUNS"); do
        local start end
        start=$(date +%s%N)
        "$@" >/dev/null
        end=$(date +%s%N)
        times+=($(((end - start) / 1000000)))
    done
    printf '%s\n' "${times[@]}" | sort -n | sed -n "$(((RUNS + 1) / 2))p"
}

if command -v hyperfine >/dev/null; then
    hyperfine --warmup 1 --runs "$RUNS" "$BATON validate $REPO" "$BATON validate $ONE"
fi
"$BATON" validate "$REPO" >/dev/null # warm the page cache
WHOLE=$(median_ms "$BATON" validate "$REPO")
SINGLE=$(median_ms "$BATON" validate "$ONE")
echo "whole repo: ${WHOLE} ms median of $RUNS -> $((FILES * 1000 / (WHOLE > 0 ? WHOLE : 1))) files/s"
echo "one changed file: ${SINGLE} ms median of $RUNS (process start, schema compile, one flow)"
