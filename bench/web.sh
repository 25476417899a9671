#!/usr/bin/env bash
# Benchmark (not a test) of the status pages and the search API on a big store: fills a SQLite
# store with 100,000 executions through the Store trait (bench/web_serve.rs, release build),
# serves it on 127.0.0.1 and measures p50/p99 latency of `/`, `/ui/executions` and the JSON
# search with a bounded number of sequential requests. Target: p99 < 50 ms.
#   bench/web.sh [EXECUTIONS] [REQUESTS]     (defaults 100000 and 300; PROFILE=dev to skip release)
# PostgreSQL: STORE=postgres://baton:baton@127.0.0.1:5432/baton_web_bench bench/web.sh
#   (the database is dropped and created again first; EXECUTIONS=0 reuses a filled one).
set -euo pipefail
cd "$(dirname "$0")/.."
executions=${1:-100000}
requests=${2:-300}
port=${PORT:-18181}
profile=${PROFILE:-release}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}

if [ "$profile" = release ]; then
  cargo build --release --example web_serve
  server="$CARGO_TARGET_DIR/release/examples/web_serve"
else
  cargo build --example web_serve
  server="$CARGO_TARGET_DIR/debug/examples/web_serve"
fi

dir=$(mktemp -d)
store=(--db "$dir/baton.db")
if [ -n "${STORE:-}" ]; then
  store=(--store "$STORE")
  if [ "$executions" != 0 ]; then
    db=${STORE##*/}
    admin=${STORE%/*}/postgres
    psql "$admin" -qc "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
  fi
fi
"$server" "${store[@]}" --repo . --fill "$executions" --port "$port" 2>"$dir/log" &
pid=$!
trap 'kill -INT $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 1 600); do
  grep -q "serving on" "$dir/log" 2>/dev/null && break
  kill -0 $pid 2>/dev/null || { cat "$dir/log"; exit 1; }
  sleep 0.5
done
grep "filled" "$dir/log" || true
if [ -n "${STORE:-}" ]; then
  echo "store: PostgreSQL, $executions executions filled; $requests requests per URL ($profile build)"
else
  echo "store: SQLite, $executions executions, $(du -h "$dir/baton.db" | cut -f1) on disk; $requests requests per URL ($profile build)"
fi
python3 bench/web_latency.py "$port" "$requests" \
  / \
  /ui/executions \
  "/ui/executions?state=FAILED&page=40" \
  "/ui/executions?namespace=tutorial&flowId=taxi_elt" \
  /api/v1/executions \
  "/api/v1/executions?state=FAILED&namespace=company&size=100" \
  "/api/v1/executions?page=3000&size=25"
