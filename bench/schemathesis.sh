#!/usr/bin/env bash
# Property-based API check: schemathesis generates requests from /api/v1/openapi.json of a running
# server (bench/web_serve.rs over the example repo, with an API token so write endpoints are
# exercised too) and fails on any 5xx. Run once; fix what it finds.
#   bench/schemathesis.sh [MAX_EXAMPLES]      (needs `pip install schemathesis`)
set -euo pipefail
cd "$(dirname "$0")/.."
examples=${1:-50}
port=${PORT:-18183}
token=schemathesis-token
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
cargo build --example web_serve
dir=$(mktemp -d)
"$CARGO_TARGET_DIR/debug/examples/web_serve" --db "$dir/baton.db" --repo . --fill 200 \
  --port "$port" --api-token "$token" 2>"$dir/log" &
pid=$!
trap 'kill -INT $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 1 120); do
  grep -q "serving on" "$dir/log" 2>/dev/null && break
  sleep 0.5
done
schemathesis run "http://127.0.0.1:$port/api/v1/openapi.json" \
  --url "http://127.0.0.1:$port" \
  --checks not_a_server_error \
  --max-examples "$examples" \
  -H "Authorization: Bearer $token"
