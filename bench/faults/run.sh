#!/usr/bin/env bash
# Fault injection against the real `baton` binary (release if built, else debug; BATON_BIN to
# choose). Each scenario asserts from the store (SQLite, read with sqlite3) and prints one
# RESULT line with ok=1|0 and its counts; the exit status is non-zero when one failed.
#
#   bench/faults/run.sh                         every scenario
#   bench/faults/run.sh sigkill docker_kill     some
#   FAULT_EXECUTIONS=200 FAULT_KILLS=4 bench/faults/run.sh sigkill
#
# Scenarios: sigkill (daemon SIGKILLed under 200 executions, Process and Docker tasks),
# docker_kill (a task's container killed out of band), git_remote (remote unreachable, garbage,
# force-pushed to an unrelated history), disk_full (8 MiB tmpfs, needs root). Clock jumps of
# the scheduler are in-process tests: `cargo test --test integration faults::clock`.
# Needs: sqlite3, jq, curl, git, docker with baton-test-busybox (tests/images/build.sh).
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/lib.sh"
for f in sigkill docker_kill git_remote disk_full; do . "$here/$f.sh"; done
export FAULTS_SUMMARY="${FAULTS_SUMMARY:-$(mktemp /tmp/baton-faults-summary.XXXXXX)}"
trap 'kill9_daemon' EXIT
echo "binary: $BATON_BIN" >&2
scenarios=("$@")
[ "${#scenarios[@]}" -gt 0 ] || scenarios=(sigkill docker_kill git_remote disk_full)
for s in "${scenarios[@]}"; do
  echo "== $s" >&2
  "scenario_$s" || result "$s" ok=0 reason=setup-failed
done
echo "summary:"
cat "$FAULTS_SUMMARY"
! grep -q ' ok=0' "$FAULTS_SUMMARY"
