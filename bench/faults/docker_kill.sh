# Scenario docker_kill: the container of a running Docker task is killed out of band
# (`docker kill`). With `retry` (2 attempts) the task fails its first attempt and the retry
# succeeds; without, the task and the execution fail with the container's exit in the error.
# Either way, no container of the execution is left.

# kill_container_of ID: waits for the execution's container to run, then kills it.
kill_container_of() {
  local cid=""
  for _ in $(seq 150); do
    cid=$(docker ps -q --filter "label=baton.execution=$1" | head -1)
    [ -n "$cid" ] && break
    sleep 0.2
  done
  [ -n "$cid" ] || return 1
  sleep 0.5
  docker kill "$cid" > /dev/null
}

scenario_docker_kill() {
  new_work docker_kill
  local retry
  for retry in with without; do
    local extra=""
    [ "$retry" = with ] && extra="    retry: {type: constant, interval: PT0.5S, maxAttempts: 2}"
    cat > "$repo/flows/faults/sleeper_$retry.yaml" <<YAML
id: sleeper_$retry
namespace: faults
tasks:
  - id: nap
    type: io.kestra.plugin.scripts.shell.Commands
    containerImage: baton-test-busybox
    taskRunner: {type: io.kestra.plugin.scripts.runner.docker.Docker, pullPolicy: NEVER}
$extra
    commands: ["sleep 4", "echo woke"]
YAML
  done
  commit_repo
  start_daemon || return 1
  local ok=1 line=""
  for retry in with without; do
    local id
    id="$(start_execution faults "sleeper_$retry")"
    [ -n "$id" ] || { ok=0; continue; }
    echo "$id" > "$work/ids-$retry"
    kill_container_of "$id" || ok=0
    wait_terminal "$work/ids-$retry" 120 || ok=0
    local state attempts leaked error
    state=$(sql "SELECT state FROM executions WHERE id = '$id'")
    attempts=$(sql "SELECT json_array_length(attempts) FROM task_runs WHERE execution_id = '$id'")
    error=$(sql "SELECT coalesce(error, '') FROM task_runs WHERE execution_id = '$id'" | head -c 120)
    sleep 1
    leaked=$(leaked_containers "$work/ids-$retry")
    if [ "$retry" = with ]; then
      [ "$state" = SUCCESS ] && [ "$attempts" = 2 ] || ok=0
    else
      [ "$state" = FAILED ] || ok=0
    fi
    [ "$leaked" = 0 ] || ok=0
    line+=" ${retry}_retry=$state/attempts:$attempts/leaked:$leaked"
    [ "$retry" = without ] && line+=" error=\"$error\""
  done
  stop_daemon
  result docker_kill ok=$ok $line work="$work"
}
