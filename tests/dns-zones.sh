# shellcheck shell=bash
# What tests/bind/server.sh and tests/knot/server.sh share: the TSIG keys
# and the zone files of a private server for RFC 2136 tests. Sourced.
#
#   make_keys DIR            writes DIR/keys.env: one key per algorithm,
#                            KEY_<BITS>_NAME and KEY_<BITS>_SECRET (base64)
#   zone_file DIR ZONE       writes DIR/ZONE.zone: SOA and NS, nothing else
#   zone_spec ARG            "ZONE", "ZONE:noupdate", "ZONE:unsigned" or
#                            "ZONE:noxfr" -> "ZONE UPDATE TRANSFER"
#                            UPDATE: yes: by the keys, no: by none,
#                            unsigned: by 127.0.0.1 without a key;
#                            TRANSFER (AXFR): yes: by the keys, no: by none
#                            (:noxfr, whose zone the keys still update)
#   await_soa DIR PREFIX PORT PID ZONE NAME LOG...
#                            waits until the server answers ZONE's SOA, then
#                            prints PREFIX_PORT, PREFIX_PID and the keys; if
#                            it dies or never answers, shows its LOGs, kills
#                            it and fails
#   dns_server_main START STOP "$@"   the `start DIR ZONE...` / `stop DIR` command line

make_keys() {
    local dir=$1 bits
    : >"$dir/keys.env"
    for bits in 256 384 512; do
        printf 'KEY_%s_NAME=puq-dns-sha%s.\nKEY_%s_SECRET=%s\n' "$bits" "$bits" "$bits" \
            "$(head -c 32 /dev/urandom | base64 | tr -d '\n')" >>"$dir/keys.env"
    done
}

zone_file() {
    local dir=$1 zone=$2
    cat >"$dir/$(printf '%s' "$zone" | tr '/' '_').zone" <<ZONE
\$TTL 3600
@ IN SOA ns1.puq-dns.test. hostmaster.puq-dns.test. 1 3600 600 86400 300
@ IN NS ns1.puq-dns.test.
ZONE
}

zone_spec() {
    case "$1" in
        *:noupdate) printf '%s no yes\n' "${1%:noupdate}" ;;
        *:unsigned) printf '%s unsigned yes\n' "${1%:unsigned}" ;;
        *:noxfr) printf '%s yes no\n' "${1%:noxfr}" ;;
        *) printf '%s yes yes\n' "$1" ;;
    esac
}

# Prints the keys and the server's port, for the caller to eval.
print_env() {
    local dir=$1 prefix=$2 port=$3 pid=$4
    printf '%s_PORT=%s\n%s_PID=%s\n' "$prefix" "$port" "$prefix" "$pid"
    sed "s/^/${prefix}_/" "$dir/keys.env"
}

await_soa() {
    local dir=$1 prefix=$2 port=$3 pid=$4 zone=$5 name=$6
    shift 6
    for _ in $(seq 1 100); do
        if dig +short +time=1 +tries=1 @127.0.0.1 -p "$port" "$zone" SOA 2>/dev/null | grep -q puq-dns.test; then
            print_env "$dir" "$prefix" "$port" "$pid"
            return 0
        fi
        if ! kill -0 "$pid" 2>/dev/null; then break; fi
        sleep 0.05
    done
    echo "$name did not start; its output:" >&2
    cat "$@" >&2 2>/dev/null || true
    kill "$pid" 2>/dev/null || true
    return 1
}

dns_server_main() {
    local start_fn=$1 stop_fn=$2
    shift 2
    case "${1:-}" in
        start) shift; "$start_fn" "$@" ;;
        stop) "$stop_fn" "${2:?directory}" ;;
        *) echo "usage: $0 start DIR ZONE[:noupdate|:unsigned|:noxfr]... | stop DIR" >&2; exit 2 ;;
    esac
}
