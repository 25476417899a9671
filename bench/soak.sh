#!/usr/bin/env bash
# Soak test: `baton server --no-worker` on PostgreSQL plus 3 `baton worker` processes under a
# mixed workload (a schedule firing every second, webhook-started shell tasks, fan-outs of 8,
# tasks that fail and retry) for SOAK_MINUTES (default 30). Every SOAK_SAMPLE seconds (default
# 60) it samples, per process, RSS and open fds (/proc/PID), and the database connections
# (pg_stat_activity), the work-queue depth and the unfinished executions; at the end it prints
# the table and a verdict per series: flat or growing (least-squares slope over the samples
# after a warm-up, projected over the run, against 20% of the mean and an absolute floor).
#
#   bench/soak.sh                         30 minutes, release binary
#   SOAK_MINUTES=5 BATON_BIN=target/debug/baton bench/soak.sh
#
# Uses a private database baton_soak_<pid> on the shared cluster (BATON_PG_ADMIN_URL, default
# postgres://baton:baton@127.0.0.1:5432/postgres), dropped at the end; never restarts Postgres.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
bin="${BATON_BIN:-$root/target/release/baton}"
minutes="${SOAK_MINUTES:-30}"
sample="${SOAK_SAMPLE:-60}"
admin="${BATON_PG_ADMIN_URL:-postgres://baton:baton@127.0.0.1:5432/postgres}"
db="baton_soak_$$"
dburl="${admin%/*}/$db"
work="$(mktemp -d /tmp/baton-soak.XXXXXX)"
port=$((20000 + $$ % 10000))
base="http://127.0.0.1:$port"
pids=()

cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  psql -q "$admin" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  [ -n "${SOAK_KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

# --- the workload's flows, in a Git repository of their own ---
repo="$work/repo"
mkdir -p "$repo/flows/soak"
process='taskRunner: {type: io.kestra.plugin.core.runner.Process}'
cat > "$repo/flows/soak/tick.yaml" <<YAML
id: tick
namespace: soak
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: "tick {{ trigger.date }}"
triggers:
  - id: every_second
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "* * * * * *"
YAML
cat > "$repo/flows/soak/hook.yaml" <<YAML
id: hook
namespace: soak
tasks:
  - id: shell
    type: io.kestra.plugin.scripts.shell.Commands
    $process
    commands: ["echo 'body {{ trigger.body.n }}'", "echo '::{\"outputs\":{\"n\":{{ trigger.body.n }}}}::'"]
triggers:
  - id: hook
    type: io.kestra.plugin.core.trigger.Webhook
    key: soak-hook
YAML
cat > "$repo/flows/soak/fanout.yaml" <<YAML
id: fanout
namespace: soak
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: [1, 2, 3, 4, 5, 6, 7, 8]
    concurrencyLimit: 0
    tasks:
      - id: item
        type: io.kestra.plugin.scripts.shell.Commands
        $process
        commands: ["echo item {{ taskrun.value }}"]
triggers:
  - id: hook
    type: io.kestra.plugin.core.trigger.Webhook
    key: soak-fanout
YAML
cat > "$repo/flows/soak/flaky.yaml" <<YAML
id: flaky
namespace: soak
tasks:
  - id: coin
    type: io.kestra.plugin.scripts.shell.Commands
    $process
    retry: {type: constant, interval: PT0.2S, maxAttempts: 3}
    commands: ["test \$(( \$(od -An -N1 -tu1 /dev/urandom) % 2 )) -eq 0"]
triggers:
  - id: hook
    type: io.kestra.plugin.core.trigger.Webhook
    key: soak-flaky
YAML
git -C "$repo" init -q -b main
git -C "$repo" -c user.name=soak -c user.email=soak@example.com add -A
git -C "$repo" -c user.name=soak -c user.email=soak@example.com commit -qm soak

# --- the processes ---
psql -q "$admin" -c "CREATE DATABASE $db" >/dev/null
mkdir -p "$work/data"
"$bin" server --repo "$repo" --branch main --database "$dburl" --listen "127.0.0.1:$port" \
  --data-dir "$work/data" --no-worker --poll-interval 10s > "$work/server.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do curl -fs "$base/readyz" >/dev/null 2>&1 && break; sleep 0.3; done
curl -fs "$base/readyz" >/dev/null || { echo "server did not start:" >&2; tail -20 "$work/server.log" >&2; exit 1; }
for i in 1 2 3; do
  "$bin" worker --database "$dburl" --data-dir "$work/data" --threads 2 --repo "$repo" \
    > "$work/worker$i.log" 2>&1 &
  pids+=($!)
done
names=(server worker1 worker2 worker3)
procs=("${pids[@]}")

# --- the load: one webhook a second, a fan-out every 3 s, a flaky task every 2 s ---
load() {
  local n=0
  while true; do
    n=$((n + 1))
    curl -s -o /dev/null -X POST -H 'content-type: application/json' \
      -d "{\"n\": $n}" "$base/api/v1/executions/webhook/soak/hook/soak-hook" || true
    [ $((n % 3)) -eq 0 ] && { curl -s -o /dev/null -X POST "$base/api/v1/executions/webhook/soak/fanout/soak-fanout" || true; }
    [ $((n % 2)) -eq 0 ] && { curl -s -o /dev/null -X POST "$base/api/v1/executions/webhook/soak/flaky/soak-flaky" || true; }
    sleep 1
  done
}
load &
loader=$!
pids+=("$loader")

q() { psql -qtA "$dburl" -c "$1" 2>/dev/null || echo '?'; }
rss() { awk '/VmRSS/ {print int($2 / 1024)}' "/proc/$1/status" 2>/dev/null || echo dead; }
fds() { ls "/proc/$1/fd" 2>/dev/null | wc -l; }

samples="$work/samples.tsv"
header="elapsed_s"
for n in "${names[@]}"; do header+="\t${n}_rss_mb\t${n}_fds"; done
header+="\tpg_conns\tqueue\tunfinished\texecutions\tfailed"
printf '%b\n' "$header" > "$samples"
end=$(( $(date +%s) + minutes * 60 ))
start=$(date +%s)
while true; do
  row="$(( $(date +%s) - start ))"
  for pid in "${procs[@]}"; do row+="\t$(rss "$pid")\t$(fds "$pid")"; done
  row+="\t$(q "SELECT count(*) FROM pg_stat_activity WHERE datname = '$db'")"
  row+="\t$(q "SELECT count(*) FROM task_runs WHERE state = 'CREATED' AND dispatch = 'WORKER'")"
  row+="\t$(q "SELECT count(*) FROM executions WHERE state NOT IN ('SUCCESS','FAILED','KILLED','WARNING','CANCELLED','SKIPPED')")"
  row+="\t$(q "SELECT count(*) FROM executions")"
  row+="\t$(q "SELECT count(*) FROM executions WHERE state = 'FAILED'")"
  printf '%b\n' "$row" >> "$samples"
  printf '%b\n' "$row" >&2
  [ "$(date +%s)" -ge "$end" ] && break
  sleep "$sample"
done
kill "$loader" 2>/dev/null || true
echo "executions by flow and state at the end:"
psql "$dburl" -c "SELECT flow_id, state, count(*) FROM executions GROUP BY 1, 2 ORDER BY 1, 2"

echo "soak: $minutes min, binary $bin, sample every ${sample}s"
column -t -s $'\t' "$samples"
# Verdict per series: slope (per sample) by least squares over the samples after the warm-up
# (SOAK_WARMUP seconds, default 300: connection pools fill, caches warm), projected over the
# run; growing when the projection exceeds max(20% of the mean, floor). Floors: 8 MB RSS,
# 8 fds, 4 connections; the queue and unfinished counts are growing past 50.
awk -F'\t' -v warmup="${SOAK_WARMUP:-300}" '
  NR == 1 { for (i = 2; i <= NF; i++) name[i] = $i; cols = NF; next }
  $1 < warmup { next }
  { n++; for (i = 2; i <= cols; i++) { x[n] = n; y[i, n] = $i + 0 } }
  END {
    verdict = "flat"
    for (i = 2; i <= cols; i++) {
      if (name[i] ~ /^(executions|failed)$/) continue
      sx = sy = sxy = sxx = 0
      for (k = 1; k <= n; k++) { sx += k; sy += y[i, k]; sxy += k * y[i, k]; sxx += k * k }
      mean = n ? sy / n : 0
      slope = (n > 1) ? (n * sxy - sx * sy) / (n * sxx - sx * sx) : 0
      growth = slope * (n - 1)
      floor = name[i] ~ /rss/ ? 8 : name[i] ~ /fds/ ? 8 : name[i] ~ /conns/ ? 4 : 50
      limit = (0.2 * mean > floor) ? 0.2 * mean : floor
      state = (growth > limit) ? "GROWING" : "flat"
      if (state == "GROWING") verdict = "GROWING"
      printf "%-18s mean %8.1f  growth over run %+8.1f  limit %6.1f  %s\n", name[i], mean, growth, limit, state
    }
    printf "verdict: %s\n", verdict
  }' "$samples"
tail -n +2 "$samples" | awk -F'\t' '{ if ($2 == "dead" || $4 == "dead" || $6 == "dead" || $8 == "dead") dead = 1 } END { if (dead) print "a process died during the run" }'
grep -ciE 'panick' "$work"/*.log | awk -F: '$2 > 0 { print "panics in " $1 ": " $2 }' || true
