# Scenario sigkill: SIGKILL of `baton server` (SQLite, in-process worker) at random moments
# while FAULT_EXECUTIONS (default 200) executions run: shell tasks on the Process runner and,
# one in five, on the Docker runner (image baton-test-busybox). The daemon is killed
# FAULT_KILLS times (default 4) 1-5 s apart and restarted each time. Every task appends
# `start|end <taskrun id> <attempt pid> <ns clock>` to a ledger on the host.
#
# Checks, from the store and the ledger: every acknowledged execution (201 from the API) is in
# the store and reaches a terminal state; no task run has two ledger intervals that overlap
# (ran twice concurrently); how many task runs ran to the end more than once (at-least-once
# re-runs after a kill) is reported; no container of these executions is left.

scenario_sigkill() {
  local total="${FAULT_EXECUTIONS:-200}" kills="${FAULT_KILLS:-4}"
  new_work sigkill
  local ledger="$work/ledger"
  : > "$ledger"
  cat > "$repo/flows/faults/work.yaml" <<YAML
id: work
namespace: faults
tasks:
  - id: step
    type: io.kestra.plugin.scripts.shell.Commands
    taskRunner: {type: io.kestra.plugin.core.runner.Process}
    commands:
      - echo "start {{ taskrun.id }} \$\$ \$(date +%s%N)" >> $ledger
      - sleep 0.\$(( \$\$ % 9 + 1 ))
      - echo "end {{ taskrun.id }} \$\$ \$(date +%s%N)" >> $ledger
YAML
  cat > "$repo/flows/faults/dock.yaml" <<YAML
id: dock
namespace: faults
tasks:
  - id: step
    type: io.kestra.plugin.scripts.shell.Commands
    containerImage: baton-test-busybox
    taskRunner: {type: io.kestra.plugin.scripts.runner.docker.Docker, pullPolicy: NEVER}
    commands: ["sleep 1", "echo done"]
YAML
  commit_repo
  start_daemon --worker-threads 8 || return 1
  local acked="$work/acked"
  : > "$acked"
  # The killer: SIGKILL then restart, at random moments while executions are submitted.
  (
    for _ in $(seq "$kills"); do
      sleep "$(( RANDOM % 5 + 1 ))"
      echo kill > "$work/kill-request"
      while [ -e "$work/kill-request" ]; do sleep 0.1; done
    done
  ) &
  local killer=$! n=0 flow id restarts=0
  while [ "$n" -lt "$total" ] || kill -0 "$killer" 2>/dev/null; do
    if [ -e "$work/kill-request" ]; then
      kill9_daemon
      restarts=$((restarts + 1))
      start_daemon --worker-threads 8 || return 1
      rm -f "$work/kill-request"
    fi
    if [ "$n" -lt "$total" ]; then
      flow=work; [ $((n % 5)) -eq 4 ] && flow=dock
      id="$(start_execution faults "$flow")"
      if [ -n "$id" ]; then echo "$id" >> "$acked"; n=$((n + 1)); fi
    else
      sleep 0.2
    fi
  done
  wait "$killer" 2>/dev/null || true
  local done_in_time=1
  wait_terminal "$acked" "${FAULT_SETTLE_SECONDS:-240}" || done_in_time=0
  local ids present unfinished success failed
  ids="$(quote_ids "$acked")"
  present=$(sql "SELECT count(*) FROM executions WHERE id IN ($ids)")
  unfinished=$(sql "SELECT count(*) FROM executions WHERE id IN ($ids) AND state NOT IN $terminal")
  success=$(sql "SELECT count(*) FROM executions WHERE id IN ($ids) AND state = 'SUCCESS'")
  failed=$(sql "SELECT count(*) FROM executions WHERE id IN ($ids) AND state = 'FAILED'")
  # The ledger: task runs that finished twice, and pairs of intervals of one task run that
  # overlap (a second copy started before the first ended).
  local twice overlapping
  twice=$(awk '$1 == "end" { n[$2]++ } END { c = 0; for (k in n) if (n[k] > 1) c++; print c }' "$ledger")
  overlapping=$(sort -k2,2 -k4,4n "$ledger" | awk '
    $2 != id { id = $2; open = 0 }
    $1 == "start" { if (open > 0) c++; open++ }
    $1 == "end" { if (open > 0) open-- }
    END { print c + 0 }')
  local leaked
  leaked=$(leaked_containers "$acked")
  stop_daemon
  local ok=1
  [ "$present" = "$(wc -l < "$acked")" ] && [ "$unfinished" = 0 ] && [ "$overlapping" = 0 ] \
    && [ "$leaked" = 0 ] && [ "$done_in_time" = 1 ] || ok=0
  result sigkill ok=$ok acknowledged="$(wc -l < "$acked")" restarts=$restarts \
    lost=$(( $(wc -l < "$acked") - present )) unfinished="$unfinished" success="$success" \
    failed="$failed" overlapping_runs="$overlapping" finished_twice="$twice" \
    leaked_containers="$leaked" work="$work"
}
