#!/usr/bin/env bash
# The main job, end to end on this machine: builds the extension, starts a
# private PowerDNS and a private BIND 9 on 127.0.0.1, creates a forward zone
# and an IPv6 reverse zone on PowerDNS and the IPv4 reverse zone on BIND
# (signed RFC 2136 updates), deploys a sample VM (IPv4 + IPv6, one custom rDNS) through
# the puq-dns CLI (zones kept encrypted in SQLite) with live cron lines,
# shows the records with dig, queues "Set DNS records" after a stale record
# appears and lets the cron run fix it, terminates the VM. Then the same
# through the WHMCS addon, in the WHMCS stand-in (tests/whmcs): activate,
# configure, add zones, a service created, its DNS panel, Set DNS records
# and the WHMCS cron, terminate. Then it stops the servers.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"

build/deps.sh
cargo build --release --quiet
so="$CARGO_TARGET_DIR/release/libpuq_dns.so"

work=$(mktemp -d)
trap 'tests/pdns/server.sh stop "$work/pdns"; tests/bind/server.sh stop "$work/bind"; rm -rf "$work"' EXIT

# Installed as a server install does it (build/install.sh, without the
# directories given: this PHP's extension_dir and conf.d), but into the work
# directory, so the demo leaves this machine's PHP as it was; PHP reads the
# ini from there and loads puq_dns with no -d flag.
echo "== install the extension (build/install.sh, into $work/php)"
build/install.sh --so "$so" --extension-dir "$work/php/ext" --ini-dir "$work/php/conf.d" | sed 's/^/   /'
export PHP_INI_SCAN_DIR=":$work/php/conf.d"
php -m | grep -x puq_dns
eval "$(tests/pdns/server.sh start "$work/pdns")"
echo "== PowerDNS on $PDNS_API_URL (DNS on 127.0.0.1:$PDNS_DNS_PORT)"
eval "$(tests/bind/server.sh start "$work/bind" 2.0.192.in-addr.arpa)"
echo "== BIND 9 on 127.0.0.1:$BIND_PORT, TSIG key $BIND_KEY_256_NAME (hmac-sha256)"

for zone in puqcloud.com. 8.b.d.0.1.0.0.2.ip6.arpa.; do
    curl -fsS -o /dev/null -H "X-API-Key: $PDNS_API_KEY" -X POST \
        -d "{\"name\":\"$zone\",\"kind\":\"Native\",\"nameservers\":[\"ns1.puqcloud.com.\"]}" \
        "$PDNS_API_URL/api/v1/servers/localhost/zones"
done

# A standalone config: SQLite and the sodium key in the work directory.
cat >"$work/config.php" <<PHP
<?php
return [
    'db' => ['dsn' => 'sqlite:$work/puq-dns.sqlite'],
    'sodium_key_file' => '$work/secret.key',
    'admin_token' => '$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')',
    'sync' => ['timeout' => 10, 'retries' => 2],
];
PHP
printf '%s' "$PDNS_API_KEY" >"$work/pdns.key"
printf '%s' "$BIND_KEY_256_SECRET" >"$work/tsig.key"
vm='{"id": 5551, "name": "5551-1776530141", "domain": "puqcloud.com",
     "ips": ["192.0.2.7", "2001:db8::7", {"ip": "192.0.2.8", "reverse": "mail.example.com"}]}'
cli=(php php/bin/puq-dns --config "$work/config.php")

echo "== add the zones (the API key and the TSIG secret are read from files, stored encrypted)"
"${cli[@]}" zones add type=powerdns zone=puqcloud.com server_url="$PDNS_API_URL" api_key=@"$work/pdns.key"
"${cli[@]}" zones add type=rfc2136 zone=2.0.192.in-addr.arpa server="127.0.0.1:$BIND_PORT" \
    tsig_name="$BIND_KEY_256_NAME" tsig_secret=@"$work/tsig.key"
"${cli[@]}" zones add type=powerdns zone=8.b.d.0.1.0.0.2.ip6.arpa. server_url="$PDNS_API_URL/api/v1" api_key=@"$work/pdns.key"
"${cli[@]}" zones
echo "== test zones 1 (PowerDNS) and 2 (BIND)"
"${cli[@]}" zones test 1
"${cli[@]}" zones test 2
echo "== deploy"
"${cli[@]}" deploy "$vm"

dig_short() { dig @127.0.0.1 -p "$PDNS_DNS_PORT" +short +norecurse "$@"; }
dig_bind() { dig @127.0.0.1 -p "$BIND_PORT" +short +norecurse "$@"; }
show() {
    for query in "5551-1776530141.puqcloud.com A" "5551-1776530141.puqcloud.com AAAA" "-x 2001:db8::7"; do
        # shellcheck disable=SC2086 # $query is "NAME TYPE" or "-x ADDRESS": split into dig's arguments on purpose
        printf '%-36s %s\n' "$query" "$(dig_short $query | tr '\n' ' ')"
    done
    for query in "-x 192.0.2.7" "-x 192.0.2.8"; do
        # shellcheck disable=SC2086 # $query is "-x ADDRESS": split into dig's arguments on purpose
        printf '%-36s %s\n' "$query (BIND)" "$(dig_bind $query | tr '\n' ' ')"
    done
}
echo "== dig"
show

echo "== someone adds a stale A record by hand"
curl -fsS -o /dev/null -H "X-API-Key: $PDNS_API_KEY" -X PATCH \
    -d '{"rrsets":[{"name":"5551-1776530141.puqcloud.com.","type":"A","ttl":3600,"changetype":"REPLACE","records":[{"content":"192.0.2.7","disabled":false},{"content":"192.0.2.8","disabled":false},{"content":"198.51.100.66","disabled":false}]}]}' \
    "$PDNS_API_URL/api/v1/servers/localhost/zones/puqcloud.com."
printf '%-36s %s\n' "A" "$(dig_short 5551-1776530141.puqcloud.com A | tr '\n' ' ')"
echo "== Set DNS records: queue the VM, then the cron run resyncs it with live lines"
"${cli[@]}" queue 5551
"${cli[@]}" vms
"${cli[@]}" cron
"${cli[@]}" vms
show
echo "== terminate"
"${cli[@]}" terminate 5551
printf '%-36s %s\n' "after terminate: A" "$(dig_short 5551-1776530141.puqcloud.com A | tr '\n' ' ')(none)"

echo
echo "== the WHMCS addon (in the WHMCS stand-in of tests/whmcs; in a real WHMCS: build/addon.sh /path/to/whmcs)"
build/addon.sh "$work/whmcs" >/dev/null
whmcs=(env PUQ_DNS_SIM_DB="$work/whmcs.sqlite" PUQ_DNS_SIM_ROOT="$work/whmcs" PDNS_URL="$PDNS_API_URL" PDNS_KEY="$PDNS_API_KEY"
    BIND_SERVER="127.0.0.1:$BIND_PORT" BIND_KEY_NAME="$BIND_KEY_256_NAME" BIND_KEY_SECRET="$BIND_KEY_256_SECRET"
    php tests/whmcs/demo.php)
"${whmcs[@]}" setup
addon_show() {
    printf '%-36s %s\n' "1-20260418.puqcloud.com A" "$(dig_short 1-20260418.puqcloud.com A | tr '\n' ' ')"
    for query in "-x 192.0.2.7" "-x 192.0.2.8"; do
        # shellcheck disable=SC2086 # $query is "-x ADDRESS": split into dig's arguments on purpose
        printf '%-36s %s\n' "$query (BIND)" "$(dig_bind $query | tr '\n' ' ')"
    done
}
addon_show
echo "== someone adds a stale A record by hand; the service's DNS panel shows it"
curl -fsS -o /dev/null -H "X-API-Key: $PDNS_API_KEY" -X PATCH \
    -d '{"rrsets":[{"name":"1-20260418.puqcloud.com.","type":"A","ttl":3600,"changetype":"REPLACE","records":[{"content":"192.0.2.7","disabled":false},{"content":"192.0.2.8","disabled":false},{"content":"198.51.100.66","disabled":false}]}]}' \
    "$PDNS_API_URL/api/v1/servers/localhost/zones/puqcloud.com."
"${whmcs[@]}" panel
"${whmcs[@]}" press
"${whmcs[@]}" cron
addon_show
"${whmcs[@]}" terminate
printf '%-36s %s\n' "after terminate: A" "$(dig_short 1-20260418.puqcloud.com A | tr '\n' ' ')(none)"
