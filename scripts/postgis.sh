#!/usr/bin/env bash
# A throwaway PostgreSQL + PostGIS cluster for the shared network store (docs/postgis.md).
#
#   scripts/postgis.sh [start]     install PostgreSQL + PostGIS from Debian if needed, initialise a
#                                  private cluster (see below; loopback only), start it, create database
#                                  "routes", apply sql/*.sql; the LAST line of stdout is its URI
#                                  (re-running when it is up applies new migrations and prints the URI)
#   scripts/postgis.sh stop        stop that cluster
#   scripts/postgis.sh destroy     stop that cluster and remove its folder
#   scripts/postgis.sh migrate URI apply the sql/NNN_*.sql migrations the database at URI lacks
#                                  (any server; run as its owner)
#   scripts/postgis.sh testdb NAME (re)create database NAME, migrated, on $ROUTES_PG_URI's server if
#                                  set (a superuser URI) or else on the local cluster; prints its URI
#
# The cluster lives in a private folder (mode 700) owned by the cluster's OS user (postgres when run as
# root, else you) under the system's temporary folder, not in the checkout: a checkout in a private home
# folder (Debian 12's default mode 700) cannot be entered by the postgres user.
#
# Environment: ROUTES_PG_DIR (default $TMPDIR/trafficking-routes-pg-<uid>-<checkout hash>), ROUTES_PG_PORT (default 54329, the next free port
# is taken when it is busy), ROUTES_PG_URI (testdb only). Messages go to stderr, the URI to stdout.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PGDIR=${ROUTES_PG_DIR:-${TMPDIR:-/tmp}/trafficking-routes-pg-$(id -u)-$(printf %s "$REPO" | md5sum | cut -c1-10)}
ADMIN=routes_admin
DB=routes
SUDO=$([ "$(id -u)" = 0 ] || echo sudo)

say() { echo "postgis.sh: $*" >&2; }
die() { say "$*"; exit 1; }

server_bin() {  # newest installed server's bin folder (empty when none)
    ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1
}

install_packages() {
    local bin major
    bin=$(server_bin)
    if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
        say "installing postgresql from Debian"
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
        bin=$(server_bin)
    fi
    major=$(basename "$(dirname "$bin")")
    if [ ! -f "/usr/share/postgresql/$major/extension/postgis.control" ]; then
        say "installing postgresql-$major-postgis-3 from Debian"
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "postgresql-$major-postgis-3" >/dev/null \
            || { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "postgresql-$major-postgis-3" >/dev/null; }
    fi
    BIN=$bin
}

as_owner() {  # run a server command as the cluster's OS user (initdb refuses root)
    if [ "$(id -u)" = 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

cluster_uri() {  # URI of database $1 on the local cluster
    echo "postgresql://$ADMIN:$(cat "$PGDIR/password")@127.0.0.1:$(cat "$PGDIR/port")/$1"
}

psql_q() {  # the server's own psql when installed, else the one on PATH
    local bin=${BIN:-$(server_bin)}
    PGOPTIONS="-c client_min_messages=warning" "${bin:+$bin/}psql" -X -q -v ON_ERROR_STOP=1 "$@"
}

init_cluster() {
    local port=${ROUTES_PG_PORT:-54329}
    while port_busy "$port"; do port=$((port + 1)); done
    say "initialising a cluster in $PGDIR/data (port $port)"
    if [ ! -d "$PGDIR" ]; then
        mkdir -m 700 -p "$PGDIR"
        [ "$(id -u)" = 0 ] && chown postgres: "$PGDIR"
    fi
    [ "$(stat -c %U "$PGDIR")" = "$(as_owner id -un)" ] || die "$PGDIR is not owned by $(as_owner id -un) (remove it or set ROUTES_PG_DIR)"
    as_owner test -w "$PGDIR" || die "$PGDIR is not writable by $(as_owner id -un) (set ROUTES_PG_DIR)"
    as_owner bash -c "umask 077; head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n' > '$PGDIR/password'; echo $port > '$PGDIR/port'"
    as_owner "$BIN/initdb" -D "$PGDIR/data" -U "$ADMIN" --pwfile="$PGDIR/password" -A scram-sha-256 \
        -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null
    # a throwaway cluster: loopback only, no socket, durability traded for speed
    as_owner bash -c "cat >> '$PGDIR/data/postgresql.conf'" <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = ''
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
}

start() {
    install_packages
    [ -f "$PGDIR/data/PG_VERSION" ] || init_cluster
    if ! as_owner "$BIN/pg_ctl" -D "$PGDIR/data" status >/dev/null 2>&1; then
        port_busy "$(cat "$PGDIR/port")" && die "port $(cat "$PGDIR/port") is taken by another server (remove $PGDIR or free the port)"
        say "starting the cluster (log: $PGDIR/log)"
        as_owner "$BIN/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/log" -w -t 60 start >/dev/null \
            || die "the cluster did not start; see $PGDIR/log"
    fi
    if [ -z "$(psql_q -At "$(cluster_uri postgres)" -c "SELECT 1 FROM pg_database WHERE datname = '$DB'")" ]; then
        psql_q "$(cluster_uri postgres)" -c "CREATE DATABASE $DB"
    fi
    migrate "$(cluster_uri "$DB")"
    cluster_uri "$DB"
}

stop() {
    BIN=$(server_bin)
    if [ -n "$BIN" ] && [ -f "$PGDIR/data/PG_VERSION" ] && as_owner "$BIN/pg_ctl" -D "$PGDIR/data" status >/dev/null 2>&1; then
        as_owner "$BIN/pg_ctl" -D "$PGDIR/data" -m fast -w stop >/dev/null
        say "stopped"
    else
        say "not running"
    fi
}

destroy() {
    stop
    if [ -d "$PGDIR" ]; then rm -rf -- "$PGDIR"; say "removed $PGDIR"; fi
}

migrate() {  # apply, in order and each in one transaction, the migrations $1 lacks
    local uri=$1 f version
    local applied
    applied=$(psql_q -At "$uri" -c "SELECT version FROM routes.schema_migrations" 2>/dev/null || true)
    for f in "$REPO"/sql/[0-9][0-9][0-9]_*.sql; do
        version=$(basename "$f" .sql)
        grep -qx "$version" <<<"$applied" && continue
        say "applying sql/$version.sql"
        psql_q "$uri" -1 -f "$f" >/dev/null
    done
}

testdb() {
    local name=$1 admin base
    [[ $name =~ ^[a-z_][a-z0-9_]*$ ]] || die "database name must match [a-z_][a-z0-9_]*: $name"
    if [ -n "${ROUTES_PG_URI:-}" ]; then admin=$ROUTES_PG_URI; else admin=$(start | tail -n1); fi
    base=${admin%%\?*}
    psql_q "$admin" -c "DROP DATABASE IF EXISTS $name WITH (FORCE)" -c "CREATE DATABASE $name"
    local uri="${base%/*}/$name${admin#"$base"}"
    migrate "$uri"
    echo "$uri"
}

SECONDS=0
case "${1:-start}" in
    start) start ;;
    stop) stop ;;
    destroy) destroy ;;
    migrate) [ $# = 2 ] || die "usage: $0 migrate URI"; migrate "$2" ;;
    testdb) [ $# = 2 ] || die "usage: $0 testdb NAME"; testdb "$2" ;;
    *) die "usage: $0 [start|stop|destroy|migrate URI|testdb NAME]" ;;
esac
say "done in ${SECONDS}s"
