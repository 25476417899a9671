#!/usr/bin/env bash
# GitOps daemon benchmark (not a test): a repository of 1,000 flows; prints
#  - start-up time to ready (fresh database: deploys 1,000 flows; and a restart on that database),
#  - idle RSS,
#  - median of 20 commit-to-live latencies with --follow-worktree on a local repo,
#  - median of 20 push-webhook-to-live latencies for a remote (bare repo over file://).
# Usage: bench/gitops.sh [path/to/baton]   (default: target/release/baton)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bin="${1:-${BATON_BIN:-$here/../target/release/baton}}"
[ -x "$bin" ] || { echo "no baton binary at $bin (cargo build --release)" >&2; exit 2; }
exec python3 "$here/gitops_bench.py" "$bin"
