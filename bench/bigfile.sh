#!/usr/bin/env bash
# Benchmark: a ~1 GB taxi-like CSV served by a local HTTP server flows through a real
# `baton run` process (http.Download -> CopyIn -> PurgeCurrentExecutionFiles); prints the
# file size, rows loaded, wall time, MB/s, and the baton process's peak RSS (VmHWM, via
# /usr/bin/time), whose target is < 100 MB whatever the file size. Needs
# BATON_TEST_POSTGRES_URL (postgres://user:password@host:port/db); BATON_BIN overrides the
# binary (default: a release build).
# usage: bench/bigfile.sh [rows]   (default 10500000, ~1.03 GB)
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS="${1:-10500000}"
URL="${BATON_TEST_POSTGRES_URL:?set BATON_TEST_POSTGRES_URL}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
SRC=/tmp/baton-bench
CSV="$SRC/bigfile_$ROWS.csv"
WORK=$(mktemp -d /tmp/baton-bigfile.XXXXXX)
TABLE=bench_bigfile_trips
SERVER_PID=

cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true
  rm -rf "$WORK"
  psql -q "$URL" -c "DROP TABLE IF EXISTS $TABLE" >/dev/null 2>&1 || true
}
trap cleanup EXIT

mkdir -p "$SRC"
if [ ! -s "$CSV" ]; then
  echo "generating $ROWS rows into $CSV"
  python3 bench/copyin_gen.py "$ROWS" "$CSV"
fi
BYTES=$(stat -c %s "$CSV")

if [ -z "${BATON_BIN:-}" ]; then
  cargo build --release --bin baton 2>&1 | tail -1
  BATON_BIN="$CARGO_TARGET_DIR/release/baton"
fi

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server --bind 127.0.0.1 --directory "$SRC" "$PORT" >/dev/null 2>&1 &
SERVER_PID=$!
for _ in $(seq 50); do
  curl -sfI "http://127.0.0.1:$PORT/" >/dev/null 2>&1 && break
  sleep 0.1
done

# postgres://user:password@host:port/db -> the JDBC URL and credentials a flow takes.
REST=${URL#*://}
USERINFO=${REST%%@*}
LOCATION=${REST#*@}
PG_USER=${USERINFO%%:*}
PG_PASSWORD=${USERINFO#*:}

cat > "$WORK/bigfile.yaml" <<FLOW
id: bigfile
namespace: bench
pluginDefaults:
  - type: io.kestra.plugin.jdbc.postgresql
    values:
      url: jdbc:postgresql://$LOCATION
      username: $PG_USER
      password: "$PG_PASSWORD"
tasks:
  - id: table
    type: io.kestra.plugin.jdbc.postgresql.Queries
    sql: |
      DROP TABLE IF EXISTS $TABLE;
      CREATE TABLE $TABLE (
        vendor_id int, pickup timestamp, dropoff timestamp, passenger_count int,
        trip_distance numeric, ratecode_id int, store_and_fwd_flag text, pu_location_id int,
        do_location_id int, payment_type int, fare_amount numeric, extra numeric,
        mta_tax numeric, tip_amount numeric, tolls_amount numeric,
        improvement_surcharge numeric, total_amount numeric, congestion_surcharge numeric);
  - id: download
    type: io.kestra.plugin.core.http.Download
    uri: http://127.0.0.1:$PORT/$(basename "$CSV")
  - id: load
    type: io.kestra.plugin.jdbc.postgresql.CopyIn
    from: "{{ outputs.download.uri }}"
    table: $TABLE
    format: CSV
    header: true
  - id: purge
    type: io.kestra.plugin.core.storage.PurgeCurrentExecutionFiles
FLOW

cat "$CSV" > /dev/null # warm the page cache: the server reads from memory, not disk
/usr/bin/time -o "$WORK/time" -f "peak_rss_kb=%M seconds=%e" \
  "$BATON_BIN" run "$WORK/bigfile.yaml" --database "sqlite://$WORK/baton.db" \
  --data-dir "$WORK/data" --json > "$WORK/out.json"
cat "$WORK/time"
python3 - "$WORK/out.json" "$WORK/time" "$BYTES" <<'PY'
import json, re, sys
out = json.load(open(sys.argv[1]))
times = dict(re.findall(r"(\w+)=([\d.]+)", open(sys.argv[2]).read()))
size = int(sys.argv[3])
runs = {t["taskId"]: t for t in out["taskRuns"]}
rows = runs["load"]["outputs"].get("rowCount")
length = runs["download"]["outputs"].get("length")
rss_mb = int(times["peak_rss_kb"]) / 1024
seconds = float(times["seconds"])
print(f"execution {out['state']}: downloaded {length} bytes, loaded {rows} rows")
print(f"file {size / 1e9:.2f} GB in {seconds:.1f} s = {size / 1e6 / seconds:.0f} MB/s,"
      f" {rows / seconds:,.0f} rows/s (download + COPY, measured end to end)")
print(f"baton peak RSS: {rss_mb:.1f} MB (target < 100 MB): {'ok' if rss_mb < 100 else 'MISSED'}")
sys.exit(0 if out["state"] == "SUCCESS" and rss_mb < 100 else 1)
PY
