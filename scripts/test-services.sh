#!/usr/bin/env bash
# Starts what test/db/pgbouncer.test.ts and test/db/read-replica.test.ts run against, beside the
# machine's PostgreSQL (127.0.0.1:5432, trust, user postgres):
#   - pgbouncer in transaction mode on 127.0.0.1:6432, in front of that server;
#   - a streaming replica of it on 127.0.0.1:5433, made with pg_basebackup, which also serves
#     TLS (a self-signed certificate) for test/db/postgres-tls.test.ts: it takes TLS or plain
#     text, except from the role tessera_tls_only, which it takes over TLS only.
# Idempotent: what already answers is left alone. Needs root (the servers run as the
# `postgres` OS user) and Debian's postgresql and pgbouncer packages; .ci/run installs them.
set -euo pipefail

PRIMARY_PORT=${TESSERA_TEST_PG_PORT:-5432}
PGBOUNCER_PORT=${TESSERA_TEST_PGBOUNCER_PORT:-6432}
REPLICA_PORT=${TESSERA_TEST_REPLICA_PORT:-5433}
STATE=${TESSERA_TEST_SERVICES_DIR:-/tmp/tessera-test-services}
PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
as_postgres() { runuser -u postgres -- "$@"; }
ready() { "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$1"; }
psql_primary() { psql -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -d postgres -Atqc "$1"; }

if ! ready "$PRIMARY_PORT"; then
  echo "test-services: PostgreSQL does not answer on 127.0.0.1:$PRIMARY_PORT; start it first" >&2
  exit 1
fi
mkdir -p "$STATE"
chown postgres "$STATE"

echo "== pgbouncer (transaction mode) on 127.0.0.1:$PGBOUNCER_PORT"
if ready "$PGBOUNCER_PORT"; then
  echo "already answering"
else
  command -v pgbouncer >/dev/null || { echo "test-services: pgbouncer is not installed (apt-get install pgbouncer)" >&2; exit 1; }
  cat >"$STATE/pgbouncer.ini" <<INI
[databases]
* = host=127.0.0.1 port=$PRIMARY_PORT user=postgres

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $PGBOUNCER_PORT
unix_socket_dir =
auth_type = any
pool_mode = transaction
max_client_conn = 1000
default_pool_size = 20
ignore_startup_parameters = extra_float_digits
logfile = $STATE/pgbouncer.log
pidfile = $STATE/pgbouncer.pid
INI
  chown postgres "$STATE/pgbouncer.ini"
  as_postgres pgbouncer -d "$STATE/pgbouncer.ini"
  for _ in $(seq 1 30); do ready "$PGBOUNCER_PORT" && break; sleep 0.2; done
  ready "$PGBOUNCER_PORT" || { echo "test-services: pgbouncer did not start; see $STATE/pgbouncer.log" >&2; exit 1; }
fi

echo "== streaming replica on 127.0.0.1:$REPLICA_PORT"
data="$STATE/replica"
# The role the TLS-only rule names; made on the primary, it reaches the replica by replication.
psql_primary "DO \$\$ BEGIN CREATE ROLE tessera_tls_only LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END \$\$" >/dev/null
# A replica made by an earlier version of this script, without TLS, is made again.
if ready "$REPLICA_PORT" && [ "$(psql -h 127.0.0.1 -p "$REPLICA_PORT" -U postgres -d postgres -Atqc \
  "SELECT count(*) FROM pg_hba_file_rules WHERE 'tessera_tls_only' = ANY(user_name)" 2>/dev/null)" != 2 ]; then
  echo "the running replica has no TLS-only rule: making it again"
  as_postgres "$PGBIN/pg_ctl" -D "$data" -m fast -w stop >/dev/null || true
  rm -rf "$data"
fi
if ready "$REPLICA_PORT"; then
  echo "already answering"
else
  # pg_basebackup connects as a replication client: the primary's pg_hba.conf needs a line for
  # it ("all" does not cover replication connections).
  if [ "$(psql_primary "SELECT count(*) FROM pg_hba_file_rules WHERE 'replication' = ANY(database)")" = 0 ]; then
    hba=$(psql_primary "SHOW hba_file")
    echo "host replication all 127.0.0.1/32 trust" >>"$hba"
    psql_primary "SELECT pg_reload_conf()" >/dev/null
  fi
  start_replica() {
    as_postgres "$PGBIN/pg_ctl" -D "$data" -l "$STATE/replica.log" -w -t 60 start >/dev/null
  }
  if [ ! -f "$data/standby.signal" ] || ! start_replica; then
    rm -rf "$data"
    as_postgres "$PGBIN/pg_basebackup" -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -D "$data" -R -X stream -c fast
    # Debian keeps the server's configuration in /etc, outside the data folder the backup copies.
    cat >"$data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $REPLICA_PORT
unix_socket_directories = '$STATE'
shared_buffers = 16MB
max_connections = 100
hot_standby = on
hot_standby_feedback = off
ssl = on
ssl_cert_file = 'server.crt'
ssl_key_file = 'server.key'
CONF
    openssl req -new -x509 -days 3650 -nodes -subj "/CN=tessera-test-replica" \
      -keyout "$data/server.key" -out "$data/server.crt" 2>/dev/null
    chmod 600 "$data/server.key"
    cat >"$data/pg_hba.conf" <<HBA
local all all trust
hostssl all tessera_tls_only 127.0.0.1/32 trust
hostnossl all tessera_tls_only 127.0.0.1/32 reject
host all all 127.0.0.1/32 trust
HBA
    : >"$data/pg_ident.conf"
    chown postgres "$data"/*.conf "$data/server.key" "$data/server.crt"
    start_replica
  fi
  ready "$REPLICA_PORT" || { echo "test-services: the replica did not start; see $STATE/replica.log" >&2; exit 1; }
fi
echo "test services are up"
