#!/usr/bin/env bash
# The soak run (issue 6, "Reliability"): one PHP process makes CALLS
# (default 10000) DnsSync and DnsZoneManager calls back to back against a
# private PowerDNS, the fake Cloudflare and the fake HestiaCP on 127.0.0.1,
# plus calls that fail (refused connections, wrong credentials, malformed
# VM arrays that throw ConfigException), and samples its own VmRSS, open fds
# and threads as it goes. Prints the table and a verdict; exits non-zero if
# VmRSS grows by 8 MB or more after the warm-up (about call 500), threads or
# fds other than sockets change after it, more than 16 sockets are open
# between calls, or any result or record read back is not what it should
# be. Not a test; 10000 calls take about 13 minutes on 2 CPUs. Figures in
# RELIABILITY.md.
#
#   build/soak.sh [CALLS]
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
calls=${1:-10000}
[[ "$calls" =~ ^[1-9][0-9]*$ ]] || { echo "usage: $0 [CALLS]" >&2; exit 2; }

# shellcheck source=tests/soak/servers.sh
source tests/soak/servers.sh
servers_setup

servers_start_pdns
servers_start_fake cloudflare
servers_start_fake hestia
echo "== PowerDNS $PDNS_API_URL, Cloudflare 127.0.0.1:$CF_PORT, HestiaCP 127.0.0.1:$HESTIA_PORT"

# The forward zone soak.test on all three providers, the IPv4 reverse zone
# on all three, the IPv6 reverse zone on PowerDNS and Cloudflare: every call
# writes to every provider.
fwd=soak.test
rev4=2.0.192.in-addr.arpa
rev6=8.b.d.0.1.0.0.2.ip6.arpa
for zone in "$fwd." "$rev4." "$rev6."; do pdns_zone "$zone"; done
cf_token="soak-token-$RANDOM$RANDOM"
cf_fwd=$(printf '%032x' 1) cf_rev4=$(printf '%032x' 2) cf_rev6=$(printf '%032x' 3)
cf_account=0123456789abcdef0123456789abcdef
for pair in "$cf_fwd $fwd" "$cf_rev4 $rev4" "$cf_rev6 $rev6"; do
    read -r id name <<<"$pair"
    cf_control POST /zones "{\"id\":\"$id\",\"name\":\"$name\",\"account_id\":\"$cf_account\"}" >/dev/null
done
cf_control POST /tokens "{\"token\":\"$cf_token\",\"zones\":\"*\"}" >/dev/null
hestia_password="soak-Hestia-$RANDOM$RANDOM"
hestia_control POST /admin "{\"password\":\"$hestia_password\"}" >/dev/null
# Hestia refuses to delete a zone's last A record: the defaults (NS, @ and
# www A) keep one there whichever VMs are deleted.
hestia_control POST /domains "{\"user\":\"alice\",\"domain\":\"$fwd\",\"defaults\":true}" >/dev/null
hestia_control POST /domains "{\"user\":\"alice\",\"domain\":\"$rev4\"}" >/dev/null

cat >"$work/soak.json" <<JSON
{
  "calls": $calls,
  "pdns": {"url": "$PDNS_API_URL", "key": "$PDNS_API_KEY"},
  "cloudflare": {"api_url": "http://127.0.0.1:$CF_PORT/client/v4", "control": "http://127.0.0.1:$CF_PORT/__control",
                 "token": "$cf_token", "account_id": "$cf_account", "zones": {"$fwd": "$cf_fwd", "$rev4": "$cf_rev4", "$rev6": "$cf_rev6"}},
  "hestia": {"url": "http://127.0.0.1:$HESTIA_PORT/", "control": "http://127.0.0.1:$HESTIA_PORT/__control",
             "admin_user": "admin", "admin_password": "$hestia_password", "user": "alice"},
  "zones": {"fwd": "$fwd", "rev4": "$rev4", "rev6": "$rev6"}
}
JSON

echo "== $(machine_facts)"
status=0
php -d "extension=$so" -d memory_limit=512M tests/soak/soak.php "$work/soak.json" || status=$?
echo "== after: $(machine_facts)"
exit "$status"
