# Scenario disk_full: the data directory and the SQLite database on a small tmpfs
# (`mount -t tmpfs -o size=8m`, FAULT_TMPFS_SIZE; needs root). 2 MiB is too small even before
# filling: SQLite's WAL grows to 4 MB before its first automatic checkpoint. 20 executions
# run; the disk is then filled; 20 more are attempted: refused or failed with an error (no
# crash); every execution stored before is still there, in the same state; once space
# returns, 20 new executions succeed.

scenario_disk_full() {
  new_work disk_full
  local mnt="$work/mnt"
  mkdir -p "$mnt"
  mount -t tmpfs -o "size=${FAULT_TMPFS_SIZE:-8m}" tmpfs "$mnt" || { result disk_full ok=0 reason=mount-failed; return 1; }
  db="$mnt/baton.db"; data_dir="$mnt/data"
  printf 'id: w\nnamespace: faults\ntasks:\n  - id: step\n    type: io.kestra.plugin.scripts.shell.Commands\n    taskRunner: {type: io.kestra.plugin.core.runner.Process}\n    outputFiles: [out.txt]\n    commands: ["head -c 1500 /dev/urandom | base64 > out.txt", "echo ok"]\n' \
    > "$repo/flows/faults/w.yaml"
  commit_repo
  local ok=1 notes="" i id
  start_daemon || { umount "$mnt"; db=""; data_dir=""; return 1; }
  : > "$work/before"
  for i in $(seq 20); do id="$(start_execution faults w)"; [ -n "$id" ] && echo "$id" >> "$work/before"; done
  wait_terminal "$work/before" 120 || ok=0
  local snapshot_before
  snapshot_before=$(sql "SELECT id || ' ' || state FROM executions ORDER BY id" | md5sum)
  # Fill the disk.
  dd if=/dev/zero of="$mnt/filler" bs=16k 2>/dev/null || true
  : > "$work/during"
  local refused=0 answers=""
  for i in $(seq 20); do
    local answer
    answer=$(curl -s -m 10 -w ' %{http_code}' -X POST -H "authorization: Bearer $TOKEN" \
      -H 'content-type: application/json' -d '{}' "$base/api/v1/executions/faults/w")
    id=$(printf '%s' "${answer% *}" | jq -r '.id // empty' 2>/dev/null)
    if [ -n "$id" ]; then echo "$id" >> "$work/during"; else refused=$((refused + 1)); answers="${answer}"; fi
  done
  sleep 5
  kill -0 "$daemon_pid" 2>/dev/null || { ok=0; notes+=" daemon_died_when_full"; }
  local during_states=""
  [ -s "$work/during" ] && during_states=$(sql "SELECT state, count(*) FROM executions WHERE id IN ($(quote_ids "$work/during")) GROUP BY state" | paste -sd, -)
  notes+=" full:refused=$refused accepted=$(wc -l < "$work/during") accepted_states=[$during_states] last_refusal=\"$(printf '%s' "$answers" | head -c 160)\""
  # Space returns.
  rm -f "$mnt/filler"
  sleep 2
  if ! kill -0 "$daemon_pid" 2>/dev/null; then start_daemon || ok=0; fi
  local snapshot_after
  snapshot_after=$(sql "SELECT id || ' ' || state FROM executions WHERE id IN ($(quote_ids "$work/before")) ORDER BY id" | md5sum)
  local before_now
  before_now=$(sql "SELECT count(*) FROM executions WHERE id IN ($(quote_ids "$work/before")) AND state = 'SUCCESS'")
  [ "$before_now" = "$(wc -l < "$work/before")" ] || { ok=0; notes+=" stored_executions_changed"; }
  [ -s "$work/during" ] && { wait_terminal "$work/during" 120 || { ok=0; notes+=" accepted_while_full_never_ended"; }; }
  : > "$work/after"
  for i in $(seq 20); do id="$(start_execution faults w)"; [ -n "$id" ] && echo "$id" >> "$work/after"; done
  wait_terminal "$work/after" 120 || ok=0
  local after_ok
  after_ok=$(sql "SELECT count(*) FROM executions WHERE id IN ($(quote_ids "$work/after")) AND state = 'SUCCESS'")
  [ "$after_ok" = 20 ] || ok=0
  stop_daemon
  umount "$mnt" || true
  db=""; data_dir=""
  result disk_full ok=$ok before_success="$before_now/20" after_recovery_success="$after_ok/20"$notes work="$work"
  : "$snapshot_before" "$snapshot_after"
}
