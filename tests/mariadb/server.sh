#!/usr/bin/env bash
# A private MariaDB server for the PHP module layer's tests: a fresh datadir,
# TCP on 127.0.0.1 at a free port plus a unix socket, nothing read from
# /etc/mysql (--no-defaults), so the packaged service and its config are never
# touched. The server keeps MariaDB's own defaults (latin1 server charset):
# the schema must ask for utf8mb4 itself, as it has to on a WHMCS host.
#
#   tests/mariadb/server.sh start DIR [OPTION...]
#                                       starts it in DIR and prints, one per line,
#                                       MARIADB_PORT, MARIADB_SOCKET, MARIADB_USER,
#                                       MARIADB_PASSWORD, MARIADB_PID; OPTIONs go
#                                       to mariadbd after this script's own (so
#                                       they win), e.g. --innodb-buffer-pool-size=256M
#   tests/mariadb/server.sh stop DIR    stops it and removes DIR
#
# MARIADB_USER is a password-authenticated account for 127.0.0.1 with every
# privilege (tests create a database per test), as WHMCS connects over TCP.
set -euo pipefail

# shellcheck source=tests/server-lib.sh
source "$(dirname "$0")/../server-lib.sh"

start() {
    local dir=$1
    shift
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    local port me password socket
    port=$(free_port)
    me=$(id -un)
    password="pw-$RANDOM$RANDOM$RANDOM"
    socket="$dir/mariadb.sock"
    if ! mariadb-install-db --no-defaults --datadir="$dir/data" --user="$me" \
        --auth-root-authentication-method=normal --skip-test-db --skip-name-resolve \
        >"$dir/install.log" 2>&1; then
        echo "mariadb-install-db failed; its log:" >&2
        cat "$dir/install.log" >&2
        return 1
    fi
    # Durability settings are relaxed: the data is thrown away after the test.
    /usr/sbin/mariadbd --no-defaults --datadir="$dir/data" --socket="$socket" \
        --port="$port" --bind-address=127.0.0.1 --skip-networking=0 --user="$me" \
        --pid-file="$dir/mariadbd.pid" --log-error="$dir/mariadb.log" \
        --skip-name-resolve --skip-log-bin --innodb-buffer-pool-size=16M \
        --innodb-flush-log-at-trx-commit=0 --innodb-doublewrite=0 \
        --innodb-use-native-aio=0 "$@" >>"$dir/mariadb.log" 2>&1 &
    local pid=$!
    echo "$pid" >"$dir/server.pid"
    for _ in $(seq 1 200); do
        if mariadb --no-defaults --socket="$socket" -uroot -e 'SELECT 1' >/dev/null 2>&1; then
            mariadb --no-defaults --socket="$socket" -uroot -e \
                "CREATE USER 'puq'@'127.0.0.1' IDENTIFIED BY '$password'; GRANT ALL PRIVILEGES ON *.* TO 'puq'@'127.0.0.1';"
            printf 'MARIADB_PORT=%s\nMARIADB_SOCKET=%s\nMARIADB_USER=puq\nMARIADB_PASSWORD=%s\nMARIADB_PID=%s\n' \
                "$port" "$socket" "$password" "$pid"
            return 0
        fi
        if ! kill -0 "$pid" 2>/dev/null; then break; fi
        sleep 0.05
    done
    echo "mariadbd did not start; its log:" >&2
    cat "$dir/mariadb.log" >&2
    kill -9 "$pid" 2>/dev/null || true
    return 1
}

stop() {
    stop_server "$1/server.pid" "$1"
}

server_main start stop "$@"
