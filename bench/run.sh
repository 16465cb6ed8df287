#!/usr/bin/env bash
# Runs Linli's benchmarks and prints one table. Starts a throwaway PostgreSQL
# (durable settings, with the memory and WAL room README "Benchmarks"
# recommends for million-row imports) unless LINLI_TEST_POSTGRES names one. Flags go to the
# benchmark program: bench/run.sh -only registry -residents 1000000
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/pg.sh
trap stop_postgres EXIT
if [ -z "${LINLI_TEST_POSTGRES:-}" ]; then
  PG_SETTINGS="-c max_connections=200 -c shared_buffers=1GB -c work_mem=16MB -c maintenance_work_mem=256MB -c max_wal_size=4GB -c checkpoint_timeout=15min -c wal_compression=on" start_postgres \
    || echo "!! PostgreSQL not available: benchmarks run on SQLite only" >&2
fi
# -engines …,citus: a coordinator and two workers on this machine, with the
# same memory and WAL settings each (all three share its cores).
. scripts/citus.sh
if [[ " $* " == *citus* ]] && [ -z "${LINLI_TEST_CITUS:-}" ]; then
  { build_citus && CITUS_SETTINGS="-c max_connections=300 -c shared_buffers=1GB -c work_mem=16MB -c maintenance_work_mem=256MB -c max_wal_size=4GB -c checkpoint_timeout=15min -c wal_compression=on" start_citus; } \
    || echo "!! Citus not available: the citus engine is skipped" >&2
fi
bin="$(mktemp -d /tmp/linli-bench-bin.XXXXXX)" # runs in other worktrees build their own
trap 'stop_postgres; stop_citus; rm -rf "$bin"' EXIT
go build -o "$bin/bench" ./bench
go build -o "$bin/linli" ./cmd/linli
LINLI_BENCH_BINARY="$bin/linli" "$bin/bench" "$@"
