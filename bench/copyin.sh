#!/usr/bin/env bash
# Benchmark: 10 million taxi-like rows (~1 GB CSV) loaded with baton's CopyIn and with
# psql's \copy, same table, same server; prints rows/second of both, the ratio, and baton's peak
# RSS. Needs BATON_TEST_POSTGRES_URL (postgres://user:password@host:port/db).
# usage: bench/copyin.sh [rows]   (default 10000000)
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS="${1:-10000000}"
URL="${BATON_TEST_POSTGRES_URL:?set BATON_TEST_POSTGRES_URL}"
DIR=/tmp/baton-bench
CSV="$DIR/taxi_$ROWS.csv"
TABLE=bench_copyin_trips
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"

mkdir -p "$DIR"
if [ ! -s "$CSV" ]; then
  echo "generating $ROWS rows into $CSV"
  python3 bench/copyin_gen.py "$ROWS" "$CSV"
fi
ls -l "$CSV"

cargo build --release --example copyin 2>&1 | tail -1
BIN="$CARGO_TARGET_DIR/release/examples/copyin"

psql -q "$URL" <<SQL
DROP TABLE IF EXISTS $TABLE;
CREATE TABLE $TABLE (
  vendor_id int, pickup timestamp, dropoff timestamp, passenger_count int, trip_distance numeric,
  ratecode_id int, store_and_fwd_flag text, pu_location_id int, do_location_id int,
  payment_type int, fare_amount numeric, extra numeric, mta_tax numeric, tip_amount numeric,
  tolls_amount numeric, improvement_surcharge numeric, total_amount numeric,
  congestion_surcharge numeric);
SQL
# Warm the page cache so neither load pays for the first read of the file.
cat "$CSV" > /dev/null

psql -q "$URL" -c "TRUNCATE $TABLE; CHECKPOINT"
BATON_OUT=$(/usr/bin/time -f "time_max_rss_kb=%M" "$BIN" "$URL" "$CSV" "$TABLE" 2>&1)
echo "$BATON_OUT"

psql -q "$URL" -c "TRUNCATE $TABLE; CHECKPOINT"
START=$(date +%s.%N)
PSQL_OUT=$(psql "$URL" -c "\\copy $TABLE FROM '$CSV' WITH (FORMAT csv, HEADER true)")
END=$(date +%s.%N)
PSQL_ROWS=$(echo "$PSQL_OUT" | awk '/COPY/ {print $2}')
PSQL_ROWS=${PSQL_ROWS:-$ROWS}
PSQL_SECONDS=$(echo "$END - $START" | bc -l)
echo "psql rows=$PSQL_ROWS seconds=$(printf %.2f "$PSQL_SECONDS")"

BATON_RPS=$(echo "$BATON_OUT" | sed -n 's/.*rows_per_second=\([0-9]*\).*/\1/p')
BATON_RSS=$(echo "$BATON_OUT" | sed -n 's/.*peak_rss_kb=\([0-9]*\).*/\1/p')
PSQL_RPS=$(echo "$PSQL_ROWS / $PSQL_SECONDS" | bc -l)
printf 'baton: %.0f rows/s   psql \\copy: %.0f rows/s   ratio: %.1f %% (target >= 90 %%)\n' \
  "$BATON_RPS" "$PSQL_RPS" "$(echo "100 * $BATON_RPS / $PSQL_RPS" | bc -l)"
printf 'baton peak RSS: %.1f MB (target < 100 MB)\n' "$(echo "$BATON_RSS / 1024" | bc -l)"
psql -q "$URL" -c "DROP TABLE $TABLE"
