#!/bin/sh
# Per-task overhead of script tasks on the Process and Docker runners, next to plain fork/exec
# and plain `docker run`, from a release build. Prints figures and ratios; not a test.
#   bench/runner.sh            # 50 runs each (Docker: 20, alternating with docker run)
#   BATON_BENCH_RUNS=200 bench/runner.sh
set -eu
cd "$(dirname "$0")/.."
if docker version >/dev/null 2>&1; then
    sh tests/images/build.sh
fi
exec cargo bench --bench runner --quiet
