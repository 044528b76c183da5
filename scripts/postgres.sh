#!/usr/bin/env bash
# Runs a throwaway PostgreSQL cluster for the tests, listening on 127.0.0.1 only.
#
#   scripts/postgres.sh start   create and start the cluster unless it runs, then print
#                               `export GUARDIAN_TEST_POSTGRES_URL=postgres://…` on stdout
#   scripts/postgres.sh stop    stop the cluster and remove its directory (no-op when none runs)
#   scripts/postgres.sh down    stop the server but keep its data, to test a lost database
#   scripts/postgres.sh up      start a stopped server again on the same port
#   scripts/postgres.sh url     print the export line of the running cluster
#
# Typical use: eval "$(scripts/postgres.sh start)"; … ; scripts/postgres.sh stop
#
# The cluster lives in a new directory under ${TMPDIR:-/tmp}, with its Unix socket there too, and
# trusts every local connection, so it must never hold real data. The state file
# GUARDIAN_POSTGRES_STATE (default ${TMPDIR:-/tmp}/guardian-postgres.env) names the cluster, so
# each command finds the one that `start` created; give every concurrent user its own file.
# Debian's postgresql package is installed when initdb or pg_ctl is missing. initdb refuses to
# run as root, so as root the server runs as the postgres user.
set -euo pipefail
export AWS_EC2_METADATA_DISABLED=true

state_file=${GUARDIAN_POSTGRES_STATE:-${TMPDIR:-/tmp}/guardian-postgres.env}
database=guardian_test

log() {
  echo "[postgres] $*" >&2
}

# Prints the directory of initdb and pg_ctl, or nothing when they are not installed.
find_bin_dir() {
  local candidate
  if command -v pg_ctl >/dev/null && command -v initdb >/dev/null; then
    dirname "$(readlink -f "$(command -v pg_ctl)")"
    return
  fi
  for candidate in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [[ -x "$candidate/pg_ctl" && -x "$candidate/initdb" ]]; then
      echo "$candidate"
      return
    fi
  done
}

ensure_installed() {
  bin_dir=$(find_bin_dir)
  if [[ -z "$bin_dir" ]]; then
    log "initdb and pg_ctl are missing; installing Debian's postgresql package"
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
    bin_dir=$(find_bin_dir)
  fi
  if [[ -z "$bin_dir" ]]; then
    log "error: initdb and pg_ctl are still missing after installing postgresql"
    exit 1
  fi
}

# Runs a server-side command (initdb, pg_ctl) as the postgres user when we are root, from inside
# the cluster directory so that the postgres user can read its working directory.
as_owner() {
  if [[ $(id -u) -eq 0 ]]; then
    (cd "$cluster_dir" && runuser -u postgres -- "$@")
  else
    (cd "$cluster_dir" && "$@")
  fi
}

# Tells whether something accepts TCP connections on 127.0.0.1:$1.
port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

load_state() {
  cluster_dir= bin_dir= port= url=
  if [[ -s "$state_file" ]]; then
    # shellcheck disable=SC1090
    source "$state_file"
    cluster_dir=${GUARDIAN_POSTGRES_DIR:-}
    bin_dir=${GUARDIAN_POSTGRES_BIN:-}
    port=${GUARDIAN_POSTGRES_PORT:-}
    url=${GUARDIAN_TEST_POSTGRES_URL:-}
  fi
}

is_running() {
  [[ -n "$cluster_dir" && -d "$cluster_dir/data" ]] && as_owner "$bin_dir/pg_ctl" status -D "$cluster_dir/data" >/dev/null 2>&1
}

print_exports() {
  echo "export GUARDIAN_TEST_POSTGRES_URL=$url"
  echo "export GUARDIAN_POSTGRES_STATE=$state_file"
}

start_server() {
  as_owner "$bin_dir/pg_ctl" start -w -t 60 -D "$cluster_dir/data" -l "$cluster_dir/server.log" \
    -o "-p $port" >/dev/null
}

remove_cluster() {
  if [[ -n "$cluster_dir" && -d "$cluster_dir" ]]; then
    if [[ -d "$cluster_dir/data" ]]; then
      as_owner "$bin_dir/pg_ctl" stop -m fast -w -D "$cluster_dir/data" >/dev/null 2>&1 || true
    fi
    rm -rf "$cluster_dir"
  fi
  rm -f "$state_file"
}

command_start() {
  load_state
  if is_running; then
    log "the cluster in $cluster_dir already runs on 127.0.0.1:$port"
    print_exports
    return
  fi
  # A cluster that `down` stopped starts again; any other recorded cluster is left over from an
  # earlier run and is removed.
  if [[ -n "$cluster_dir" && -d "$cluster_dir/data" ]] && start_server 2>/dev/null; then
    log "started the existing cluster in $cluster_dir again on 127.0.0.1:$port"
    print_exports
    return
  fi
  remove_cluster

  ensure_installed
  cluster_dir=$(mktemp -d "${TMPDIR:-/tmp}/guardian-postgres.XXXXXX")
  if [[ $(id -u) -eq 0 ]]; then
    chown postgres: "$cluster_dir"
  fi
  chmod 700 "$cluster_dir"

  log "creating a cluster in $cluster_dir with $bin_dir/initdb"
  as_owner "$bin_dir/initdb" -D "$cluster_dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 --no-sync \
    >"$cluster_dir/initdb.log" 2>&1 || {
    cat "$cluster_dir/initdb.log" >&2
    exit 1
  }
  # Durability settings are off because the cluster is thrown away after the tests.
  cat >>"$cluster_dir/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$cluster_dir'
max_connections = 300
fsync = off
synchronous_commit = off
full_page_writes = off
EOF

  local attempt
  port=
  for attempt in $(seq 1 20); do
    local candidate=$((20000 + RANDOM % 40000))
    if port_in_use "$candidate"; then
      continue
    fi
    port=$candidate
    if start_server; then
      break
    fi
    log "could not start on port $port (attempt $attempt); trying another port"
    port=
  done
  if [[ -z "$port" ]]; then
    log "error: the server did not start; its log follows"
    cat "$cluster_dir/server.log" >&2 || true
    remove_cluster
    exit 1
  fi

  "$bin_dir/createdb" -h 127.0.0.1 -p "$port" -U postgres "$database"
  url="postgres://postgres@127.0.0.1:$port/$database"
  cat >"$state_file" <<EOF
GUARDIAN_POSTGRES_DIR=$cluster_dir
GUARDIAN_POSTGRES_BIN=$bin_dir
GUARDIAN_POSTGRES_PORT=$port
GUARDIAN_TEST_POSTGRES_URL=$url
EOF
  log "started on 127.0.0.1:$port; stop it with: scripts/postgres.sh stop"
  print_exports
}

command_stop() {
  load_state
  if [[ -z "$cluster_dir" ]]; then
    log "no cluster is recorded in $state_file; nothing to stop"
    rm -f "$state_file"
    return
  fi
  remove_cluster
  log "stopped and removed $cluster_dir"
}

command_down() {
  load_state
  if ! is_running; then
    log "no running cluster is recorded in $state_file"
    return
  fi
  as_owner "$bin_dir/pg_ctl" stop -m fast -w -D "$cluster_dir/data" >/dev/null
  log "stopped the server on 127.0.0.1:$port; its data stays in $cluster_dir"
}

command_up() {
  load_state
  if [[ -z "$cluster_dir" || ! -d "$cluster_dir/data" ]]; then
    log "error: no cluster is recorded in $state_file; run: scripts/postgres.sh start"
    exit 1
  fi
  if ! is_running; then
    start_server
  fi
  log "the server runs on 127.0.0.1:$port"
}

command_url() {
  load_state
  if ! is_running; then
    log "error: no running cluster is recorded in $state_file; run: scripts/postgres.sh start"
    exit 1
  fi
  print_exports
}

case "${1:-}" in
  start) command_start ;;
  stop) command_stop ;;
  down) command_down ;;
  up) command_up ;;
  url) command_url ;;
  *)
    echo "usage: $0 start|stop|down|up|url" >&2
    exit 2
    ;;
esac
