# Shared by the fault scenarios of bench/faults/run.sh: a flow repository, the daemon's life
# (start, SIGKILL, restart), the API and reads of the SQLite store (the source of truth every
# scenario checks against). Sourced, not run.

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
if [ -z "${BATON_BIN:-}" ]; then
  BATON_BIN="$root/target/release/baton"
  [ -x "$BATON_BIN" ] || BATON_BIN="$root/target/debug/baton"
fi
TOKEN=faults-token
daemon_pid=""

# new_work NAME: a fresh work dir ($work), port ($port, $base) and flow repo ($repo).
new_work() {
  work="$(mktemp -d "/tmp/baton-fault-$1.XXXXXX")"
  port=$(( 30000 + RANDOM % 20000 ))
  base="http://127.0.0.1:$port"
  repo="$work/repo"
  mkdir -p "$repo/flows/faults"
  git -C "$repo" init -q -b main
}

commit_repo() {
  git -C "$repo" -c user.name=faults -c user.email=faults@example.com add -A
  git -C "$repo" -c user.name=faults -c user.email=faults@example.com commit -qm "${1:-flows}" --allow-empty
}

# start_daemon [EXTRA ARGS...]: baton server on $db (default $work/baton.db), waits for /readyz.
start_daemon() {
  local dbfile="${db:-$work/baton.db}"
  "$BATON_BIN" server --repo "${remote:-$repo}" --branch main --database "sqlite://$dbfile" \
    --listen "127.0.0.1:$port" --data-dir "${data_dir:-$work/data}" --poll-interval 1s \
    --api-token "$TOKEN" "$@" >> "$work/server.log" 2>&1 &
  daemon_pid=$!
  for _ in $(seq 150); do
    curl -fs "$base/readyz" > /dev/null 2>&1 && return 0
    kill -0 "$daemon_pid" 2>/dev/null || break
    sleep 0.2
  done
  echo "daemon did not become ready; log:" >&2
  tail -20 "$work/server.log" >&2
  return 1
}

kill9_daemon() {
  kill -9 "$daemon_pid" 2>/dev/null || true
  wait "$daemon_pid" 2>/dev/null || true
}

stop_daemon() {
  kill "$daemon_pid" 2>/dev/null || true
  wait "$daemon_pid" 2>/dev/null || true
}

# start_execution NS FLOW [JSON]: prints the new execution's id (empty when not acknowledged).
start_execution() {
  local body="${3:-}"
  [ -n "$body" ] || body='{}'
  curl -s -m 10 -X POST -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \
    -d "$body" "$base/api/v1/executions/$1/$2" 2>/dev/null | jq -r '.id // empty' 2>/dev/null || true
}

sql() { sqlite3 -batch -noheader "${db:-$work/baton.db}" "$1"; }

terminal="('SUCCESS','WARNING','FAILED','KILLED','CANCELLED','RETRIED','SKIPPED')"

# wait_terminal IDS_FILE SECONDS: until every execution listed is terminal in the store.
wait_terminal() {
  local ids="$1" deadline=$(( $(date +%s) + $2 )) left
  while [ "$(date +%s)" -lt "$deadline" ]; do
    left=$(sql "SELECT count(*) FROM executions WHERE id IN ($(quote_ids "$ids")) AND state NOT IN $terminal")
    [ "$left" = 0 ] && return 0
    sleep 1
  done
  return 1
}

quote_ids() { sed "s/.*/'&'/" "$1" | paste -sd, -; }

# result NAME KEY=VALUE...: one line of the summary; FAIL when ok=0.
result() {
  local name="$1"; shift
  echo "RESULT $name $*" | tee -a "${FAULTS_SUMMARY:-/dev/null}"
  # A passing scenario's work dir goes; a failing one stays for its logs (FAULT_KEEP keeps all).
  if [[ " $* " == *" ok=1 "* ]] && [ -z "${FAULT_KEEP:-}" ]; then rm -rf "$work"; fi
}

# leaked_containers IDS_FILE: containers (any state) still there for these executions.
leaked_containers() {
  docker ps -a --filter label=baton.execution --format '{{.Label "baton.execution"}}' 2>/dev/null \
    | grep -Fxf "$1" | wc -l
}
