# Scenario git_remote: the daemon follows a bare remote (file://, polled every second) that
#   1. disappears (unreachable), 2. is replaced by garbage bytes, 3. is force-pushed to an
#   unrelated history. During 1 and 2 the last good flows stay live (the API serves them,
#   the store keeps them) and the failure is reported (/readyz `stalled`, the sync status
#   condition); after each, a new good commit deploys. After 3, the new history's flows are
#   what is live (the old ones pruned), the applied revision is the new head.

flow_status() { curl -s -o /dev/null -w '%{http_code}' "$base/api/v1/flows/faults/$1"; }
stalled_error() { curl -s "$base/readyz" | jq -r '.stalled // empty'; }
applied_revision() { curl -s "$base/api/v1/sync/status" | jq -r '.liveRevision // empty'; }

is_stalled() { [ -n "$(stalled_error)" ]; }
not_stalled() { [ -z "$(stalled_error)" ]; }
flow_is() { [ "$(flow_status "$1")" = "$2" ]; }

# eventually SECONDS COMMAND...: until COMMAND succeeds (re-evaluated each time).
eventually() {
  local deadline=$(( $(date +%s) + $1 )); shift
  while [ "$(date +%s)" -lt "$deadline" ]; do "$@" && return 0; sleep 0.5; done
  return 1
}

log_flow() {
  printf 'id: %s\nnamespace: faults\ntasks:\n  - {id: log, type: io.kestra.plugin.core.log.Log, message: hi}\n' "$1" \
    > "$repo/flows/faults/$1.yaml"
}

push() { git -C "$repo" push -q ${1:-} "$work/remote.git" main 2>/dev/null; }

scenario_git_remote() {
  new_work git_remote
  log_flow alpha
  commit_repo
  git init -q --bare -b main "$work/remote.git"
  push
  remote="file://$work/remote.git"
  start_daemon || { remote=""; return 1; }
  remote=""
  local ok=1 notes=""
  eventually 20 flow_is alpha 200 || ok=0
  # 1. unreachable
  mv "$work/remote.git" "$work/remote.away"
  if eventually 20 is_stalled; then
    notes+=" unreachable_reported=\"$(stalled_error | head -c 100)\""
  else ok=0; notes+=" unreachable_reported=no"; fi
  [ "$(flow_status alpha)" = 200 ] || { ok=0; notes+=" alpha_lost_while_unreachable"; }
  mv "$work/remote.away" "$work/remote.git"
  log_flow beta; commit_repo beta; push
  eventually 30 flow_is beta 200 || { ok=0; notes+=" no_recovery_after_unreachable"; }
  # 2. garbage: the remote's files overwritten with random bytes
  mv "$work/remote.git" "$work/remote.good"
  mkdir -p "$work/remote.git/objects" "$work/remote.git/refs/heads"
  head -c 4096 /dev/urandom > "$work/remote.git/HEAD"
  head -c 4096 /dev/urandom > "$work/remote.git/refs/heads/main"
  head -c 65536 /dev/urandom > "$work/remote.git/packed-refs"
  if eventually 20 is_stalled; then
    notes+=" garbage_reported=\"$(stalled_error | head -c 100)\""
  else ok=0; notes+=" garbage_reported=no"; fi
  [ "$(flow_status alpha)" = 200 ] && [ "$(flow_status beta)" = 200 ] \
    || { ok=0; notes+=" flows_lost_on_garbage"; }
  rm -rf "$work/remote.git"; mv "$work/remote.good" "$work/remote.git"
  log_flow gamma; commit_repo gamma; push
  eventually 30 flow_is gamma 200 || { ok=0; notes+=" no_recovery_after_garbage"; }
  eventually 10 not_stalled || { ok=0; notes+=" still_stalled"; }
  # 3. force-push of an unrelated history holding only `delta`
  git -C "$repo" checkout -q --orphan unrelated
  git -C "$repo" rm -rq --cached . && rm -rf "$repo/flows"
  mkdir -p "$repo/flows/faults"; log_flow delta
  commit_repo unrelated
  git -C "$repo" branch -q -M unrelated main
  push --force
  local head
  head=$(git -C "$repo" rev-parse HEAD)
  eventually 30 flow_is delta 200 || { ok=0; notes+=" unrelated_not_deployed"; }
  eventually 10 flow_is alpha 404 || { ok=0; notes+=" old_flows_not_pruned"; }
  [ "$(applied_revision)" = "$head" ] || { ok=0; notes+=" applied=$(applied_revision)"; }
  kill -0 "$daemon_pid" 2>/dev/null || { ok=0; notes+=" daemon_died"; }
  stop_daemon
  result git_remote ok=$ok$notes work="$work"
}
