#!/usr/bin/env bash
# A private BIND 9 (named) for RFC 2136 tests and the demo: DNS on
# 127.0.0.1 at a free port, three TSIG keys (hmac-sha256/384/512) that may
# update the zones given, except those marked :noupdate (none may)
# and :unsigned (127.0.0.1 may, without a key). The same keys may transfer
# (AXFR) every zone but those marked :noxfr (none may; the keys still
# update them).
#
#   tests/bind/server.sh start DIR ZONE[:noupdate|:unsigned|:noxfr]...   starts it in DIR and prints, one per line,
#                        BIND_PORT, BIND_PID, BIND_KEY_256_NAME, BIND_KEY_256_SECRET, … 384, 512
#   tests/bind/server.sh stop DIR                        stops it and removes DIR
set -euo pipefail

here=$(dirname "$0")
# shellcheck source=tests/server-lib.sh
source "$here/../server-lib.sh"
# shellcheck source=tests/dns-zones.sh
source "$here/../dns-zones.sh"

start() {
    local dir=$1
    shift
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    local port bits zone update transfer
    port=$(free_port)
    make_keys "$dir"
    # shellcheck source=/dev/null
    source "$dir/keys.env"
    {
        for bits in 256 384 512; do
            local name="KEY_${bits}_NAME" secret="KEY_${bits}_SECRET"
            printf 'key "%s" { algorithm hmac-sha%s; secret "%s"; };\n' "${!name}" "$bits" "${!secret}"
        done
        cat <<CONF
options {
    directory "$dir";
    pid-file "$dir/named.pid";
    listen-on port $port { 127.0.0.1; };
    listen-on-v6 { none; };
    recursion no;
    dnssec-validation no;
    notify no;
    allow-transfer { key "$KEY_256_NAME"; key "$KEY_384_NAME"; key "$KEY_512_NAME"; };
};
controls { };
logging { channel log { file "$dir/named.log"; severity info; print-time yes; }; category default { log; }; };
CONF
        for arg in "$@"; do
            read -r zone update transfer < <(zone_spec "$arg")
            zone_file "$dir" "$zone"
            printf 'zone "%s" { type primary; file "%s.zone"; ' "$zone" "$(printf '%s' "$zone" | tr '/' '_')"
            if [[ "$update" == yes ]]; then
                printf 'allow-update { key "%s"; key "%s"; key "%s"; }; ' "$KEY_256_NAME" "$KEY_384_NAME" "$KEY_512_NAME"
            elif [[ "$update" == unsigned ]]; then
                printf 'allow-update { 127.0.0.1; }; '
            fi
            if [[ "$transfer" == no ]]; then
                printf 'allow-transfer { none; }; '
            fi
            printf '};\n'
        done
    } >"$dir/named.conf"
    /usr/sbin/named -g -c "$dir/named.conf" >"$dir/named.out" 2>&1 &
    local pid=$!
    echo "$pid" >"$dir/bind.pid"
    await_soa "$dir" BIND "$port" "$pid" "${1%:*}" named "$dir/named.out"
}

stop() {
    stop_server "$1/bind.pid" "$1"
}

dns_server_main start stop "$@"
