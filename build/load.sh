#!/usr/bin/env bash
# The load run (issue 6, "Reliability"): VMS VMs (default 500), each with
# one IPv4 address, synced back to back into a forward zone and an IPv4
# reverse zone, once as one resyncMany of all of them and once as VMS
# single resync calls (a new DnsSync each, as separate hook runs would
# make), in one PHP process per provider: the fake Cloudflare with its rate
# limit turned low and the extension's Cloudflare budget set just under it,
# the fake HestiaCP and a private PowerDNS, all on 127.0.0.1. Prints, for
# each, wall time, requests, retries, failed operations and those that
# failed for rate-limit reasons; exits non-zero if any operation failed or
# a record is missing on read-back. Not a test; takes several minutes
# (Cloudflare's part is paced by the budget). Figures in RELIABILITY.md.
#
#   build/load.sh [VMS]
#
# CF_LIMIT / CF_WINDOW (300 / 30 s): the fake's rate limit, which then
# answers 429 for 30 s; CF_BUDGET (280): the extension's
# cloudflare_rate_limit per CF_WINDOW.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
vms=${1:-500}
[[ "$vms" =~ ^[1-9][0-9]*$ && "$vms" -le 60000 ]] || { echo "usage: $0 [VMS (1..60000)]" >&2; exit 2; }
cf_limit=${CF_LIMIT:-300}
cf_window=${CF_WINDOW:-30}
cf_budget=${CF_BUDGET:-280}

# shellcheck source=tests/soak/servers.sh
source tests/soak/servers.sh
servers_setup

servers_start_pdns
# --verbose: every request and its status in cloudflare.err, to count 429s.
servers_start_fake cloudflare --verbose
servers_start_fake hestia
echo "== PowerDNS $PDNS_API_URL, Cloudflare 127.0.0.1:$CF_PORT, HestiaCP 127.0.0.1:$HESTIA_PORT"

# Two forward zones and two reverse zones per provider: load-many.test and
# 18.198.in-addr.arpa for the resyncMany, load-single.test and
# 19.198.in-addr.arpa for the single calls.
zones=(load-many.test 18.198.in-addr.arpa load-single.test 19.198.in-addr.arpa)
for zone in "${zones[@]}"; do pdns_zone "$zone."; done

cf_token="load-token-$RANDOM$RANDOM"
cf_account=0123456789abcdef0123456789abcdef
cf_ids=()
for i in "${!zones[@]}"; do
    cf_ids+=("$(printf '%032x' $((i + 1)))")
    cf_control POST /zones "{\"id\":\"${cf_ids[i]}\",\"name\":\"${zones[i]}\",\"account_id\":\"$cf_account\"}" >/dev/null
done
cf_control POST /tokens "{\"token\":\"$cf_token\",\"zones\":\"*\"}" >/dev/null
cf_control POST /faults \
    "{\"rate_limit\":{\"limit\":$cf_limit,\"window_s\":$cf_window,\"retry_after\":$cf_window}}" >/dev/null

hestia_password="load-Hestia-$RANDOM$RANDOM"
hestia_control POST /admin "{\"password\":\"$hestia_password\"}" >/dev/null
for zone in "${zones[@]}"; do
    hestia_control POST /domains "{\"user\":\"alice\",\"domain\":\"$zone\"}" >/dev/null
done

cat >"$work/load.json" <<JSON
{
  "vms": $vms,
  "zones": ["${zones[0]}", "${zones[1]}", "${zones[2]}", "${zones[3]}"],
  "pdns": {"url": "$PDNS_API_URL", "key": "$PDNS_API_KEY"},
  "cloudflare": {"api_url": "http://127.0.0.1:$CF_PORT/client/v4", "control": "http://127.0.0.1:$CF_PORT/__control",
                 "log": "$work/cloudflare.err", "token": "$cf_token", "account_id": "$cf_account",
                 "ids": ["${cf_ids[0]}", "${cf_ids[1]}", "${cf_ids[2]}", "${cf_ids[3]}"],
                 "limit": $cf_limit, "window": $cf_window, "budget": $cf_budget},
  "hestia": {"url": "http://127.0.0.1:$HESTIA_PORT/", "control": "http://127.0.0.1:$HESTIA_PORT/__control",
             "admin_user": "admin", "admin_password": "$hestia_password", "user": "alice"}
}
JSON

echo "== $vms VMs; $(machine_facts)"
echo "== Cloudflare: the fake allows $cf_limit requests per $cf_window s (then 429 for $cf_window s); budget $cf_budget per $cf_window s"
status=0
for provider in cloudflare hestia powerdns; do
    php -d "extension=$so" -d memory_limit=1G tests/soak/load.php "$work/load.json" "$provider" || status=1
done
echo "== after: $(machine_facts)"
exit "$status"
