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
