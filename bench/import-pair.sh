#!/usr/bin/env bash
# Times `linli import residents` (check + commit) of one ledger into a fresh
# SQLite database and then a fresh PostgreSQL one (the benchmark's server
# settings), back to back with the same binary, and prints both figures, their
# ratio and each run's peak memory: issue 10's "PostgreSQL at most SQLite's
# time". A quiet machine gives figures that mean something; bench/run.sh
# measures the same import among its other figures.
#
# usage: bench/import-pair.sh LEDGER.xlsx   (e.g. the ledger-1000000.xlsx that
#        bench/run.sh -dir D -residents 1000000 leaves in D)
set -euo pipefail
ledger="$(realpath "${1:?usage: bench/import-pair.sh LEDGER.xlsx}")"
cd "$(dirname "$0")/.."
. scripts/pg.sh
work="$(mktemp -d /tmp/linli-import-pair.XXXXXX)"
trap 'stop_postgres; rm -rf "$work"' EXIT
go build -o "$work/linli" ./cmd/linli
community=330106004001 # the demo street's first community

# prepare DIR [--db URL]: a key and the demo's org tree, one resident (the demo
# serves once it has seeded; it is stopped as soon as it says so).
prepare() {
  local dir="$1"; shift
  mkdir -p "$dir"
  "$work/linli" keygen --data "$dir" >/dev/null
  "$work/linli" demo --data "$dir" "$@" --residents 1 --listen 127.0.0.1:0 >"$dir/demo.log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 120); do grep -q "is running" "$dir/demo.log" && break; sleep 1; done
  kill "$pid"; wait "$pid" 2>/dev/null || true
  grep -q "is running" "$dir/demo.log" || { cat "$dir/demo.log"; exit 1; }
}

# timed DIR [--db URL]: seconds and peak KB of the import, as "S KB".
timed() {
  local dir="$1"; shift
  local start end
  start=$(date +%s.%N)
  /usr/bin/time -f "%M" -o "$dir/peak" "$work/linli" import residents "$ledger" --community "$community" --data "$dir" "$@" >"$dir/import.log" 2>&1 ||
    { tail -20 "$dir/import.log"; exit 1; }
  end=$(date +%s.%N)
  echo "$(echo "$end - $start" | bc) $(tail -1 "$dir/peak")"
}

prepare "$work/sqlite"
read -r s_secs s_peak < <(timed "$work/sqlite")
echo "SQLite: ${s_secs} s" >&2

PG_SETTINGS="-c max_connections=200 -c shared_buffers=1GB -c work_mem=16MB -c maintenance_work_mem=256MB -c max_wal_size=4GB -c checkpoint_timeout=15min -c wal_compression=on" start_postgres >&2
psql "$LINLI_TEST_POSTGRES" -qc "CREATE DATABASE linli_import_pair"
url="${LINLI_TEST_POSTGRES%/postgres*}/linli_import_pair?sslmode=disable"
prepare "$work/pg" --db "$url"
read -r p_secs p_peak < <(timed "$work/pg" --db "$url")

printf '\n| %s, check + commit | SQLite | PostgreSQL | PostgreSQL ÷ SQLite |\n| --- | --- | --- | --- |\n' "$(basename "$ledger")"
printf '| time | %.1f s | %.1f s | %.2f |\n' "$s_secs" "$p_secs" "$(echo "$p_secs / $s_secs" | bc -l)"
printf '| peak memory | %d MB | %d MB | |\n' $((s_peak / 1024)) $((p_peak / 1024))
printf '\n(load average at the end: %s)\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
