#!/usr/bin/env bash
# The sync benchmarks (not tests; each takes a few minutes). Installs what
# they need (build/deps.sh) first, prints each table and writes it to its
# section of BENCHMARKS.md.
#
#   build/bench.sh [powerdns|scale|scale-cloudflare|cloudflare|rfc2136|all]     (default: all)
#
# powerdns:   issue 3, "PowerDNS sync": private PowerDNS servers on
#             127.0.0.1, synced through a proxy that adds 50 ms per request
#             (bench/src/bin/powerdns.rs).
# scale:      issue 16, "Reads that scale": each scenario (one VM; resyncMany
#             of 100 and 1,000 VMs in a /16) a whole `php` process with
#             target/release/libpuq_dns.so, against private PowerDNS servers
#             behind the same 50 ms proxy (bench/src/bin/scale.rs,
#             bench/php/sync.php). Builds the release extension first
#             (`cargo build --release` at the repository root).
# scale-cloudflare: issue 16, "Reads that scale on Cloudflare": resyncMany
#             of 1,000 VMs (2 IPv4 + 1 IPv6 each) as a whole `php` process,
#             against the fake Cloudflare API with 50 ms per request and the
#             engine's default request budget (bench/src/bin/scale_cloudflare.rs,
#             bench/php/sync.php). Builds the release extension first.
# cloudflare: issue 4, "Cloudflare sync": the fake Cloudflare API
#             (tests/fakes/cloudflare.py) on 127.0.0.1 with 50 ms latency
#             per request (bench/src/bin/cloudflare.rs).
# rfc2136:    "RFC 2136 sync": a private BIND 9 on 127.0.0.1, synced
#             through a proxy per zone that adds 50 ms per connection and
#             counts queries and UPDATEs (bench/src/bin/rfc2136.rs).
#
# What they share (the proxy, the servers and fakes, the scenarios, the
# report) is the library of bench/ (package puq_dns_bench).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"

which="${1:-all}"
case "$which" in
    powerdns | scale | scale-cloudflare | cloudflare | rfc2136) benches=("$which") ;;
    all) benches=(powerdns scale scale-cloudflare cloudflare rfc2136) ;;
    *)
        echo "usage: build/bench.sh [powerdns|scale|scale-cloudflare|cloudflare|rfc2136|all]" >&2
        exit 2
        ;;
esac

build/deps.sh
for bench in "${benches[@]}"; do
    printf '\n== %s\n' "$bench"
    if [[ "$bench" == scale || "$bench" == scale-cloudflare ]]; then
        # The PHP process loads the release extension: built from this tree.
        cargo build --release --quiet
    fi
    # The binaries are named with underscores (scale-cloudflare: scale_cloudflare).
    cargo run --release --quiet -p puq_dns_bench --bin "${bench//-/_}"
done
