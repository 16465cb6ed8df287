# Sourced by test.sh and bench/run.sh: start_postgres starts a throwaway
# PostgreSQL server as the postgres user in a temporary directory on a free port
# and exports LINLI_TEST_POSTGRES; stop_postgres removes it.
pgdir=""

run_as_pg() {
  if [ "$(id -u)" = "0" ]; then
    su postgres -s /bin/sh -c "$(printf '%q ' "$@")"
  else
    "$@"
  fi
}

free_port() {
  python3 - <<'EOF' 2>/dev/null || echo $((20000 + RANDOM % 20000))
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()
EOF
}

start_postgres() {
  PG_BIN=""
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/initdb" ] && PG_BIN="$d"
  done
  if [ -z "$PG_BIN" ]; then
    PG_BIN="$(dirname "$(command -v initdb 2>/dev/null || echo /nonexistent/initdb)")"
    [ -x "$PG_BIN/initdb" ] || return 1
  fi
  if [ "$(id -u)" = "0" ] && ! id postgres >/dev/null 2>&1; then
    return 1
  fi
  pgdir="$(mktemp -d /tmp/linli-pg.XXXXXX)"
  [ "$(id -u)" = "0" ] && chown postgres "$pgdir"
  local port
  port="$(free_port)"
  run_as_pg "$PG_BIN/initdb" -D "$pgdir/data" -A trust -U postgres -E UTF8 --locale=C >"$pgdir/initdb.log" 2>&1 || { cat "$pgdir/initdb.log"; return 1; }
  # PG_SETTINGS: tests default to durability off for speed; benchmarks pass
  # durable settings so that their figures mean something.
  local settings="${PG_SETTINGS:--c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300 -c shared_buffers=128MB}"
  run_as_pg "$PG_BIN/pg_ctl" -D "$pgdir/data" -l "$pgdir/server.log" -w -t 60 \
    -o "-p $port -k $pgdir -c listen_addresses=127.0.0.1 $settings" start >/dev/null || { cat "$pgdir/server.log"; return 1; }
  export LINLI_TEST_POSTGRES="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
  echo "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') started on port $port (data in $pgdir)"
}

stop_postgres() {
  if [ -n "$pgdir" ] && [ -d "$pgdir" ]; then
    run_as_pg "$PG_BIN/pg_ctl" -D "$pgdir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$pgdir"
  fi
}
