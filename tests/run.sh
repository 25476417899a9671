#!/usr/bin/env bash
# Runs baton's whole test suite. On a fresh Debian/Ubuntu machine it first installs and starts
# what the tests talk to for real: PostgreSQL, Debian's busybox-static (for the Docker test
# image), and the `kestra` Python package (Kestra's output protocol). Idempotent and quick when
# everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
have() { command -v "$1" >/dev/null 2>&1; }

packages=()
[ -x /bin/busybox ] || packages+=(busybox-static)
have pg_ctlcluster || packages+=(postgresql)
have git || packages+=(git)
have python3 || packages+=(python3 python3-pip)
# The browser test (tests/web/browser.rs) drives headless Chromium; it skips when missing.
have chromium || packages+=(chromium)
if [ ${#packages[@]} -gt 0 ]; then
  echo "tests/run.sh: installing ${packages[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >/dev/null
fi

# The output protocol's real client, and uv for `packageManager: UV` (tests/script_deps.rs).
pip_install() {
  python3 -m pip install -q "$@" 2>/dev/null || python3 -m pip install -q --break-system-packages "$@"
}
python3 -c 'import kestra' 2>/dev/null || pip_install kestra
have uv || pip_install uv

# PostgreSQL on 127.0.0.1 with a test role and database.
if have pg_lsclusters; then
  cluster=$(pg_lsclusters -h | awk 'NR==1 {print $1" "$2}')
  if [ -z "$cluster" ]; then
    version=$(ls /usr/lib/postgresql | sort -V | tail -1)
    as_root pg_createcluster "$version" main >/dev/null
    cluster="$version main"
  fi
  # shellcheck disable=SC2086
  as_root pg_ctlcluster $cluster start 2>/dev/null || true
  for _ in $(seq 1 30); do
    as_root su postgres -c "psql -qtAc 'select 1'" >/dev/null 2>&1 && break
    sleep 1
  done
  as_root su postgres -c "psql -qtAc \"select 1 from pg_roles where rolname='baton'\"" | grep -q 1 ||
    as_root su postgres -c "psql -qc \"create role baton login superuser password 'baton'\""
  as_root su postgres -c "psql -qtAc \"select 1 from pg_database where datname='baton_test'\"" | grep -q 1 ||
    as_root su postgres -c "psql -qc 'create database baton_test owner baton'"
  export BATON_TEST_POSTGRES_URL="${BATON_TEST_POSTGRES_URL:-postgres://baton:baton@127.0.0.1:5432/baton_test}"
fi

cargo build --locked --bins
# Unit and integration tests (benches and examples are compiled by clippy in .ci/run; their
# harness-less mains are benchmarks, not tests). The integration binary runs last, so the
# closing line is the whole suite's count.
cargo test --locked --lib --bins --tests "$@"
