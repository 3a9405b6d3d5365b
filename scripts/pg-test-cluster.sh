#!/usr/bin/env bash
# A private PostgreSQL cluster for the team-desk tests: `start` runs initdb into a temporary
# folder (Debian's `postgresql` package: /usr/lib/postgresql/*/bin), starts it with pg_ctl on a
# Unix socket there and on 127.0.0.1 with a free port, and prints its URL; `stop` stops it and
# removes the folder. Trust authentication, fsync off: for throw-away test data only.
#
#   url=$(scripts/pg-test-cluster.sh start)     # postgres://stepwise@127.0.0.1:PORT/postgres
#   STEPWISE_TEST_DATABASE_URL=$url cargo test --test suite team_store
#   scripts/pg-test-cluster.sh stop
#
# The folder is $STEPWISE_PG_TEST_DIR (default: $TMPDIR/stepwise-pg-test). As root, the cluster
# runs as the `postgres` user (initdb refuses root).
set -euo pipefail

dir="${STEPWISE_PG_TEST_DIR:-${TMPDIR:-/tmp}/stepwise-pg-test}"
bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
if [ -z "$bin" ] || [ ! -x "$bin/pg_ctl" ]; then
  echo "PostgreSQL is not installed: apt-get install postgresql" >&2
  exit 1
fi

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

free_port() {
  local port
  for port in $(seq 55432 55632); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  echo "no free port in 55432-55632" >&2
  return 1
}

case "${1:-}" in
  start)
    if [ -f "$dir/url" ] && as_owner "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
      cat "$dir/url"
      exit 0
    fi
    rm -rf "$dir"
    mkdir -p "$dir/socket"
    if [ "$(id -u)" -eq 0 ]; then chown -R postgres: "$dir"; fi
    as_owner "$bin/initdb" -D "$dir/data" -U stepwise --auth=trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 || {
      cat "$dir/initdb.log" >&2
      exit 1
    }
    port="$(free_port)"
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $dir/socket -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
      start >/dev/null || {
      cat "$dir/server.log" >&2
      exit 1
    }
    echo "postgres://stepwise@127.0.0.1:$port/postgres" | as_owner tee "$dir/url"
    ;;
  stop)
    if [ -d "$dir/data" ]; then
      as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    ;;
  *)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
