#!/usr/bin/env bash
# The main job, end to end on this machine: builds the extension, starts a
# private PowerDNS on 127.0.0.1, creates a forward zone and IPv4 and IPv6
# reverse zones, deploys a sample VM (IPv4 + IPv6, one custom rDNS) through
# the puq-dns CLI with live cron lines, shows the records with dig, resyncs
# (nothing to change) and terminates it, then stops the server.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"

build/deps.sh
cargo build --release --quiet
so="$CARGO_TARGET_DIR/release/libpuq_dns.so"

work=$(mktemp -d)
trap 'tests/pdns/server.sh stop "$work/pdns"; rm -rf "$work"' EXIT
eval "$(tests/pdns/server.sh start "$work/pdns")"
echo "== PowerDNS on $PDNS_API_URL (DNS on 127.0.0.1:$PDNS_DNS_PORT)"

for zone in puqcloud.com. 2.0.192.in-addr.arpa. 8.b.d.0.1.0.0.2.ip6.arpa.; do
    curl -fsS -o /dev/null -H "X-API-Key: $PDNS_API_KEY" -X POST \
        -d "{\"name\":\"$zone\",\"kind\":\"Native\",\"nameservers\":[\"ns1.puqcloud.com.\"]}" \
        "$PDNS_API_URL/api/v1/servers/localhost/zones"
done

cat >"$work/zones.json" <<JSON
[
  {"id": 1, "zone": "puqcloud.com", "type": "PowerDNS", "server_url": "$PDNS_API_URL", "api_key": "$PDNS_API_KEY"},
  {"id": 2, "zone": "2.0.192.in-addr.arpa", "type": "PowerDNS", "server_url": "$PDNS_API_URL", "api_key": "$PDNS_API_KEY"},
  {"id": 3, "zone": "8.b.d.0.1.0.0.2.ip6.arpa.", "type": "PowerDNS", "server_url": "$PDNS_API_URL/api/v1", "api_key": "$PDNS_API_KEY"}
]
JSON
vm='{"id": 5551, "name": "5551-1776530141", "domain": "puqcloud.com",
     "ips": ["192.0.2.7", "2001:db8::7", {"ip": "192.0.2.8", "reverse": "mail.example.com"}]}'
cli=(php -d "extension=$so" php/bin/puq-dns --zones "$work/zones.json")

echo "== zones"
"${cli[@]}" zones
echo "== test zone 1"
"${cli[@]}" test 1
echo "== deploy"
"${cli[@]}" create "$vm"

dig_short() { dig @127.0.0.1 -p "$PDNS_DNS_PORT" +short +norecurse "$@"; }
echo "== dig"
for query in "5551-1776530141.puqcloud.com A" "5551-1776530141.puqcloud.com AAAA" \
    "-x 192.0.2.7" "-x 192.0.2.8" "-x 2001:db8::7"; do
    # shellcheck disable=SC2086
    printf '%-36s %s\n' "$query" "$(dig_short $query | tr '\n' ' ')"
done

echo "== resync (already right: nothing is written)"
"${cli[@]}" resync "$vm"
echo "== terminate"
"${cli[@]}" delete "$vm"
printf '%-36s %s\n' "after terminate: A" "$(dig_short 5551-1776530141.puqcloud.com A | tr '\n' ' ')(none)"
