#!/usr/bin/env bash
# A private PowerDNS Authoritative server for tests and the demo: API and DNS
# on 127.0.0.1 at free ports, a fresh database. The backend is sqlite (a file
# in DIR), or gmysql on a private MariaDB (tests/mariadb/server.sh in
# DIR/mariadb) for writers that need concurrent PATCHes to different zones:
# sqlite answers a second PATCH made while one is running with HTTP 500
# "database is locked".
#
#   tests/pdns/server.sh start DIR [sqlite|mysql]
#                                    starts it in DIR (sqlite unless told) and
#                                    prints, one per line, PDNS_API_URL,
#                                    PDNS_API_KEY, PDNS_DNS_PORT, PDNS_PID, and
#                                    with mysql PDNS_BACKEND=mysql
#   tests/pdns/server.sh stop DIR    stops it (and its MariaDB) and removes DIR
set -euo pipefail

here=$(dirname "$0")
# shellcheck source=tests/server-lib.sh
source "$here/../server-lib.sh"

mariadb_script="$here/../mariadb/server.sh"

# Starts the MariaDB for DIR, makes the database `pdns` there with PowerDNS's
# schema and prints the gmysql lines of pdns.conf. The MariaDB is stopped
# again when something fails. Its buffer pool is bigger than the test
# default (16M): a zone of 65,536 records does not fit in 16M, and reading it
# whole (ORDER BY name, type: a sort, then a lookup per row) then goes to the
# disk for every row, 6 to 7 s instead of well under one.
mysql_backend() {
    local dir=$1 vars
    vars=$("$mariadb_script" start "$dir/mariadb" --innodb-buffer-pool-size=256M) || return 1
    var() { sed -n "s/^$1=//p" <<<"$vars"; }
    local port socket user password
    port=$(var MARIADB_PORT)
    socket=$(var MARIADB_SOCKET)
    user=$(var MARIADB_USER)
    password=$(var MARIADB_PASSWORD)
    if ! mariadb --no-defaults --socket="$socket" -uroot -e 'CREATE DATABASE pdns' ||
        ! mariadb --no-defaults --socket="$socket" -uroot pdns \
            </usr/share/pdns-backend-mysql/schema/schema.mysql.sql; then
        echo "cannot load PowerDNS's schema into the private MariaDB" >&2
        "$mariadb_script" stop "$dir/mariadb"
        return 1
    fi
    printf '%s\n' launch=gmysql gmysql-host=127.0.0.1 "gmysql-port=$port" \
        "gmysql-user=$user" "gmysql-password=$password" gmysql-dbname=pdns
}

start() {
    local dir=$1 backend=${2:-sqlite}
    case "$backend" in
        sqlite | mysql) ;;
        *) echo "unknown backend '$backend': sqlite or mysql" >&2; return 2 ;;
    esac
    mkdir -p "$dir"
    local api_port dns_port key backend_conf
    api_port=$(free_port)
    dns_port=$(free_port)
    while [[ "$dns_port" == "$api_port" ]]; do dns_port=$(free_port); done
    key="test-key-$RANDOM$RANDOM"
    if [[ "$backend" == sqlite ]]; then
        sqlite3 "$dir/pdns.sqlite3" </usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql
        backend_conf="launch=gsqlite3
gsqlite3-database=$dir/pdns.sqlite3"
    else
        backend_conf=$(mysql_backend "$dir") || return 1
    fi
    cat >"$dir/pdns.conf" <<CONF
$backend_conf
local-address=127.0.0.1
local-port=$dns_port
api=yes
api-key=$key
webserver=yes
webserver-address=127.0.0.1
webserver-port=$api_port
webserver-allow-from=127.0.0.0/8
socket-dir=$dir
guardian=no
daemon=no
disable-syslog=yes
security-poll-suffix=
loglevel=4
CONF
    /usr/sbin/pdns_server --config-dir="$dir" >"$dir/pdns.log" 2>&1 &
    local pid=$!
    echo "$pid" >"$dir/pdns.pid"
    local url="http://127.0.0.1:$api_port"
    for _ in $(seq 1 100); do
        if curl -fsS -o /dev/null -H "X-API-Key: $key" "$url/api/v1/servers/localhost" 2>/dev/null; then
            printf 'PDNS_API_URL=%s\nPDNS_API_KEY=%s\nPDNS_DNS_PORT=%s\nPDNS_PID=%s\n' "$url" "$key" "$dns_port" "$pid"
            if [[ "$backend" == mysql ]]; then echo PDNS_BACKEND=mysql; fi
            return 0
        fi
        if ! kill -0 "$pid" 2>/dev/null; then break; fi
        sleep 0.05
    done
    echo "pdns_server did not start; its log:" >&2
    cat "$dir/pdns.log" >&2
    kill "$pid" 2>/dev/null || true
    if [[ -d "$dir/mariadb" ]]; then "$mariadb_script" stop "$dir/mariadb"; fi
    return 1
}

stop() {
    local dir=$1
    kill_server "$dir/pdns.pid"
    if [[ -d "$dir/mariadb" ]]; then "$mariadb_script" stop "$dir/mariadb"; fi
    rm -rf "$dir"
}

server_main start stop "$@"
