# Sourced by test.sh and bench/run.sh: a throwaway Citus cluster (a coordinator
# and two workers on loopback) for the distributed test lane.
#
#   build_citus   installs the citus extension into the local PostgreSQL 15 when
#                 it is missing, from ../shared/third_party/citus-*.tar.xz (the
#                 source kept beside the project; Debian does not package Citus)
#                 and Debian's build dependencies. Needs root for apt and install.
#   start_citus   starts the three nodes (on /dev/shm when it exists) and exports
#                 LINLI_TEST_CITUS, the coordinator's URL.
#   stop_citus    stops them and removes their data.
citus_dir=""
citus_ports=()

citus_source() {
  local f
  for f in "${LINLI_CITUS_SOURCE:-}" ../shared/third_party/citus-*.tar.xz ../../shared/third_party/citus-*.tar.xz; do
    [ -n "$f" ] && [ -f "$f" ] && { echo "$f"; return 0; }
  done
  return 1
}

citus_pg_bin() {
  local d bin=""
  for d in /usr/lib/postgresql/15/bin; do
    [ -x "$d/initdb" ] && bin="$d"
  done
  [ -n "$bin" ] && echo "$bin"
}

citus_installed() {
  local bin
  bin="$(citus_pg_bin)" || return 1
  [ -f "$("$bin/pg_config" --pkglibdir 2>/dev/null)/citus.so" ]
}

build_citus() {
  citus_installed && return 0
  local bin src version work log
  bin="$(citus_pg_bin)" || { echo "no PostgreSQL 15 server binaries: Citus 13 needs them"; return 1; }
  src="$(citus_source)" || { echo "no Citus source (../shared/third_party/citus-*.tar.xz)"; return 1; }
  [ "$(id -u)" = "0" ] || { echo "building Citus needs root (apt-get, make install)"; return 1; }
  # The server headers must be those of the installed server's exact version.
  version="$(dpkg-query -W -f='${Version}' postgresql-15 2>/dev/null)"
  log=/tmp/linli-citus-build.log
  echo "building Citus from $src for PostgreSQL $version (log: $log) …"
  (DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      "postgresql-server-dev-15${version:+=$version}" libcurl4-openssl-dev liblz4-dev libzstd-dev libssl-dev libkrb5-dev >"$log" 2>&1 ||
    { apt-get update -qq >>"$log" 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      "postgresql-server-dev-15${version:+=$version}" libcurl4-openssl-dev liblz4-dev libzstd-dev libssl-dev libkrb5-dev >>"$log" 2>&1; }) ||
    { tail -20 "$log"; return 1; }
  work="$(mktemp -d /tmp/linli-citus-src.XXXXXX)"
  (tar -xJf "$src" -C "$work" && cd "$work"/citus-* &&
    ./configure PG_CONFIG="$bin/pg_config" >>"$log" 2>&1 &&
    make -j"$(nproc)" with_llvm=no >>"$log" 2>&1 && make install with_llvm=no >>"$log" 2>&1) ||
    { tail -30 "$log"; rm -rf "$work"; return 1; }
  rm -rf "$work"
  citus_installed
}

start_citus() {
  local bin base i port settings
  bin="$(citus_pg_bin)" || return 1
  citus_installed || return 1
  base=/tmp
  [ -d /dev/shm ] && [ -w /dev/shm ] && base=/dev/shm
  citus_dir="$(mktemp -d "$base/linli-citus.XXXXXX")"
  [ "$(id -u)" = "0" ] && chown postgres "$citus_dir"
  run_as_pg "$bin/initdb" -D "$citus_dir/template" -A trust -U postgres -E UTF8 --locale=C >"$citus_dir/initdb.log" 2>&1 ||
    { cat "$citus_dir/initdb.log"; return 1; }
  settings="${CITUS_SETTINGS:--c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300 -c shared_buffers=128MB}"
  citus_ports=()
  for i in 0 1 2; do
    port="$(free_port)"
    citus_ports+=("$port")
    run_as_pg cp -a "$citus_dir/template" "$citus_dir/node$i"
    # Two-phase commit across nodes needs prepared transactions.
    run_as_pg "$bin/pg_ctl" -D "$citus_dir/node$i" -l "$citus_dir/node$i.log" -w -t 60 \
      -o "-p $port -k $citus_dir -c listen_addresses=127.0.0.1 -c shared_preload_libraries=citus -c max_prepared_transactions=300 -c citus.enable_create_database_propagation=on $settings" start >/dev/null ||
      { cat "$citus_dir/node$i.log"; return 1; }
    run_as_pg "$bin/psql" -qX -h 127.0.0.1 -p "$port" -U postgres -d postgres -c "CREATE EXTENSION citus" >/dev/null || return 1
    # For fault runs (bench/fault.go): stop a node at once, start it again.
    echo "$port" >"$citus_dir/node$i.port"
    printf '%s\n' "$(declare -f run_as_pg)" \
      "run_as_pg $(printf '%q ' "$bin/pg_ctl" -D "$citus_dir/node$i" -m immediate stop)" >"$citus_dir/node$i.stop"
    printf '%s\n' "$(declare -f run_as_pg)" \
      "run_as_pg $(printf '%q ' "$bin/pg_ctl" -D "$citus_dir/node$i" -l "$citus_dir/node$i.log" -w -t 60 \
        -o "-p $port -k $citus_dir -c listen_addresses=127.0.0.1 -c shared_preload_libraries=citus -c max_prepared_transactions=300 -c citus.enable_create_database_propagation=on $settings" start)" >"$citus_dir/node$i.start"
  done
  run_as_pg "$bin/psql" -qX -h 127.0.0.1 -p "${citus_ports[0]}" -U postgres -d postgres \
    -c "SELECT citus_set_coordinator_host('127.0.0.1', ${citus_ports[0]})" \
    -c "SELECT citus_add_node('127.0.0.1', ${citus_ports[1]})" \
    -c "SELECT citus_add_node('127.0.0.1', ${citus_ports[2]})" >/dev/null || return 1
  export LINLI_TEST_CITUS="postgres://postgres@127.0.0.1:${citus_ports[0]}/postgres?sslmode=disable"
  export LINLI_CITUS_DIR="$citus_dir"
  echo "Citus $(citus_version) started: coordinator on port ${citus_ports[0]}, workers on ${citus_ports[1]} and ${citus_ports[2]} (data in $citus_dir)"
}

citus_version() {
  run_as_pg "$(citus_pg_bin)/psql" -qXAt -h 127.0.0.1 -p "${citus_ports[0]}" -U postgres -d postgres -c "SELECT extversion FROM pg_extension WHERE extname = 'citus'" 2>/dev/null
}

stop_citus() {
  local i
  if [ -n "$citus_dir" ] && [ -d "$citus_dir" ]; then
    for i in 0 1 2; do
      [ -d "$citus_dir/node$i" ] && run_as_pg "$(citus_pg_bin)/pg_ctl" -D "$citus_dir/node$i" -m immediate stop >/dev/null 2>&1 || true
    done
    rm -rf "$citus_dir"
  fi
}
