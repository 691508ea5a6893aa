#!/usr/bin/env bash
# A private Knot DNS (knotd) for RFC 2136 tests: DNS on 127.0.0.1 at a free
# port, three TSIG keys (hmac-sha256/384/512) that may update the zones
# given, except those marked :noupdate (none may) and :unsigned (127.0.0.1
# may, without a key). The same keys may transfer (AXFR) every zone but
# those marked :noxfr (none may; the keys still update them).
#
#   tests/knot/server.sh start DIR ZONE[:noupdate|:unsigned|:noxfr]...   starts it in DIR and prints, one per line,
#                        KNOT_PORT, KNOT_PID, KNOT_KEY_256_NAME, KNOT_KEY_256_SECRET, … 384, 512
#   tests/knot/server.sh stop DIR                        stops it and removes DIR
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
    local port bits zone update transfer acls
    port=$(free_port)
    mkdir -p "$dir/db"
    make_keys "$dir"
    # shellcheck source=/dev/null
    source "$dir/keys.env"
    {
        cat <<CONF
server:
    rundir: "$dir"
    listen: 127.0.0.1@$port
database:
    storage: "$dir/db"
log:
  - target: "$dir/knot.log"
    any: info
key:
CONF
        for bits in 256 384 512; do
            local name="KEY_${bits}_NAME" secret="KEY_${bits}_SECRET"
            printf '  - id: %s\n    algorithm: hmac-sha%s\n    secret: %s\n' "${!name}" "$bits" "${!secret}"
        done
        cat <<CONF
acl:
  - id: update
    key: [$KEY_256_NAME, $KEY_384_NAME, $KEY_512_NAME]
    action: update
  - id: transfer
    key: [$KEY_256_NAME, $KEY_384_NAME, $KEY_512_NAME]
    action: transfer
  - id: unsigned
    address: 127.0.0.1
    action: update
template:
  - id: default
    storage: "$dir"
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: changes
zone:
CONF
        for arg in "$@"; do
            read -r zone update transfer < <(zone_spec "$arg")
            zone_file "$dir" "$zone"
            printf '  - domain: "%s"\n    file: "%s.zone"\n' "$zone" "$(printf '%s' "$zone" | tr '/' '_')"
            acls=()
            if [[ "$update" == yes ]]; then
                acls+=(update)
            elif [[ "$update" == unsigned ]]; then
                acls+=(unsigned)
            fi
            if [[ "$transfer" == yes ]]; then
                acls+=(transfer)
            fi
            if ((${#acls[@]})); then
                printf '    acl: [%s]\n' "$(IFS=,; printf '%s' "${acls[*]}")"
            fi
        done
    } >"$dir/knot.conf"
    /usr/sbin/knotd -c "$dir/knot.conf" >"$dir/knot.out" 2>&1 &
    local pid=$!
    echo "$pid" >"$dir/knot.pid"
    await_soa "$dir" KNOT "$port" "$pid" "${1%:*}" knotd "$dir/knot.out" "$dir/knot.log"
}

stop() {
    stop_server "$1/knot.pid" "$1"
}

dns_server_main start stop "$@"
