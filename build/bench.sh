#!/usr/bin/env bash
# The sync benchmarks (not tests; each takes a few minutes). Installs what
# they need (build/deps.sh) first, prints each table and writes it to its
# section of BENCHMARKS.md.
#
#   build/bench.sh [powerdns|cloudflare|all]     (default: all)
#
# powerdns:   issue 3, "PowerDNS sync": private PowerDNS servers on
#             127.0.0.1, synced through a proxy that adds 50 ms per request
#             (core/examples/bench_powerdns.rs).
# cloudflare: issue 4, "Cloudflare sync": the fake Cloudflare API
#             (tests/fakes/cloudflare.py) on 127.0.0.1 with 50 ms latency
#             per request (core/examples/bench_cloudflare.rs).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"

which="${1:-all}"
case "$which" in
    powerdns) examples=(bench_powerdns) ;;
    cloudflare) examples=(bench_cloudflare) ;;
    all) examples=(bench_powerdns bench_cloudflare) ;;
    *)
        echo "usage: build/bench.sh [powerdns|cloudflare|all]" >&2
        exit 2
        ;;
esac

build/deps.sh
for example in "${examples[@]}"; do
    printf '\n== %s\n' "$example"
    cargo run --release --quiet -p puq_dns_core --example "$example"
done
