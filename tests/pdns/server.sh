#!/usr/bin/env bash
# A private PowerDNS Authoritative server for tests and the demo: sqlite
# backend, API and DNS on 127.0.0.1 at free ports, a fresh database.
#
#   tests/pdns/server.sh start DIR   starts it in DIR and prints, one per line,
#                                    PDNS_API_URL, PDNS_API_KEY, PDNS_DNS_PORT, PDNS_PID
#   tests/pdns/server.sh stop DIR    stops it and removes DIR
set -euo pipefail

# shellcheck source=tests/server-lib.sh
source "$(dirname "$0")/../server-lib.sh"

start() {
    local dir=$1
    mkdir -p "$dir"
    local api_port dns_port key
    api_port=$(free_port)
    dns_port=$(free_port)
    while [[ "$dns_port" == "$api_port" ]]; do dns_port=$(free_port); done
    key="test-key-$RANDOM$RANDOM"
    sqlite3 "$dir/pdns.sqlite3" </usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql
    cat >"$dir/pdns.conf" <<CONF
launch=gsqlite3
gsqlite3-database=$dir/pdns.sqlite3
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
            return 0
        fi
        if ! kill -0 "$pid" 2>/dev/null; then break; fi
        sleep 0.05
    done
    echo "pdns_server did not start; its log:" >&2
    cat "$dir/pdns.log" >&2
    kill "$pid" 2>/dev/null || true
    return 1
}

stop() {
    stop_server "$1/pdns.pid" "$1"
}

server_main start stop "$@"
