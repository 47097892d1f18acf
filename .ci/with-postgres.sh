#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL cluster (initdb in a temp dir, a free port,
# fsync off), exporting TEST_DATABASE_URL; the cluster is stopped and deleted afterwards.
set -euo pipefail
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
[ -x "$PGBIN/initdb" ] || { echo "PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }
PGPORT=${PGPORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}
PGTMP=$(mktemp -d /tmp/portal-pg.XXXXXX)
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown postgres:postgres "$PGTMP"
stop() {
  as_pg "$PGBIN/pg_ctl" -D "$PGTMP/data" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$PGTMP"
}
trap stop EXIT
# Tests run with fsync off; benchmarks (PORTAL_BENCH_DURABLE=1) keep PostgreSQL's durable defaults.
if [ "${PORTAL_BENCH_DURABLE:-0}" = 1 ]; then DURABILITY=""; else DURABILITY="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"; fi
as_pg "$PGBIN/initdb" -D "$PGTMP/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$PGTMP/data" -l "$PGTMP/server.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -p $PGPORT -k $PGTMP $DURABILITY -c max_connections=200" \
  start >/dev/null || { cat "$PGTMP/server.log" >&2; exit 1; }
as_pg "$PGBIN/psql" -h 127.0.0.1 -p "$PGPORT" -U postgres -qAt \
  -c "CREATE ROLE portal LOGIN PASSWORD 'portal' CREATEDB" -c "CREATE DATABASE portal_test OWNER portal" >/dev/null
echo "PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PGPORT"
export TEST_DATABASE_URL="postgresql+psycopg://portal:portal@127.0.0.1:$PGPORT/portal_test"
export PGPORT
"$@"
